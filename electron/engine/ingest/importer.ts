import { randomUUID } from 'node:crypto';
import { stat } from 'node:fs/promises';
import type { ChunkMode, ImportFormat } from '../../../shared/enums.js';
import type { ImportError, ImportSummary, Sample } from '../../../shared/domain.js';
import type { DatasetStore } from '../store/dataset-store.js';
import { sampleToRow, type SampleRowRecord } from '../store/row-mapping.js';
import { chunkPython, type Chunk } from './python-parser.js';
import { estimateTokens, sampleIdOf } from './normalize.js';
import { folderKey, listFolder, readInputs, type RawRecord } from './readers.js';
import { importsOfSample } from './imports.js';
import { recordImports } from '../stats/imports-stat.js';

export interface ImportOptions {
  format?: ImportFormat;
  textField?: string;
  chunk?: ChunkMode;
  lang?: string;
  /** Files (or rows) larger than this become errors. Default 2 MB. */
  maxFileBytes?: number;
  /** Follow symbolic links inside folders (loops detected). Default: skip them. */
  followSymlinks?: boolean;
  signal?: AbortSignal;
  onProgress?: (p: {
    doneBytes: number;
    totalBytes: number;
    imported: number;
    duplicates: number;
    errors: number;
  }) => void;
}

export interface ImportResult extends ImportSummary {
  importId: string;
  cancelled: boolean;
  errorCount: number;
  /** Inputs with nothing to import that are not errors (an empty `__init__.py`). */
  skipped: number;
}

const BATCH_ROWS = 2000;
const BATCH_BYTES = 16 << 20;
/** The summary keeps the first errors verbatim; all of them go to the import_errors table. */
const MAX_ERRORS_IN_SUMMARY = 10_000;

/**
 * Streams inputs into the samples table in large batches (LanceDB wants few, big writes).
 * Rows are written before the in-memory index learns of them, so a cancel or crash can only
 * lose the unwritten tail, never leave the index ahead of the table.
 */
export function importPaths(store: DatasetStore, paths: string[], opts: ImportOptions = {}): Promise<ImportResult> {
  // NOTE: dedup checks the in-memory index before each write; two imports interleaving would both
  // miss each other's unwritten rows and store duplicates, so imports into one store run one at a time.
  return store.exclusive('import', () => importPathsAlone(store, paths, opts));
}

