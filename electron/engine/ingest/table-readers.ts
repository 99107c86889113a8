/** Table readers: JSONL, CSV and Parquet inputs (optionally gzipped), one record per row. */
import { createReadStream } from 'node:fs';
import { readLines } from './line-reader.js';
import { createGunzip } from 'node:zlib';
import { parse as parseCsv } from 'csv-parse';
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet';
import type { ImportError } from '../../../shared/domain.js';
import { languageOfRow, normalizeLanguage } from './languages.js';
import {
  csvErrorSummary,
  err,
  jsonErrorSummary,
  type RawRecord,
  type ReaderOptions,
  type ReadItem,
} from './read-items.js';

/** A JSONL/CSV line may be this much longer than its text (JSON escapes, other fields). */
const lineLimit = (maxFileBytes: number) => maxFileBytes * 6 + (1 << 20);

const TEXT_FIELDS = ['content', 'text', 'code'];
/** The Stack's columns, mapped onto sample fields; everything else stays metadata. */
const STACK_PATH = ['max_stars_repo_path', 'path', 'file_path'];
const STACK_REPO = ['max_stars_repo_name', 'repo_name', 'repo'];
const STACK_LANG = ['lang', 'language'];

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

export async function* readJsonl(file: string, opts: ReaderOptions): AsyncGenerator<ReadItem> {
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

export async function* readCsv(file: string, opts: ReaderOptions): AsyncGenerator<ReadItem> {
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

export async function* readParquet(file: string, opts: ReaderOptions): AsyncGenerator<ReadItem> {
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
