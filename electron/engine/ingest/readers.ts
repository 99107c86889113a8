import { createReadStream } from 'node:fs';
import { constants as fsConstants } from 'node:fs';
import { open, opendir, readFile, stat } from 'node:fs/promises';
import { CodedError } from '../../../shared/errors.js';
import { readLines } from './line-reader.js';
import { basename, join, relative, resolve } from 'node:path';
import { createGunzip } from 'node:zlib';
import { parse as parseCsv } from 'csv-parse';
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet';
import type { ImportError } from '../../../shared/domain.js';
import type { ImportFormat } from '../../../shared/enums.js';
import { languageFromPath, languageOfRow, normalizeLanguage } from './languages.js';
import { LICENSE_FILE, licenseFromLicenseText } from '../hygiene/licenses.js';

/** One input document before chunking. */
export interface RawRecord {
  text: string;
  source: string;
  repo: string | null;
  path: string | null;
  language: string | null;
  metadata: Record<string, unknown>;
  bytes: number;
  /** Folder imports: the LICENSE / COPYING file that governs this file, when one was recognized. */
  licenseFile?: { path: string; id: string } | null;
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
  /** Follow symbolic links inside folders (each real folder is visited once). Default: skip them. */
  followSymlinks?: boolean;
}

/** A JSONL/CSV line may be this much longer than its text (JSON escapes, other fields). */
const lineLimit = (maxFileBytes: number) => maxFileBytes * 6 + (1 << 20);

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
  if (text.includes('\u0000')) return { error: err(file, line, field, 'text contains NUL bytes (binary)') };
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
  // NOTE: null when neither says: the importer then checks the content (detect-language.ts).
  const lang = opts.lang ? normalizeLanguage(opts.lang) : languageOfRow(path, pick(STACK_LANG));
  return { record: { text, source: `${file}#${line}`, repo: pick(STACK_REPO), path, language: lang, metadata, bytes } };
}

function inputStream(file: string) {
  const s = createReadStream(file);
  if (!file.toLowerCase().endsWith('.gz')) return s;
  const gz = createGunzip();
  // NOTE: pipe() does not forward errors; without this a read error would be unhandled.
  s.on('error', (e) => gz.destroy(e));
  return s.pipe(gz);
}

async function* readJsonl(file: string, opts: ReaderOptions): AsyncGenerator<ReadItem> {
  let line = 0;
  let bytes = 0;
  try {
    for await (const l of readLines(inputStream(file), lineLimit(opts.maxFileBytes), opts.signal)) {
      line = l.line;
      bytes += l.bytes;
      if (opts.signal?.aborted) return;
      if ('error' in l) {
        yield { error: err(file, line, null, l.error) };
        continue;
      }
      const raw = l.text;
      if (!raw.trim()) continue;
      let row: unknown;
      try {
        row = JSON.parse(raw);
      } catch (e) {
        yield { error: err(file, line, null, `malformed JSON: ${jsonErrorSummary((e as Error).message)}`) };
        continue;
      }
      yield rowToRecord(row, file, line, opts);
    }
  } catch (e) {
    yield { error: err(file, line + 1, null, `read failed: ${(e as Error).message}`) };
  }
  yield { fileDone: file, bytes };
}

/**
 * Parse errors name the place, never the text there: V8 quotes the bad line
 * (`Unexpected token 'g', "{"token": ghp_Nf"... is not valid JSON`) and csv-parse the bad value,
 * and error messages reach the terminal, `--json` output and the `import_errors` table.
 */
export function jsonErrorSummary(message: string): string {
  return message.split('"')[0].replace(/[,.\s]+$/, '') || 'not valid JSON';
}

export function csvErrorSummary(e: Error & { code?: string }): string {
  const m = e.message.replace(/,?\s*value is[\s\S]*$/, '').replace(/"[^"]*"/g, (q) => (q.length > 42 ? '"…"' : q));
  return e.code ? `${e.code}: ${m}` : m;
}