async function importPathsAlone(store: DatasetStore, paths: string[], opts: ImportOptions): Promise<ImportResult> {
  const importId = randomUUID();
  const importedAt = new Date().toISOString();
  const chunkMode = opts.chunk ?? 'file';
  const totalBytes = await totalInputBytes(paths, opts.followSymlinks ?? false, opts.signal);
  const samples = await store.table('samples');
  const errorsTable = await store.table('import_errors');
  const summary: ImportResult = {
    importId,
    imported: 0,
    duplicates: 0,
    errors: [],
    errorCount: 0,
    skipped: 0,
    files: 0,
    bytes: 0,
    cancelled: false,
  };
  let batch: SampleRowRecord[] = [];
  let batchImports: { sampleId: string; modules: string[] }[] = [];
  let batchBytes = 0;
  const batchIds = new Set<string>();
  let pendingErrors: ImportError[] = [];
  let doneBytes = 0;
  let lastProgress = 0;

  const flush = async () => {
    if (batch.length) {
      await samples.add(batch);
      await recordImports(store, batchImports);
      batchImports = [];
      for (const r of batch)
        store.index.add({
          id: r.id,
          source: r.source,
          path: r.path,
          language: r.language,
          tokens: r.tokens,
          tokensExact: false,
        });
      summary.imported += batch.length;
      batch = [];
      batchBytes = 0;
      batchIds.clear();
    }
    if (pendingErrors.length) {
      const at = new Date().toISOString();
      await errorsTable.add(
        pendingErrors.map((e) => ({
          import_id: importId,
          file: e.file,
          line: e.line,
          field: e.field,
          message: e.message,
          created_at: at,
        })),
      );
      pendingErrors = [];
    }
  };
  const report = (force = false) => {
    const now = Date.now();
    if (!opts.onProgress || (!force && now - lastProgress < 100)) return;
    lastProgress = now;
    opts.onProgress({
      doneBytes: Math.min(doneBytes, totalBytes),
      totalBytes,
      imported: summary.imported + batch.length,
      duplicates: summary.duplicates,
      errors: summary.errorCount,
    });
  };
  const addError = (e: ImportError) => {
    summary.errorCount++;
    if (summary.errors.length < MAX_ERRORS_IN_SUMMARY) summary.errors.push(e);
    pendingErrors.push(e);
  };

  for await (const item of readInputs(paths, opts.format, {
    textField: opts.textField,
    lang: opts.lang,
    maxFileBytes: opts.maxFileBytes ?? 2 << 20,
    signal: opts.signal,
    followSymlinks: opts.followSymlinks,
  })) {
    if ('error' in item) {
      addError(item.error);
      continue;
    }
    if ('fileDone' in item) {
      summary.files++;
      if (item.skipped) summary.skipped++;
      summary.bytes += item.bytes;
      report();
      continue;
    }
    const rec = item.record;
    doneBytes += rec.bytes;
    let chunks: Chunk[];
    try {
      chunks = await chunkRecord(rec, chunkMode);
    } catch (e) {
      addError({ file: rec.source, line: null, field: null, message: `parse failed: ${(e as Error).message}` });
      continue;
    }
    for (const c of chunks) {
      const id = sampleIdOf(c.text);
      if (store.index.has(id) || batchIds.has(id)) {
        summary.duplicates++;
        continue;
      }
      batchIds.add(id);
      const sample: Sample = {
        id,
        text: c.text,
        language: rec.language ?? 'text',
        source: c.startLine ? `${rec.source}:${c.startLine}-${c.endLine}` : rec.source,
        repo: rec.repo,
        path: rec.path,
        startLine: c.startLine,
        endLine: c.endLine,
        chunk: c.startLine ? 'function' : 'file',
        tokens: estimateTokens(c.text),
        tokensExact: false,
        metadata: rec.metadata,
        astCounts: c.astCounts,
        importedAt,
      };
      batch.push(sampleToRow(sample, importId));
      batchImports.push({ sampleId: id, modules: c.imports });
      batchBytes += c.text.length;
    }
    if (batch.length >= BATCH_ROWS || batchBytes >= BATCH_BYTES || pendingErrors.length >= BATCH_ROWS) {
      await flush();
      report(true);
    } else report();
    if (opts.signal?.aborted) break;
  }
  await flush();
  summary.cancelled = Boolean(opts.signal?.aborted);
  doneBytes = summary.cancelled ? doneBytes : totalBytes;
  report(true);
  return summary;
}

async function chunkRecord(rec: RawRecord, mode: ChunkMode): Promise<Chunk[]> {
  if (rec.language === 'python') return chunkPython(rec.text, mode);
  // NOTE: only Python has a grammar bundled; other languages are imported whole (markdown's
  // Python code blocks still count for the imports statistic).
  const imports = await importsOfSample(rec.text, rec.language ?? 'text');
  return [{ text: rec.text, startLine: null, endLine: null, astCounts: {}, imports }];
}

/** Sum of input sizes (folders walked by the readers' rules), for the progress bar's denominator. */
async function totalInputBytes(paths: string[], follow: boolean, signal?: AbortSignal): Promise<number> {
  let total = 0;
  for (const p of paths) {
    const st = await stat(p).catch(() => null);
    if (!st) continue;
    if (st.isFile()) total += st.size;
    if (!st.isDirectory()) continue;
    const seen = new Set<string>([await folderKey(p)]);
    const stack = [p];
    while (stack.length) {
      if (signal?.aborted) return total;
      const dir = stack.pop()!;
      const listed = await listFolder(dir, follow, seen).catch(() => null);
      if (!listed) continue;
      stack.push(...listed.subdirs);
      for (const f of listed.files) total += (await stat(f).catch(() => null))?.size ?? 0;
    }
  }
  return total;
}
