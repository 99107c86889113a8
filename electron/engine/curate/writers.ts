import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { fileWriter, parquetWrite, type ColumnSource } from 'hyparquet-writer';
import type { DecisionTier } from './candidate.js';
import { throwIfAborted } from './hashing.js';
import type { RankedCandidate } from './select.js';

export const EXPORT_FORMATS = ['jsonl', 'jsonl.gz', 'parquet'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export const DEFAULT_SHARD_BYTES = 256 * 1024 * 1024;

/** One exported row; key order here is the column / JSON key order of every output file. */
export interface ExportRow {
  id: string;
  text: string;
  language: string;
  source: string;
  repo: string | null;
  path: string | null;
  tokens: number;
  effective_score: number;
  decided_by: DecisionTier;
  llm_score: number | null;
  human_score: number | null;
  classifier_score: number | null;
}

export function toExportRow(r: RankedCandidate): ExportRow {
  const c = r.candidate;
  return {
    id: c.id,
    text: c.text,
    language: c.language,
    source: c.source,
    repo: c.repo,
    path: c.path,
    tokens: Math.round(c.tokens),
    effective_score: r.value,
    decided_by: r.tier,
    llm_score: c.llmScore,
    human_score: c.humanScore,
    classifier_score: c.classifierScore,
  };
}

/**
 * Row order of every data file: ascending id.
 *
 * NOTE: id order rather than rank order because ids are content hashes, so id order is a stable
 * pseudo-random shuffle: a trainer that streams the files without shuffling does not get all the
 * best-scored samples first, and the order never depends on the rule's ranking details.
 */
export function sortRowsForOutput(rows: readonly ExportRow[]): ExportRow[] {
  return [...rows].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

export interface WrittenFile {
  /** Relative to the export folder, with forward slashes (`data/train-00000-of-00002.parquet`). */
  path: string;
  bytes: number;
  sha256: string;
  /** Data rows in the file; null for non-data files (README, manifest, reports). */
  rows: number | null;
}

/** Hugging Face `datasets` shard naming. */
export function shardName(split: string, index: number, count: number, format: ExportFormat): string {
  const pad = (n: number) => String(n).padStart(5, '0');
  return `${split}-${pad(index)}-of-${pad(count)}.${format}`;
}

function jsonLine(row: ExportRow): string {
  return `${JSON.stringify(row)}\n`;
}

/**
 * Splits rows into shards by their uncompressed JSONL size (the same measure for every format,
 * so a shard's content never depends on compression). Always at least one (possibly empty) shard,
 * because a dataset with zero files does not load.
 */
export function planShards(rows: readonly ExportRow[], shardBytes: number): ExportRow[][] {
  const shards: ExportRow[][] = [[]];
  let bytes = 0;
  for (const row of rows) {
    const size = Buffer.byteLength(jsonLine(row), 'utf8');
    const current = shards[shards.length - 1];
    if (current.length > 0 && bytes + size > shardBytes) {
      shards.push([row]);
      bytes = size;
    } else {
      current.push(row);
      bytes += size;
    }
  }
  return shards;
}

export async function sha256File(path: string): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(path)) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), bytes };
}

async function writeJsonl(rows: readonly ExportRow[], file: string, gzip: boolean): Promise<void> {
  // Lines go out in fixed batches; gzip output depends only on the bytes (its header has mtime 0).
  function* batches(): Generator<string> {
    for (let i = 0; i < rows.length; i += 256)
      yield rows
        .slice(i, i + 256)
        .map(jsonLine)
        .join('');
  }
  const source = Readable.from(batches());
  if (gzip) await pipeline(source, createGzip({ level: 6 }), createWriteStream(file));
  else await pipeline(source, createWriteStream(file));
}

/** Explicit Parquet column types: auto-detection would guess INT for whole-number scores. */
function parquetColumns(rows: readonly ExportRow[]): ColumnSource[] {
  const col = <K extends keyof ExportRow>(name: K) => rows.map((r) => r[name]);
  return [
    { name: 'id', data: col('id'), type: 'STRING', nullable: false },
    { name: 'text', data: col('text'), type: 'STRING', nullable: false },
    { name: 'language', data: col('language'), type: 'STRING', nullable: false },
    { name: 'source', data: col('source'), type: 'STRING', nullable: false },
    { name: 'repo', data: col('repo'), type: 'STRING' },
    { name: 'path', data: col('path'), type: 'STRING' },
    { name: 'tokens', data: col('tokens'), type: 'INT32', nullable: false },
    { name: 'effective_score', data: col('effective_score'), type: 'DOUBLE', nullable: false },
    { name: 'decided_by', data: col('decided_by'), type: 'STRING', nullable: false },
    { name: 'llm_score', data: col('llm_score'), type: 'DOUBLE' },
    { name: 'human_score', data: col('human_score'), type: 'DOUBLE' },
    { name: 'classifier_score', data: col('classifier_score'), type: 'DOUBLE' },
  ];
}

