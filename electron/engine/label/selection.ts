import { CodedError } from '../../../shared/errors.js';
import { readFile } from 'node:fs/promises';
import type { DatasetStore } from '../store/dataset-store.js';
import { compileWhere } from '../store/row-filter.js';

/**
 * What a labeling run looks at: the samples matching `where` (or listed in an ids file), in a
 * seeded hash order, the first `limit` of them. The order depends only on (seed, id), so the
 * same command picks the same samples after a crash, and a larger limit extends the same list.
 */
export interface SelectionSpec {
  where?: string;
  idsFile?: string;
  seed?: number;
  limit?: number;
  stratify?: 'source' | 'language' | 'repo-dir';
}

/** cyrb53: a fast 53-bit string hash (stable across runs and platforms). */
export function hash53(str: string, seed = 0): number {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < str.length; i++) {
    const ch = str.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

export async function selectSamples(store: DatasetStore, spec: SelectionSpec): Promise<string[]> {
  const idx = store.index;
  const seed = spec.seed ?? 0;
  let rows: number[] = [];
  if (spec.idsFile) {
    const wanted = (await readFile(spec.idsFile, 'utf8'))
      .split(/\r?\n/)
      .map((s) => s.trim())
      .filter(Boolean);
    const unknown = wanted.filter((id) => !idx.has(id));
    if (unknown.length)
      throw new CodedError('not_found', `${spec.idsFile}: ${unknown.length} unknown sample ids (first: ${unknown[0]})`);
    rows = [...new Set(wanted.map((id) => idx.row(id)!))];
  } else {
    for (let r = 0; r < idx.size; r++) rows.push(r);
  }
  if (spec.where) {
    const p = compileWhere(spec.where, idx);
    rows = rows.filter(p);
  }
  const key = new Float64Array(idx.size);
  for (const r of rows) key[r] = hash53(idx.ids[r], seed);
  const byHash = (a: number, b: number) => key[a] - key[b] || (idx.ids[a] < idx.ids[b] ? -1 : 1);
  rows.sort(byHash);
  if (spec.stratify) {
    const groupOf = (r: number) =>
      spec.stratify === 'language'
        ? idx.language[r]
        : spec.stratify === 'repo-dir'
          ? (idx.path[r] ?? idx.source[r]).split('/').slice(0, -1).join('/')
          : idx.source[r].replace(/[:#].*$/, '');
    const groups = new Map<string, number[]>();
    for (const r of rows) {
      const g = groupOf(r);
      let a = groups.get(g);
      if (!a) groups.set(g, (a = []));
      a.push(r);
    }
    // Round-robin across groups (groups in hash order of their name), each group in hash order.
    const lists = [...groups.entries()].sort((a, b) => hash53(a[0], seed) - hash53(b[0], seed)).map(([, v]) => v);
    const out: number[] = [];
    for (let i = 0; out.length < rows.length; i++) for (const l of lists) if (i < l.length) out.push(l[i]);
    rows = out;
  }
  if (spec.limit !== undefined) rows = rows.slice(0, spec.limit);
  return rows.map((r) => idx.ids[r]);
}
