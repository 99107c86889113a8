import { createReadStream } from 'node:fs';
import { opendir, readFile, stat } from 'node:fs/promises';
import { basename, extname, join, relative, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { parse as parseCsv } from 'csv-parse';
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet';
import type { ImportError } from '../../../shared/domain.js';
import type { ImportFormat } from '../../../shared/enums.js';
import { languageFromPath } from './languages.js';

/** One input document before chunking. */
export interface RawRecord {
  text: string;
  source: string;
  repo: string | null;
  path: string | null;
  language: string | null;
  metadata: Record<string, unknown>;
  bytes: number;
}
export type ReadItem =
  | { record: RawRecord }
  | { error: ImportError }
  /** `skipped`: why a readable file gave no record without being an error (it is empty). */
  | { fileDone: string; bytes: number; skipped?: string };

export interface ReaderOptions {
  textField?: string;
  lang?: string;
  maxFileBytes: number;
  signal?: AbortSignal;
}

const TEXT_FIELDS = ['content', 'text', 'code'];
/** The Stack's columns, mapped onto sample fields; everything else stays metadata. */
const STACK_PATH = ['max_stars_repo_path', 'path', 'file_path'];
const STACK_REPO = ['max_stars_repo_name', 'repo_name', 'repo'];
const STACK_LANG = ['lang', 'language'];

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
    const fmt = format ?? detectFormat(abs);
    if (fmt === 'jsonl') yield* readJsonl(abs, opts);
    else if (fmt === 'csv') yield* readCsv(abs, opts);
    else if (fmt === 'parquet') yield* readParquet(abs, opts);
    else yield* readSourceFile(abs, basename(abs), null, opts);
  }
}

function err(file: string, line: number | null, field: string | null, message: string): ImportError {
  return { file, line, field, message };
}

/** Maps one table row (JSONL, CSV or Parquet) to a record, or explains why it cannot. */
function rowToRecord(
  row: unknown,
  file: string,
  line: number,
  opts: ReaderOptions,
): { record: RawRecord } | { error: ImportError } {
  if (row === null || typeof row !== 'object' || Array.isArray(row))
    return { error: err(file, line, null, 'row is not an object') };
  const obj = row as Record<string, unknown>;
  const field = opts.textField ?? TEXT_FIELDS.find((f) => f in obj);
  if (!field)
    return { error: err(file, line, opts.textField ?? TEXT_FIELDS.join('|'), 'no text field (use --text-field)') };
  const text = obj[field];
  if (typeof text !== 'string')
    return {
      error: err(file, line, field, `text field is ${text === null ? 'null' : typeof text}, expected a string`),
    };
  if (!text.trim()) return { error: err(file, line, field, 'text is empty') };
  const bytes = Buffer.byteLength(text);
  if (bytes > opts.maxFileBytes)
    return { error: err(file, line, field, `text is ${bytes} bytes, over the ${opts.maxFileBytes}-byte limit`) };
  const pick = (keys: string[]) => {
    for (const k of keys) if (typeof obj[k] === 'string' && obj[k]) return obj[k] as string;
    return null;
  };
  const path = pick(STACK_PATH);
  const metadata: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) if (k !== field) metadata[k] = typeof v === 'bigint' ? Number(v) : v;
  const lang = opts.lang ?? pick(STACK_LANG)?.toLowerCase() ?? (path ? languageFromPath(path) : null);
  return { record: { text, source: `${file}#${line}`, repo: pick(STACK_REPO), path, language: lang, metadata, bytes } };
}

function inputStream(file: string) {
  const s = createReadStream(file);
  return file.toLowerCase().endsWith('.gz') ? s.pipe(createGunzip()) : s;
}

async function* readJsonl(file: string, opts: ReaderOptions): AsyncGenerator<ReadItem> {
  const rl = createInterface({ input: inputStream(file), crlfDelay: Infinity });
  let line = 0;
  let bytes = 0;
  try {
    for await (const raw of rl) {
      line++;
      bytes += raw.length + 1;
      if (opts.signal?.aborted) return;
      if (!raw.trim()) continue;
      let row: unknown;
      try {
        row = JSON.parse(raw);
      } catch (e) {
        yield { error: err(file, line, null, `malformed JSON: ${(e as Error).message}`) };
        continue;
      }
      yield rowToRecord(row, file, line, opts);
    }
  } catch (e) {
    yield { error: err(file, line + 1, null, `read failed: ${(e as Error).message}`) };
  }
  yield { fileDone: file, bytes };
}

