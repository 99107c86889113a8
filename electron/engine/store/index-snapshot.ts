import { join } from 'node:path';
import type * as lancedb from '@lancedb/lancedb';
import type { SampleIndex } from './sample-index.js';
import { readCacheFile, typedAt, writeCacheFile } from './row-snapshot.js';

/**
 * A persisted copy of the sample index's base columns (ids, source, path, language, tokens), so
 * opening a 10^6-sample dataset reads one file instead of scanning five LanceDB columns cell by
 * cell (4 s at 10^6), plus the rows' id order (a 0.5 s sort at 10^6). It is valid only for the exact versions of the `samples` and `token_counts`
 * tables it was built from: any write to either makes the next open scan again (and, when that
 * open writes, persist a fresh snapshot). Labels, scores and annotations are still read from
 * their tables.
 */
export interface SnapshotVersions {
  samples: number;
  token_counts: number;
}

const FILE = 'index-snapshot.bin';
// NOTE: version 2 adds the id order, so the first sorted page after an open needs no id sort;
// version 3 the index's origin, which per-row snapshots (row-snapshot.ts) are keyed by; version 4
// stores each distinct source and path once (10^6 function chunks came from 16k files: 58 MB
// less to decode) and the id -> row table, so an open hashes no id.
const MAGIC = 'TBSIDX4\n';

interface Header {
  versions: SnapshotVersions;
  n: number;
  chars: number;
  languages: string[];
  origin: string;
  /** Distinct sources and paths, stored once each after every id. */
  sources: number;
  paths: number;
  /** Slots in the stored id -> row table (IdRows). */
  slots: number;
  idRows: number;
}

const align4 = (x: number) => (x + 3) & ~3;

/** Each row's value as an index into the distinct values (-1: null), and the distinct values. */
function dictionary(values: readonly (string | null)[], into: Int32Array): string[] {
  const index = new Map<string, number>();
  const distinct: string[] = [];
  for (let r = 0; r < values.length; r++) {
    const v = values[r];
    let k = v === null ? -1 : index.get(v);
    if (k === undefined) {
      k = distinct.push(v!) - 1;
      index.set(v!, k);
    }
    into[r] = k;
  }
  return distinct;
}

const bytesOf = (a: ArrayBufferView, length = a.byteLength) => Buffer.from(a.buffer, a.byteOffset, length);

export async function writeIndexSnapshot(dir: string, versions: SnapshotVersions, index: SampleIndex): Promise<void> {
  const n = index.size;
  const languages = [...new Set(index.language)];
  const langOf = new Map(languages.map((l, i) => [l, i]));
  if (languages.length > 65_535) return;
  // lens: id lengths, then each row's source and path as indexes into the distinct values.
  const lens = new Int32Array(3 * n);
  for (let r = 0; r < n; r++) lens[r] = index.ids[r].length;
  const sources = dictionary(index.source, lens.subarray(n, 2 * n));
  const paths = dictionary(index.path, lens.subarray(2 * n));
  const valueLens = Int32Array.from([...sources, ...paths], (v) => v.length);
  const text = index.ids.slice(0, n).join('') + sources.join('') + paths.join('');
  const table = index.idTable();
  const header = Buffer.from(
    JSON.stringify({
      versions,
      n,
      chars: text.length,
      languages,
      origin: index.origin,
      sources: sources.length,
      paths: paths.length,
      slots: table.slots.length,
      idRows: table.count,
    } satisfies Header),
    'utf8',
  );
  const lang = new Uint16Array(n);
  for (let r = 0; r < n; r++) lang[r] = langOf.get(index.language[r])!;
  const headLen = Buffer.alloc(4);
  headLen.writeUInt32LE(header.length);
  const pad = (b: Buffer, at: number) => Buffer.concat([b, Buffer.alloc(align4(at + b.length) - (at + b.length))]);
  const chunks: Buffer[] = [];
  let at = 0;
  const push = (b: Buffer) => {
    const padded = pad(b, at);
    chunks.push(padded);
    at += padded.length;
  };
  push(Buffer.concat([Buffer.from(MAGIC), headLen, header]));
  push(bytesOf(lens));
  push(bytesOf(lang));
  push(bytesOf(index.tokens, n * 4));
  push(bytesOf(index.tokensExact, n));
  push(bytesOf(index.idOrder(), n * 4));
  push(bytesOf(valueLens));
  push(bytesOf(table.slots));
  push(bytesOf(table.hashes));
  chunks.push(Buffer.from(text, 'utf8'));
  await writeCacheFile(join(dir, FILE), Buffer.concat(chunks));
}

