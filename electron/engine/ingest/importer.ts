import { pushAll } from '../../../shared/arrays.js';
import { randomUUID } from 'node:crypto';
import type * as lancedb from '@lancedb/lancedb';
import { stat } from 'node:fs/promises';
import type { ChunkMode, ImportFormat } from '../../../shared/enums.js';
import type { ImportError, ImportSummary, Sample } from '../../../shared/domain.js';
import type { DatasetStore } from '../store/dataset-store.js';
import { sampleToRow, type SampleRowRecord } from '../store/row-mapping.js';
import { estimateTokens, sampleIdOf } from './normalize.js';
import { readInputs } from './readers.js';
import { folderKey, listFolder } from './folder-readers.js';
import type { RawRecord, ReadItem } from './read-items.js';
import { importsOfSample } from './imports.js';
import { hasGrammar } from './grammars.js';
import { recordImports } from '../stats/imports-stat.js';
import { recordHygiene, type HygieneItem } from '../hygiene/scan-job.js';
import { createCpuPool, InOrder, type CpuPool } from '../workers/cpu-pool.js';
import type { ChunkOut, ChunkResult } from '../workers/cpu-tasks.js';

export interface ImportOptions {
  format?: ImportFormat;
  textField?: string;
  chunk?: ChunkMode;
  lang?: string;
  /** Scan for secrets / PII, detect licenses and index declared metadata as batches land (default true). */
  hygiene?: boolean;
  /** Metadata keys to index for `--where` beyond the declared ones (hygiene/meta-fields.ts). */
  metaFields?: string[];
  /** Files (or rows) larger than this become errors. Default 2 MB. */
  maxFileBytes?: number;
  /** Follow symbolic links inside folders (loops detected). Default: skip them. */
  followSymlinks?: boolean;
  signal?: AbortSignal;
  /** Parses on these worker threads (default: inline, one thread). Not closed here. */
  pool?: CpuPool;
  /**
   * Where rows go instead of the dataset's own tables (a shard's private folder). The dataset is
   * then only read: its index still dedupes, and learns the shard's rows in memory only.
   */
  target?: { samples: lancedb.Table; errors: lancedb.Table };
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
/** One pool task: ~1 MB of source or 512 read items, whichever comes first. */
const GROUP_CHARS = 1 << 20;
const GROUP_ITEMS = 512;

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
  const samples = opts.target?.samples ?? (await store.table('samples'));
  const errorsTable = opts.target?.errors ?? (await store.table('import_errors'));
  const summary: ImportResult = {
    importId,
    imported: 0,
    duplicates: 0,
    errors: [],
    errorCount: 0,
    files: 0,
    bytes: 0,
    cancelled: false,
    skipped: 0,
  };
  // NOTE: the pool measures the chunks it cuts (cpu-tasks.ts `stats`); the flush measures the
  // records imported whole, and scans what it stores (on the pool).
  const hygiene = opts.hygiene ?? true;
  let batch: SampleRowRecord[] = [];
  let hygieneBatch: HygieneItem[] = [];
  let batchBytes = 0;
  const batchIds = new Set<string>();
  let pendingErrors: ImportError[] = [];
  let batchImports: { sampleId: string; modules: string[] }[] = [];
  let doneBytes = 0;
  let lastProgress = 0;

