import { build } from 'vite';
import { fileURLToPath } from 'node:url';

/**
 * Bundles the sandboxed preload into the single CommonJS file Electron can load (a sandboxed
 * preload may only require 'electron'). The main process itself runs from source via entry.mjs.
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
const outDir = 'dist/electron';

await build({
  root,
  configFile: false,
  logLevel: 'warn',
  build: {
    ssr: 'electron/main/preload.ts',
    outDir,
    emptyOutDir: false,
    target: 'node20',
    minify: false,
    rollupOptions: { external: ['electron'], output: { format: 'cjs', entryFileNames: 'preload.cjs' } },
  },
  // The sandboxed preload may only require 'electron': bundle everything else in.
  ssr: { noExternal: true },
});