/** Writes one Parquet data file (pure: a worker thread may run it, see `parquetOn`). */
export async function writeParquet(rows: readonly ExportRow[], file: string, createdBy: string): Promise<void> {
  const writer = fileWriter(file);
  // No timestamps or random ids go into the file: same rows -> same bytes.
  await parquetWrite({ writer, columnData: parquetColumns(rows), codec: 'SNAPPY', createdBy, rowGroupSize: 10_000 });
}

export interface WriteShardsOptions {
  /** The export folder; shards go to `<dir>/data/`. */
  dir: string;
  format: ExportFormat;
  shardBytes?: number;
  split?: string;
  /** A config's folder under `data/` (multi-config export); default: shards go straight into `data/`. */
  subdir?: string;
  /** Parquet `created_by`, e.g. `textbook-studio 0.1.0`. */
  createdBy: string;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
  /**
   * Encodes Parquet shards elsewhere (worker threads: `writeParquet` with the same arguments, so
   * the same bytes), up to `parallel` at a time; by default each shard is encoded on this thread.
   */
  parquetOn?: {
    run: (t: { rows: ExportRow[]; file: string; createdBy: string }) => Promise<unknown>;
    parallel: number;
  };
}

/**
 * Writes rows (sorted by id first) into `data/[<subdir>/]<split>-0000i-of-0000N.<ext>`. Shards are written
 * under temporary names and renamed once N is known, so no file ever carries a wrong `of-N`.
 */
export async function writeShards(rows: readonly ExportRow[], opts: WriteShardsOptions): Promise<WrittenFile[]> {
  const rel = opts.subdir ? `data/${opts.subdir}` : 'data';
  const dataDir = join(opts.dir, ...rel.split('/'));
  await mkdir(dataDir, { recursive: true });
  const shards = planShards(sortRowsForOutput(rows), opts.shardBytes ?? DEFAULT_SHARD_BYTES);
  const split = opts.split ?? 'train';
  const temps = shards.map((_, i) => join(dataDir, `.${split}-${String(i).padStart(5, '0')}.partial`));
  let done = 0;
  const writeOne = async (i: number) => {
    throwIfAborted(opts.signal);
    if (opts.format !== 'parquet') await writeJsonl(shards[i], temps[i], opts.format === 'jsonl.gz');
    else if (opts.parquetOn) await opts.parquetOn.run({ rows: shards[i], file: temps[i], createdBy: opts.createdBy });
    else await writeParquet(shards[i], temps[i], opts.createdBy);
    done += shards[i].length;
    opts.onProgress?.(done, rows.length);
  };
  // NOTE: Parquet encoding (Snappy in JavaScript) was ~14 s of one thread for 390 MB at 10^6; with
  // threads the shards are encoded side by side. Each writer writes only its own temporary file.
  const parallel = opts.format === 'parquet' && opts.parquetOn ? Math.max(1, opts.parquetOn.parallel) : 1;
  let next = 0;
  let failed = false;
  const lanes = Array.from({ length: Math.min(parallel, shards.length) }, async () => {
    try {
      while (!failed && next < shards.length) await writeOne(next++);
    } catch (e) {
      failed = true;
      throw e;
    }
  });
  // Every lane has stopped before an error goes up: the caller may then remove the folder.
  const ended = await Promise.allSettled(lanes);
  const error = ended.find((r) => r.status === 'rejected');
  if (error) throw error.reason;
  const files: WrittenFile[] = [];
  for (let i = 0; i < shards.length; i++) {
    const name = shardName(split, i, shards.length, opts.format);
    await rename(temps[i], join(dataDir, name));
    const { sha256, bytes } = await sha256File(join(dataDir, name));
    files.push({ path: `${rel}/${name}`, bytes, sha256, rows: shards[i].length });
  }
  return files;
}

/** Writes a small non-data file (README, manifest, report) and describes it. */
export async function writeTextFile(dir: string, relPath: string, content: string): Promise<WrittenFile> {
  const full = join(dir, ...relPath.split('/'));
  await mkdir(join(full, '..'), { recursive: true });
  await writeFile(full, content, 'utf8');
  const { size } = await stat(full);
  return { path: relPath, bytes: size, sha256: createHash('sha256').update(content, 'utf8').digest('hex'), rows: null };
}
