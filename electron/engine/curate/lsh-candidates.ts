import { radixSortKeys, sketchDistanceAt } from './cosine-lsh.js';

/**
 * Near-dup candidate generation on worker threads: the LSH tables of `CosineLsh`, laid out in
 * SharedArrayBuffers so every thread reads them without a copy, and the proposal step of its
 * greedy pass (`forEachLaterCandidate`: later bucket mates, each once, not removed, passing the
 * sketch filter) as a pure function of an item range.
 *
 * NOTE: the proposals are the expensive part of the pass (on 366k real hash embeddings, ~140 M
 * sketch comparisons against ~1.3 M exact cosines). A thread proposes for a block of items ahead
 * of the greedy decisions, reading the removals made so far from the shared `removed` array; a
 * removal it has not seen yet only costs a proposal that the decision step drops, never a
 * different outcome (removals are final, and the decision step checks them again).
 */
export interface SharedLshTables {
  tables: number;
  /** Rows of the vector matrix (items). */
  n: number;
  /** Indexed rows (valid vectors): the entries of each table. */
  m: number;
  sketchWords: number;
  /** Sketch Hamming distance above which a pair is not proposed. */
  cutoff: number;
  /** Per table `t`, entries `t*m .. t*m+m`: bucket keys, ascending. */
  keys: Uint32Array;
  /** The item of each entry; ascending within a bucket. */
  order: Uint32Array;
  /** Per table, each indexed item's entry: `pos[t*n + item]`. */
  pos: Uint32Array;
  sketch: Uint32Array;
  valid: Uint8Array;
}

function sharedU32(length: number): Uint32Array {
  return new Uint32Array(new SharedArrayBuffer(Math.max(1, length) * 4));
}

/** Allocates the shared tables for `members` (keys and order filled by `sortTables`). */
export function allocSharedTables(o: {
  tables: number;
  n: number;
  m: number;
  sketchWords: number;
  cutoff: number;
  sketch: Uint32Array;
  valid: Uint8Array;
}): SharedLshTables {
  return {
    ...o,
    keys: sharedU32(o.tables * o.m),
    order: sharedU32(o.tables * o.m),
    pos: sharedU32(o.tables * o.n),
  };
}

/**
 * Sorts tables `[tFrom, tTo)` of hashed keys (`hashed[k * tables + t]` for `members[k]`) into
 * `out`, the way `CosineLsh` builds its tables (stable, so a bucket lists its items ascending).
 * Threads given disjoint table ranges fill the shared buffers alike.
 */
export function sortTables(
  out: SharedLshTables,
  members: Uint32Array,
  hashed: Uint32Array,
  tFrom: number,
  tTo: number,
): number {
  const { tables, m, n } = out;
  const column = new Uint32Array(m);
  for (let t = tFrom; t < tTo; t++) {
    for (let k = 0; k < m; k++) column[k] = hashed[k * tables + t];
    const { sortedKeys, order } = radixSortKeys(column, members);
    out.keys.set(sortedKeys, t * m);
    out.order.set(order, t * m);
    const base = t * n;
    for (let k = 0; k < m; k++) out.pos[base + order[k]] = k;
  }
  return tTo - tFrom;
}

/** A thread's "seen in this query" marks, kept between tasks (one query per item). */
let stamp: Int32Array | null = null;
let query = 0;

export interface LaterCandidates {
  /** `cands[offsets[i - from] .. offsets[i - from + 1]]` are item i's proposals. */
  offsets: Uint32Array;
  cands: Uint32Array;
}

/**
 * The proposals of items `[from, to)`: for each indexed item i not removed, every later item j
 * sharing one of its buckets, once, with `removed[j] < 0` and the sketch filter passed. Removed
 * or unindexed items propose nothing.
 */
export function laterCandidates(t: SharedLshTables, removed: Int32Array, from: number, to: number): LaterCandidates {
  const { tables, m, n, keys, order, pos, sketch, sketchWords, cutoff, valid } = t;
  if (!stamp || stamp.length < n || query > 0x7ffffff0) {
    stamp = new Int32Array(n).fill(-1);
    query = 0;
  }
  const seen = stamp;
  const offsets = new Uint32Array(to - from + 1);
  let cands = new Uint32Array(1024);
  let c = 0;
  for (let i = from; i < to; i++) {
    offsets[i - from] = c;
    if (!valid[i] || removed[i] >= 0) continue;
    const q = ++query;
    seen[i] = q;
    const qOff = i * sketchWords;
    for (let tb = 0; tb < tables; tb++) {
      const base = tb * m;
      const end = base + m;
      let e = base + pos[tb * n + i];
      const key = keys[e];
      for (e++; e < end && keys[e] === key; e++) {
        const j = order[e];
        if (seen[j] === q) continue;
        seen[j] = q;
        if (removed[j] >= 0) continue;
        if (sketchDistanceAt(sketch, qOff, sketch, j * sketchWords, sketchWords, cutoff) > cutoff) continue;
        if (c === cands.length) {
          const grown = new Uint32Array(c * 2);
          grown.set(cands);
          cands = grown;
        }
        cands[c++] = j;
      }
    }
  }
  offsets[to - from] = c;
  return { offsets, cands: cands.slice(0, c) };
}
