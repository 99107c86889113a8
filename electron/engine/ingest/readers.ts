/** The import readers' entry: format detection and the dispatch of each input path to its reader. */
import { stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import type { ImportFormat } from '../../../shared/enums.js';
import { err, type ReaderOptions, type ReadItem } from './read-items.js';
import { readCsv, readJsonl, readParquet } from './table-readers.js';
import { readFolder, readSourceFile } from './folder-readers.js';

export function detectFormat(path: string): ImportFormat {
  const p = path.toLowerCase().replace(/\.gz$/, '');
  if (p.endsWith('.jsonl') || p.endsWith('.ndjson') || p.endsWith('.json')) return 'jsonl';
  if (p.endsWith('.parquet')) return 'parquet';
  if (p.endsWith('.csv')) return 'csv';
  return 'files';
}

/** Reads every input path in order, yielding records, per-row errors and per-file completion. */
export async function* readInputs(
  paths: string[],
  format: ImportFormat | undefined,
  opts: ReaderOptions,
): AsyncGenerator<ReadItem> {
  for (const p of paths) {
    const abs = resolve(p);
    if (opts.signal?.aborted) return;
    let st;
    try {
      st = await stat(abs);
    } catch {
      yield { error: err(p, null, null, 'no such file or folder') };
      continue;
    }
    if (st.isDirectory()) {
      yield* readFolder(abs, opts);
      continue;
    }
    // Devices, FIFOs and sockets never end or block forever: only regular files are read.
    if (!st.isFile()) {
      yield { error: err(p, null, null, 'not a regular file (device, FIFO or socket)') };
      continue;
    }
    const fmt = format ?? detectFormat(abs);
    if (fmt === 'jsonl') yield* readJsonl(abs, opts);
    else if (fmt === 'csv') yield* readCsv(abs, opts);
    else if (fmt === 'parquet') yield* readParquet(abs, opts);
    else yield* readSourceFile(abs, basename(abs), null, opts);
  }
}