  const flush = async () => {
    if (batch.length) {
      await samples.add(batch);
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
      // A shard (opts.target) writes only its own folder; the imports statistic is computed lazily later.
      if (!opts.target) await recordImports(store, batchImports);
      batchImports = [];
      // NOTE: after the rows are written: a crash in between leaves samples without a scan, which
      // `tbs scan` (and every export) picks up, never a finding for a sample that is not stored.
      if (hygiene)
        await recordHygiene(store, hygieneBatch, {
          metaFields: opts.metaFields,
          scanner: (texts) => pool.scan(texts),
        });
      hygieneBatch = [];
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

  const addChunk = (rec: RawRecord, c: ChunkOut, text: string) => {
    const id = c.id;
    if (store.index.has(id) || batchIds.has(id)) {
      summary.duplicates++;
      return;
    }
    batchIds.add(id);
    batchImports.push({ sampleId: id, modules: c.imports });
    const sample: Sample = {
      id,
      text,
      language: rec.language ?? 'text',
      source: c.startLine ? `${rec.source}:${c.startLine}-${c.endLine}` : rec.source,
      repo: rec.repo,
      path: rec.path,
      startLine: c.startLine,
      endLine: c.endLine,
      chunk: c.startLine ? 'function' : 'file',
      tokens: c.tokens,
      tokensExact: false,
      metadata: rec.metadata,
      astCounts: c.astCounts,
      importedAt,
    };
    batch.push(sampleToRow(sample, importId));
    hygieneBatch.push({
      id,
      text,
      metadata: rec.metadata,
      licenseFile: rec.licenseFile ?? null,
      stats: c.stats,
    });
    batchBytes += text.length;
  };
  /** Applies one group's items in reading order, with the parsed records' chunks. */
  const applyGroup = async (items: ReadItem[], parsed: ChunkResult[]) => {
    let k = 0;
    for (const item of items) {
      if ('error' in item) addError(item.error);
      else if ('fileDone' in item) {
        summary.files++;
        summary.bytes += item.bytes;
        if (item.skipped) summary.skipped++;
      } else {
        const rec = item.record;
        doneBytes += rec.bytes;
        let r = sentToPool(rec) ? parsed[k++] : { chunks: [await wholeChunk(rec)] };
        // A language the pool detected (the record named none) is the record's from here on.
        if (r.language !== undefined) rec.language = r.language;
        if ('whole' in r) r = { chunks: [await wholeChunk(rec)] };
        if ('error' in r) addError({ file: rec.source, line: null, field: null, message: `parse failed: ${r.error}` });
        else
          for (const c of r.chunks)
            addChunk(rec, c, c.start === 0 && c.end === rec.text.length ? rec.text : rec.text.slice(c.start, c.end));
      }
      // Batch boundaries fall where a one-record-at-a-time import puts them (readers rely on it).
      if (batch.length >= BATCH_ROWS || batchBytes >= BATCH_BYTES || pendingErrors.length >= BATCH_ROWS) {
        await flush();
        report(true);
      }
    }
    report();
  };

  // NOTE: records are read in groups; a group's parsing runs on the pool while later groups are
  // read, and groups are applied strictly in reading order, so ids, duplicates and the stored
  // order are the same for any worker count.
  const pool = opts.pool ?? (await createCpuPool(1));
  const inFlight = new InOrder<ReadItem[], ChunkResult[]>(Math.max(2, pool.workers * 2));
  let group: ReadItem[] = [];
  let groupTexts: string[] = [];
  let groupLanguages: (string | null)[] = [];
  let groupNames: (string | null)[] = [];
  let groupBytes = 0;
  const submit = async () => {
    if (!group.length) return;
    const texts = groupTexts;
    const done = await inFlight.push(
      group,
      texts.length
        ? pool.chunk({ mode: chunkMode, texts, languages: groupLanguages, names: groupNames, stats: hygiene })
        : Promise.resolve([]),
    );
    group = [];
    groupTexts = [];
    groupLanguages = [];
    groupNames = [];
    groupBytes = 0;
    if (done) await applyGroup(done.ctx, done.result);
  };
  try {
    for await (const item of readInputs(paths, opts.format, {
      textField: opts.textField,
      lang: opts.lang,
      maxFileBytes: opts.maxFileBytes ?? 2 << 20,
      followSymlinks: opts.followSymlinks,
      signal: opts.signal,
    })) {
      group.push(item);
      // NOTE: a record with no language is detected on the pool too: on the main thread, detection
      // (a parse per candidate grammar) bound a text-only import to one core.
      if ('record' in item && sentToPool(item.record)) {
        groupTexts.push(item.record.text);
        groupLanguages.push(item.record.language);
        groupNames.push(item.record.path);
        groupBytes += item.record.text.length;
      } else if ('record' in item) groupBytes += item.record.text.length >> 4;
      if (groupBytes >= GROUP_CHARS || group.length >= GROUP_ITEMS) await submit();
      if (opts.signal?.aborted) break;
    }
    if (!opts.signal?.aborted) await submit();
    // A cancel still applies what was read and parsed: it is cheap and keeps the tail consistent.
    for await (const done of inFlight.drain()) await applyGroup(done.ctx, done.result);
  } finally {
    if (!opts.pool) await pool.close();
  }
  await flush();
  summary.cancelled = Boolean(opts.signal?.aborted);
  doneBytes = summary.cancelled ? doneBytes : totalBytes;
  report(true);
  return summary;
}

/** Records the pool gets: those to parse, and those whose language it must detect first. */
function sentToPool(rec: RawRecord): boolean {
  return rec.language === null || hasParser(rec);
}

/** Languages with a grammar are parsed (chunks, node kinds, imports); others are imported whole. */
function hasParser(rec: RawRecord): boolean {
  return hasGrammar(rec.language);
}

/** A record imported whole (markdown's Python code blocks still count for the imports statistic). */
async function wholeChunk(rec: RawRecord): Promise<ChunkOut> {
  const text = rec.text;
  return {
    start: 0,
    end: text.length,
    startLine: null,
    endLine: null,
    astCounts: {},
    imports: await importsOfSample(text, rec.language ?? 'text'),
    id: sampleIdOf(text),
    tokens: estimateTokens(text),
  };
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
      pushAll(stack, listed.subdirs);
      for (const f of listed.files) total += (await stat(f).catch(() => null))?.size ?? 0;
    }
  }
  return total;
}
