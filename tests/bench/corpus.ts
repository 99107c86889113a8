import { createWriteStream, readdirSync, readFileSync, statSync, type WriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sampleIdOf } from '../../electron/engine/ingest/normalize.js';
import { chunkPython } from '../../electron/engine/ingest/python-parser.js';
import { mulberry32 } from '../../electron/engine/classify/prng.ts';

/**
 * The benchmark corpus: the machine's own Python (system and pyenv standard libraries and their
 * site-packages), deduplicated by the same normalized-content hash the importer uses. Nothing here
 * is synthetic; when a bench needs more than the real unique code, `renameIdentifiers` makes
 * seeded variants of real code (and the bench says so in its notes).
 */
export interface BenchRow {
  name: string;
  value: number;
  unit: string;
  note?: string;
}
export interface BenchOpts {
  quick: boolean;
  /** Rows of the scale and ANN datasets (--scale-rows N or TBS_BENCH_SCALE_ROWS; default 10^5). */
  scaleRows: number;
  tmp: string;
  log: (msg: string) => void;
}

const MAX_FILE_BYTES = 2 << 20; // the importer's default limit
const SKIP_DIRS = new Set(['__pycache__', '.git', 'node_modules']);

export interface CorpusFile {
  path: string;
  text: string;
  bytes: number;
}
export interface Corpus {
  files: CorpusFile[];
  bytes: number;
  seen: number;
  duplicates: number;
  skipped: number;
}

function walk(dir: string, out: string[]) {
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch {
    return;
  }
  for (const name of names) {
    if (SKIP_DIRS.has(name)) continue;
    const p = join(dir, name);
    let st;
    try {
      st = statSync(p);
    } catch {
      continue;
    }
    if (st.isDirectory()) walk(p, out);
    else if (st.isFile() && name.endsWith('.py')) out.push(p);
  }
}

/** Python library folders: /usr/lib/python3*, /root/.pyenv/versions/X/lib. */
export function corpusDirs(): string[] {
  const dirs: string[] = [];
  try {
    for (const n of readdirSync('/usr/lib').sort()) if (/^python3/.test(n)) dirs.push(join('/usr/lib', n));
  } catch {
    /* none */
  }
  try {
    for (const v of readdirSync('/root/.pyenv/versions').sort()) dirs.push(join('/root/.pyenv/versions', v, 'lib'));
  } catch {
    /* none */
  }
  return dirs;
}

let cached: Corpus | null = null;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A file as the importer would take it: valid UTF-8, no NUL, not blank, <= 2 MB; else null. */
export function readCodeFile(path: string): { text: string; bytes: number } | null {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch {
    return null;
  }
  if (buf.length > MAX_FILE_BYTES || buf.length === 0) return null;
  let text: string;
  try {
    text = utf8.decode(buf);
  } catch {
    return null;
  }
  if (text.includes('\u0000') || !text.trim()) return null;
  return { text, bytes: buf.length };
}

/** Every unique, importable .py file (valid UTF-8, no NUL, not blank, <= 2 MB), in path order. */
export function loadCorpus(): Corpus {
  if (cached) return cached;
  const paths: string[] = [];
  for (const d of corpusDirs()) walk(d, paths);
  const ids = new Set<string>();
  const files: CorpusFile[] = [];
  let bytes = 0;
  let duplicates = 0;
  let skipped = 0;
  for (const p of paths) {
    const f = readCodeFile(p);
    if (!f) {
      skipped++;
      continue;
    }
    const id = sampleIdOf(f.text);
    if (ids.has(id)) {
      duplicates++;
      continue;
    }
    ids.add(id);
    files.push({ path: p, text: f.text, bytes: f.bytes });
    bytes += f.bytes;
  }
  cached = { files, bytes, seen: paths.length, duplicates, skipped };
  return cached;
}

/** The engine's seeded PRNG (mulberry32). */
export const prng = mulberry32;