async function* readCsv(file: string, opts: ReaderOptions): AsyncGenerator<ReadItem> {
  const source = inputStream(file);
  const parser = source.pipe(
    parseCsv({
      columns: true,
      relax_column_count: true,
      skip_empty_lines: true,
      bom: true,
      max_record_size: lineLimit(opts.maxFileBytes),
      // A malformed record is reported and skipped; the rows around it still import.
      skip_records_with_error: true,
    }),
  );
  source.on('error', (e: Error) => parser.destroy(e));
  const skipped: (Error & { lines?: number })[] = [];
  let skippedTotal = 0;
  parser.on('skip', (e: Error & { lines?: number }) => {
    skipped.push(e);
    skippedTotal++;
  });
  const skips = function* () {
    for (const e of skipped.splice(0))
      yield { error: err(file, e.lines ?? null, null, `CSV parse failed: ${csvErrorSummary(e)}`) };
  };
  let row = 0;
  let bytes = 0;
  try {
    for await (const rec of parser) {
      row++;
      if (opts.signal?.aborted) return;
      yield* skips();
      // +1: the header is line 1 (records are counted, skipped ones too; a skip names its own line).
      const r = rowToRecord(rec, file, row + skippedTotal + 1, opts);
      if ('record' in r) bytes += r.record.bytes;
      yield r;
    }
    yield* skips();
  } catch (e) {
    yield* skips();
    yield { error: err(file, row + 2, null, `CSV parse failed: ${csvErrorSummary(e as Error)}`) };
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

/**
 * Files and subfolders of one folder. Symbolic links are skipped unless `follow`; followed links
 * to folders already seen (by device and inode) are skipped too, so link loops end.
 */
export async function listFolder(
  dir: string,
  follow: boolean,
  seen: Set<string>,
): Promise<{ files: string[]; subdirs: string[]; licenseFiles: string[] }> {
  const files: string[] = [];
  const subdirs: string[] = [];
  const licenseFiles: string[] = [];
  for await (const d of await opendir(dir)) {
    const full = join(dir, d.name);
    let isDir = d.isDirectory();
    let isFile = d.isFile();
    if (d.isSymbolicLink()) {
      if (!follow) continue;
      const st = await stat(full).catch(() => null);
      if (!st) continue;
      isDir = st.isDirectory();
      isFile = st.isFile();
    }
    if (isDir) {
      if (SKIP_DIRS.has(d.name)) continue;
      const st = await stat(full).catch(() => null);
      if (!st) continue;
      const key = `${st.dev}:${st.ino}`;
      if (seen.has(key)) continue;
      seen.add(key);
      subdirs.push(full);
    } else if (isFile && LICENSE_FILE.test(d.name)) licenseFiles.push(full);
    else if (isFile && languageFromPath(d.name)) files.push(full);
  }
  return { files, subdirs, licenseFiles };
}

export async function folderKey(dir: string): Promise<string> {
  const st = await stat(dir);
  return `${st.dev}:${st.ino}`;
}

/** A folder's LICENSE / COPYING file, read (first 64 KB) and matched against the known license texts. */
async function folderLicense(files: string[], root: string): Promise<RawRecord['licenseFile']> {
  for (const f of files.sort()) {
    try {
      const id = licenseFromLicenseText((await readFile(f)).subarray(0, 64 << 10).toString('utf8'));
      if (id) return { path: relative(root, f), id };
    } catch {
      /* unreadable license file: the folder's license stays as inherited */
    }
  }
  return null;
}

async function* readFolder(root: string, opts: ReaderOptions): AsyncGenerator<ReadItem> {
  const repo = basename(root);
  // NOTE: each folder inherits the nearest LICENSE / COPYING above it inside the import root.
  const stack: { dir: string; license: RawRecord['licenseFile'] }[] = [{ dir: root, license: null }];
  const seen = new Set<string>([await folderKey(root)]);
  while (stack.length) {
    if (opts.signal?.aborted) return;
    const { dir, license: inherited } = stack.pop()!;
    let entries: string[] = [];
    let subdirs: string[] = [];
    let licenseFiles: string[] = [];
    try {
      ({ files: entries, subdirs, licenseFiles } = await listFolder(dir, opts.followSymlinks ?? false, seen));
    } catch (e) {
      yield { error: err(dir, null, null, `cannot list folder: ${(e as Error).message}`) };
      continue;
    }
    // NOTE: sorted traversal makes imports (and their error lists) reproducible.
    entries = entries.sort();
    const license = (licenseFiles.length ? await folderLicense(licenseFiles, root) : null) ?? inherited;
    stack.push(
      ...subdirs
        .sort()
        .reverse()
        .map((d) => ({ dir: d, license })),
    );
    for (const f of entries) {
      if (opts.signal?.aborted) return;
      yield* readSourceFile(f, relative(root, f), repo, opts, license);
    }
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

async function* readSourceFile(
  file: string,
  relPath: string,
  repo: string | null,
  opts: ReaderOptions,
  licenseFile: RawRecord['licenseFile'] = null,
): AsyncGenerator<ReadItem> {
  let buf: Buffer;
  try {
    const got = await readCapped(file, opts.maxFileBytes, opts.signal);
    if (got === 'not-regular') {
      yield { error: err(file, null, null, 'not a regular file (device, FIFO or socket)') };
      return;
    }
    if (got === null) {
      yield { error: err(file, null, null, `file is over the ${opts.maxFileBytes}-byte limit`) };
      return;
    }
    buf = got;
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
  // NOTE: null for an unknown extension: the importer then checks the content (detect-language.ts).
  const language = opts.lang ? normalizeLanguage(opts.lang) : languageFromPath(file);
  yield {
    record: { text, source: file, repo, path: relPath, language, metadata: {}, bytes: buf.length, licenseFile },
  };
  yield { fileDone: file, bytes: buf.length };
}

/**
 * Reads at most `max` bytes of a regular file, counting what was actually read (a file can grow,
 * and `stat` sizes of special files mean nothing). Null when it is longer. The regularity check
 * is made on the open descriptor (O_NONBLOCK, so a FIFO cannot block the open).
 */
async function readCapped(file: string, max: number, signal?: AbortSignal): Promise<Buffer | null | 'not-regular'> {
  const fh = await open(file, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
  try {
    if (!(await fh.stat()).isFile()) return 'not-regular';
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      if (signal?.aborted) throw new CodedError('cancelled', 'cancelled');
      const buf = Buffer.allocUnsafe(Math.min(1 << 20, max + 1 - total));
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      total += bytesRead;
      if (total > max) return null;
      chunks.push(buf.subarray(0, bytesRead));
    }
    return Buffer.concat(chunks, total);
  } finally {
    await fh.close();
  }
}
