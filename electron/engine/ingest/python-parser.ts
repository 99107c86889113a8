import { chunkCode, type Chunk } from './code-parser.js';

/** Python entry points, kept for callers that only ever see Python (synthetic data, benchmarks). */
export { getPythonParser } from './grammars.js';
export { countNodeKinds, type Chunk } from './code-parser.js';

/** Parses Python source once; returns the whole file or its top-level functions and classes. */
export function chunkPython(text: string, mode: 'file' | 'function'): Promise<Chunk[]> {
  return chunkCode(text, 'python', mode);
}