/** Seeded Fisher-Yates shuffle (copy). */
export function shuffled<T>(xs: readonly T[], seed: number): T[] {
  const a = [...xs];
  const r = prng(seed);
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

const KEEP = new Set(
  (
    'False None True and as assert async await break class continue def del elif else except finally for from ' +
    'global if import in is lambda nonlocal not or pass raise return try while with yield match case type self cls print len range ' +
    'str int float bool list dict set tuple object super isinstance open Exception ValueError TypeError KeyError'
  ).split(' '),
);

/**
 * A seeded variant of real code: about half of its distinct identifiers (not keywords, common
 * builtins or dunders) get a variant suffix, consistently across the text. Variant `v` of a text
 * differs from the text and from every other variant whenever it has a renamable identifier.
 */
export function renameIdentifiers(text: string, variant: number, seed = 1): string {
  const rnd = prng((variant * 2654435761) ^ seed);
  const suffix = '_' + (variant + 1).toString(36);
  const map = new Map<string, string>();
  let renamed = 0;
  const out = text.replace(/\b[A-Za-z_][A-Za-z0-9_]*\b/g, (w) => {
    let m = map.get(w);
    if (m === undefined) {
      m = KEEP.has(w) || w.startsWith('__') || (renamed > 0 && rnd() < 0.5) ? w : w + suffix;
      if (m !== w) renamed++;
      map.set(w, m);
    }
    return m;
  });
  return out;
}

/** Real top-level functions and classes (tree-sitter chunks) from the corpus, in seeded file order. */
export interface RealChunk {
  text: string;
  file: string;
  startLine: number;
}
const chunkCache = new Map<number, { chunks: RealChunk[]; parsedBytes: number; seconds: number }>();

export async function realFunctions(
  maxChunks: number,
  seed = 7,
): Promise<{ chunks: RealChunk[]; parsedBytes: number; seconds: number }> {
  const hit = [...chunkCache.entries()].find(([n]) => n >= maxChunks);
  if (hit) return { ...hit[1], chunks: hit[1].chunks.slice(0, maxChunks) };
  const t0 = performance.now();
  const chunks: RealChunk[] = [];
  const ids = new Set<string>();
  let parsedBytes = 0;
  for (const f of shuffled(loadCorpus().files, seed)) {
    if (chunks.length >= maxChunks) break;
    parsedBytes += f.bytes;
    for (const c of await chunkPython(f.text, 'function')) {
      const id = sampleIdOf(c.text);
      if (ids.has(id)) continue;
      ids.add(id);
      chunks.push({ text: c.text, file: f.path, startLine: c.startLine ?? 0 });
    }
  }
  chunks.length = Math.min(chunks.length, maxChunks);
  const r = { chunks, parsedBytes, seconds: (performance.now() - t0) / 1000 };
  chunkCache.set(maxChunks, r);
  return r;
}

/** A line-buffered JSONL writer that honours back-pressure. */
export class JsonlWriter {
  private s: WriteStream;
  private buf: string[] = [];
  private bufLen = 0;
  bytes = 0;
  rows = 0;
  constructor(readonly path: string) {
    this.s = createWriteStream(path);
  }
  async write(obj: unknown) {
    const line = JSON.stringify(obj) + '\n';
    this.buf.push(line);
    this.bufLen += line.length;
    this.rows++;
    this.bytes += Buffer.byteLength(line);
    if (this.bufLen >= 1 << 20) await this.drain();
  }
  private async drain() {
    const data = this.buf.join('');
    this.buf = [];
    this.bufLen = 0;
    if (!this.s.write(data)) await new Promise<void>((r) => this.s.once('drain', () => r()));
  }
  async close() {
    await this.drain();
    await new Promise<void>((r, j) => this.s.end((e?: Error | null) => (e ? j(e) : r())));
  }
}

/** Stack-like row for a real file: content + path/repo/lang (so the importer sees Python). */
export function stackRow(f: CorpusFile, text = f.text, variant = 0) {
  const rel = f.path.replace(/^\/(usr\/lib|root\/\.pyenv\/versions)\//, '');
  return { content: text, max_stars_repo_path: rel, max_stars_repo_name: rel.split('/')[0], lang: 'Python', variant };
}

/** Text-only row (language unknown to the importer, so it is not parsed). */
export function textRow(f: CorpusFile, text = f.text, variant = 0) {
  return { content: text, file: f.path, variant };
}

/**
 * Writes real files, then seeded renamed variants of them, until `targetBytes` of JSONL.
 * Returns how many rows were real and how many were padding.
 */
export type RowMaker = (f: CorpusFile, text: string, variant: number) => Record<string, unknown>;

export async function writePaddedJsonl(
  path: string,
  targetBytes: number,
  row: RowMaker,
  extra?: { path: string; bytes: number },
) {
  const w = new JsonlWriter(path);
  const side = extra ? new JsonlWriter(extra.path) : null;
  const files = loadCorpus().files;
  let real = 0;
  let padded = 0;
  outer: for (let v = 0; ; v++) {
    for (const f of files) {
      if (w.bytes >= targetBytes) break outer;
      const r = row(f, v === 0 ? f.text : renameIdentifiers(f.text, v), v);
      await w.write(r);
      if (side && side.bytes < extra!.bytes) await side.write(r);
      if (v === 0) real++;
      else padded++;
    }
  }
  await w.close();
  await side?.close();
  return { rows: w.rows, bytes: w.bytes, real, padded, sideRows: side?.rows ?? 0, sideBytes: side?.bytes ?? 0 };
}

export async function benchTempDir(prefix: string): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), `tbs-bench-${prefix}-`));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

export function percentile(xs: number[], p: number): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}
export const median = (xs: number[]) => percentile(xs, 50);
export const mb = (bytes: number) => bytes / 1e6;
export const fmtMB = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
export async function timed<T>(fn: () => Promise<T> | T): Promise<{ result: T; seconds: number }> {
  const t0 = performance.now();
  const result = await fn();
  return { result, seconds: (performance.now() - t0) / 1000 };
}

/**
 * Works around a DurableJournal.flush race (see the bench report): a flush() that awaited an
 * in-progress group write can start a second, empty flush, and LanceDB rejects `add([])` with
 * "Cannot scan an empty Vec<RecordBatch>". Retries such a call once and counts it.
 */
export const journalRace = { retries: 0 };
export async function retryEmptyFlush<T>(f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    if (!/empty Vec<RecordBatch>/.test(String((e as Error).message))) throw e;
    journalRace.retries++;
    return await f();
  }
}
