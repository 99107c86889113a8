import { join } from 'node:path';
import type * as lancedb from '@lancedb/lancedb';
import type { SampleIndex } from './sample-index.js';
import { readCacheFile, writeCacheFile } from './row-snapshot.js';

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
// version 3 the index's origin, which per-row snapshots (row-snapshot.ts) are keyed by.
const MAGIC = 'TBSIDX3\n';

interface Header {
  versions: SnapshotVersions;
  n: number;
  chars: number;
  languages: string[];
  origin: string;
}

const align4 = (x: number) => (x + 3) & ~3;

export async function writeIndexSnapshot(dir: string, versions: SnapshotVersions, index: SampleIndex): Promise<void> {
  const n = index.size;
  const languages = [...new Set(index.language)];
  const langOf = new Map(languages.map((l, i) => [l, i]));
  if (languages.length > 65_535) return;
  const lens = new Int32Array(3 * n);
  const parts: string[] = [];
  for (let r = 0; r < n; r++) {
    const p = index.path[r];
    lens[r] = index.ids[r].length;
    lens[n + r] = index.source[r].length;
    lens[2 * n + r] = p === null ? -1 : p.length;
    parts.push(index.ids[r], index.source[r], p ?? '');
  }
  const text = parts.join('');
  const header = Buffer.from(
    JSON.stringify({ versions, n, chars: text.length, languages, origin: index.origin } satisfies Header),
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
  push(Buffer.from(lens.buffer, lens.byteOffset, lens.byteLength));
  push(Buffer.from(lang.buffer, lang.byteOffset, lang.byteLength));
  push(Buffer.from(index.tokens.buffer, index.tokens.byteOffset, n * 4));
  push(Buffer.from(index.tokensExact.buffer, index.tokensExact.byteOffset, n));
  const byRank = index.idOrder();
  push(Buffer.from(byRank.buffer, byRank.byteOffset, n * 4));
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
    const take = (bytes: number) => {
      const ab = buf.buffer.slice(buf.byteOffset + at, buf.byteOffset + at + bytes);
      at = align4(at + bytes);
      return ab;
    };
    const lens = new Int32Array(take(12 * n));
    const lang = new Uint16Array(take(2 * n));
    const tokens = new Int32Array(take(4 * n));
    const tokensExact = new Uint8Array(take(n));
    const byRank = new Int32Array(take(4 * n));
    const text = buf.toString('utf8', at);
    // A string that does not survive UTF-8 (a lone surrogate) would shift every later one.
    if (text.length !== h.chars) return null;
    const ids = new Array<string>(n);
    const source = new Array<string>(n);
    const path = new Array<string | null>(n);
    const language = new Array<string>(n);
    let pos = 0;
    for (let r = 0; r < n; r++) {
      ids[r] = text.slice(pos, (pos += lens[r]));
      source[r] = text.slice(pos, (pos += lens[n + r]));
      const pl = lens[2 * n + r];
      path[r] = pl < 0 ? null : text.slice(pos, (pos += pl));
      language[r] = h.languages[lang[r]];
    }
    return { ids, source, path, language, tokens, tokensExact, byRank, origin: h.origin };
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