/** The index columns, or null when there is no snapshot for exactly these table versions. */
export async function readIndexSnapshot(
  dir: string,
  versions: SnapshotVersions,
): Promise<Parameters<SampleIndex['loadColumns']>[0] | null> {
  const file = await readCacheFile<Header>(join(dir, FILE), MAGIC);
  if (!file) return null;
  const { buf, header: h } = file;
  try {
    if (h.versions.samples !== versions.samples || h.versions.token_counts !== versions.token_counts) return null;
    const n = h.n;
    let at = align4(file.at);
    const take = <T extends Int32Array | Uint32Array | Uint16Array | Uint8Array>(
      T: { new (b: ArrayBuffer, off?: number, len?: number): T; BYTES_PER_ELEMENT: number },
      length: number,
    ): T => {
      const v = typedAt(buf, at, T, length);
      if (!v) throw new RangeError('index snapshot is truncated');
      at = align4(at + v.byteLength);
      return v;
    };
    const lens = take(Int32Array, 3 * n);
    const lang = take(Uint16Array, n);
    const tokens = take(Int32Array, n);
    const tokensExact = take(Uint8Array, n);
    // NOTE: what the index keeps (the id order and the id table) is copied out, so the file's
    // buffer (174 MB at 10^6) is not held for the store's lifetime by a 20 MB view.
    const byRank = take(Int32Array, n).slice();
    const valueLens = take(Int32Array, h.sources + h.paths);
    const idTable = {
      slots: take(Int32Array, h.slots).slice(),
      hashes: take(Uint32Array, h.slots).slice(),
      count: h.idRows,
    };
    const text = buf.toString('utf8', at);
    // A string that does not survive UTF-8 (a lone surrogate) would shift every later one.
    if (text.length !== h.chars) return null;
    const ids = new Array<string>(n);
    let pos = 0;
    for (let r = 0; r < n; r++) ids[r] = text.slice(pos, (pos += lens[r]));
    const values = new Array<string>(valueLens.length);
    for (let k = 0; k < values.length; k++) values[k] = text.slice(pos, (pos += valueLens[k]));
    if (pos !== text.length) return null;
    const source = new Array<string>(n);
    const path = new Array<string | null>(n);
    const language = new Array<string>(n);
    for (let r = 0; r < n; r++) {
      const s = lens[n + r];
      const p = lens[2 * n + r];
      if (s < 0 || s >= h.sources || p < -1 || p >= h.paths || lang[r] >= h.languages.length) return null;
      source[r] = values[s];
      path[r] = p < 0 ? null : values[h.sources + p];
      language[r] = h.languages[lang[r]];
    }
    return { ids, source, path, language, tokens, tokensExact, byRank, idTable, origin: h.origin };
  } catch {
    return null;
  }
}

/** The index's base columns from the tables (no valid snapshot): every sample, then exact token counts. */
export async function scanIndexTables(
  index: SampleIndex,
  samples: lancedb.Table,
  counts: lancedb.Table,
): Promise<void> {
  for await (const batch of samples.query().select(['id', 'source', 'path', 'language', 'tokens', 'tokens_exact'])) {
    const cols = ['id', 'source', 'path', 'language', 'tokens', 'tokens_exact'].map((c) => batch.getChild(c)!);
    for (let i = 0; i < batch.numRows; i++) {
      index.add({
        id: cols[0].get(i),
        source: cols[1].get(i),
        path: cols[2].get(i),
        language: cols[3].get(i),
        tokens: cols[4].get(i),
        tokensExact: cols[5].get(i),
      });
    }
  }
  for await (const batch of counts.query().select(['sample_id', 'tokens'])) {
    const id = batch.getChild('sample_id')!;
    const tk = batch.getChild('tokens')!;
    for (let i = 0; i < batch.numRows; i++) index.setTokens(id.get(i), tk.get(i));
  }
}