async function* readCsv(file: string, opts: ReaderOptions): AsyncGenerator<ReadItem> {
  const parser = inputStream(file).pipe(
    parseCsv({ columns: true, relax_column_count: true, skip_empty_lines: true, bom: true }),
  );
  let row = 0;
  let bytes = 0;
  try {
    for await (const rec of parser) {
      row++;
      if (opts.signal?.aborted) return;
      const r = rowToRecord(rec, file, row + 1, opts); // +1: the header is line 1
      if ('record' in r) bytes += r.record.bytes;
      yield r;
    }
  } catch (e) {
    yield { error: err(file, row + 2, null, `CSV parse failed: ${(e as Error).message}`) };
  }
  yield { fileDone: file, bytes };
}

async function* readParquet(file: string, opts: ReaderOptions): AsyncGenerator<ReadItem> {
  let buf;
  let metadata;
  try {
    buf = await asyncBufferFromFile(file);
    metadata = await parquetMetadataAsync(buf);
  } catch (e) {
    yield { error: err(file, null, null, `not a readable Parquet file: ${(e as Error).message}`) };
    return;
  }
  let start = 0;
  let bytes = 0;
  // NOTE: one row group at a time keeps memory flat on multi-GB files.
  for (const rg of metadata.row_groups) {
    const n = Number(rg.num_rows);
    if (opts.signal?.aborted) return;
    let rows: Record<string, unknown>[];
    try {
      rows = await parquetReadObjects({ file: buf, metadata, rowStart: start, rowEnd: start + n });
    } catch (e) {
      yield { error: err(file, start + 1, null, `row group unreadable: ${(e as Error).message}`) };
      start += n;
      continue;
    }
    for (let i = 0; i < rows.length; i++) {
      const r = rowToRecord(rows[i], file, start + i + 1, opts);
      if ('record' in r) bytes += r.record.bytes;
      yield r;
    }
    start += n;
  }
  yield { fileDone: file, bytes };
}

const SKIP_DIRS = new Set(['.git', 'node_modules', '__pycache__', '.hg', '.svn', '.tox', '.venv', 'venv']);

async function* readFolder(root: string, opts: ReaderOptions): AsyncGenerator<ReadItem> {
  const repo = basename(root);
  const stack = [root];
  while (stack.length) {
    const dir = stack.pop()!;
    let entries: string[] = [];
    const subdirs: string[] = [];
    try {
      for await (const d of await opendir(dir)) {
        if (d.isDirectory()) {
          if (!SKIP_DIRS.has(d.name)) subdirs.push(join(dir, d.name));
        } else if (d.isFile() && languageFromPath(d.name)) entries.push(join(dir, d.name));
      }
    } catch (e) {
      yield { error: err(dir, null, null, `cannot list folder: ${(e as Error).message}`) };
      continue;
    }
    // NOTE: sorted traversal makes imports (and their error lists) reproducible.
    entries = entries.sort();
    stack.push(...subdirs.sort().reverse());
    for (const f of entries) {
      if (opts.signal?.aborted) return;
      yield* readSourceFile(f, relative(root, f), repo, opts);
    }
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

async function* readSourceFile(
  file: string,
  relPath: string,
  repo: string | null,
  opts: ReaderOptions,
): AsyncGenerator<ReadItem> {
  let buf: Buffer;
  try {
    const st = await stat(file);
    if (st.size > opts.maxFileBytes) {
      yield { error: err(file, null, null, `file is ${st.size} bytes, over the ${opts.maxFileBytes}-byte limit`) };
      return;
    }
    buf = await readFile(file);
  } catch (e) {
    yield { error: err(file, null, null, `cannot read: ${(e as Error).message}`) };
    return;
  }
  let text: string;
  try {
    text = utf8.decode(buf);
  } catch {
    yield { error: err(file, null, null, 'not valid UTF-8 text') };
    return;
  }
  if (text.includes('\u0000')) {
    yield { error: err(file, null, null, 'binary file (NUL bytes)') };
    return;
  }
  if (!text.trim()) {
    // An empty (or blank) file, like most `__init__.py`, has nothing to import: skipped, not an error.
    yield { fileDone: file, bytes: buf.length, skipped: 'empty file' };
    return;
  }
  const language = opts.lang ?? languageFromPath(file) ?? extname(file).slice(1);
  yield { record: { text, source: file, repo, path: relPath, language, metadata: {}, bytes: buf.length } };
  yield { fileDone: file, bytes: buf.length };
}
