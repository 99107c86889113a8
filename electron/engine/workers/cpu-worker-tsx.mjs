// Worker entry when running from TypeScript sources: tsx's `--import` hook does not reach worker
// threads on Node 20 (ERR_UNKNOWN_FILE_EXTENSION), so the .ts entry is loaded through tsx's API.
import { tsImport } from 'tsx/esm/api';

const mod = await tsImport('./cpu-worker.ts', import.meta.url);
export default mod.default;
