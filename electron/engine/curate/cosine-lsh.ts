import { sketchCutoff, type LshOptions } from './lsh-plan.js';
import type { UnitVectors } from './unit-vectors.js';

export { planLsh, sketchCutoff, type LshOptions, type LshPlan } from './lsh-plan.js';
export { LshHasher, type LshHashParams } from './lsh-hasher.js';
import { LshHasher, type LshHashParams } from './lsh-hasher.js';

/** Bits set in each 16-bit value: two lookups per word were about twice the speed of SWAR arithmetic. */
const POPCOUNT16 = (() => {
  const t = new Uint8Array(65536);
  for (let v = 1; v < 65536; v++) t[v] = (v & 1) + t[v >>> 1];
  return t;
})();

/** Hamming distance of sketch words at `aOff` and `bOff`, or any value above `cutoff` once it must exceed it. */
export function sketchDistanceAt(
  a: Uint32Array,
  aOff: number,
  b: Uint32Array,
  bOff: number,
  words: number,
  cutoff: number,
): number {
  let d = 0;
  for (let w = 0; w < words; w++) {
    const x = a[aOff + w] ^ b[bOff + w];
    d += POPCOUNT16[x & 0xffff] + POPCOUNT16[x >>> 16];
    if (d > cutoff) return d;
  }
  return d;
}

/**
 * Stable LSD radix sort of 26-bit keys (two 13-bit passes): O(n) per table where a comparison
 * sort was the largest cost of building 50+ tables. Stability keeps equal keys in member order.
 */
export function radixSortKeys(
  keys: Uint32Array,
  members: ArrayLike<number>,
): { sortedKeys: Uint32Array; order: Uint32Array } {
  const n = keys.length;
  let idx = new Uint32Array(n);
  for (let m = 0; m < n; m++) idx[m] = m;
  let tmp = new Uint32Array(n);
  const counts = new Uint32Array(8193);
  for (const shift of [0, 13]) {
    counts.fill(0);
    for (let m = 0; m < n; m++) counts[((keys[idx[m]] >>> shift) & 8191) + 1]++;
    for (let b = 1; b <= 8192; b++) counts[b] += counts[b - 1];
    for (let m = 0; m < n; m++) tmp[counts[(keys[idx[m]] >>> shift) & 8191]++] = idx[m];
    [idx, tmp] = [tmp, idx];
  }
  const sortedKeys = new Uint32Array(n);
  const order = new Uint32Array(n);
  for (let m = 0; m < n; m++) {
    sortedKeys[m] = keys[idx[m]];
    order[m] = members[idx[m]];
  }
  return { sortedKeys, order };
}

/** The valid rows of `vecs`, ascending: the items the tables index. */
export function validMembers(vecs: UnitVectors): Uint32Array {
  let n = 0;
  for (let i = 0; i < vecs.count; i++) if (vecs.valid[i]) n++;
  const out = new Uint32Array(n);
  for (let i = 0, m = 0; i < vecs.count; i++) if (vecs.valid[i]) out[m++] = i;
  return out;
}

/**
 * Random-hyperplane LSH that only PROPOSES candidate pairs; callers verify with exact cosine.
 *
 * NOTE: the hyperplanes are the rows of pseudo-random rotations H·D2·H·D1 (Hadamard times
 * random sign flips, as in FJLT / cross-polytope LSH) instead of a dense Gaussian matrix: it costs
 * O(d log d) per vector instead of O(d · bits · tables), which is what makes 100k x 256 hash in
 * about half a second. Each table samples its bits from that pool with a seeded PRNG, so a
 * vector's bucket keys depend only on the vector and the seed, never on the other vectors or
 * their order.
 */
export class CosineLsh {
  readonly tables: number;
  readonly bits: number;
  private readonly hasher: LshHasher;
  private readonly sortedKeys: Uint32Array[] = [];
  private readonly order: Uint32Array[] = [];
  /**
   * Per table, each indexed item's position in `order`. Within a bucket `order` is ascending
   * (the radix sort is stable over ascending members), so an item's later candidates are exactly
   * the entries after its own position up to the bucket's end.
   */
  private readonly itemPos: Uint32Array[] = [];
  /** Set by `forEachLaterCandidate`: entries of items below it are gone from the tables. */
  private forwardFloor = -1;
  private nextCompactAt = 0;
  private readonly stamp: Int32Array;
  private query = 0;
  /** Per item, the first `sketchWords * 32` pool bits: a SimHash sketch for the Hamming pre-filter. */
  private readonly sketch: Uint32Array;
  private readonly sketchWords: number;
  private readonly cutoff: number;
  private readonly querySketch: Uint32Array;

  /** The hashing parameters these options give for `vecs` (what a worker needs to hash a share). */
  static hashParams(vecs: UnitVectors, opts: LshOptions & { bits: number; tables: number }): LshHashParams {
    return { dim: vecs.dim, bits: opts.bits, tables: opts.tables, seed: opts.seed, maxRotations: opts.maxRotations };
  }

  /**
   * `threshold`, when given, turns on the sketch pre-filter: proposals whose sketches disagree on
   * more bits than a pair at the threshold plausibly would (`sketchCutoff`) are not proposed.
   * (The same tables, in shared memory for worker threads: lsh-candidates.ts.)
   */
  constructor(
    private readonly vecs: UnitVectors,
    opts: LshOptions & { bits: number; tables: number; threshold?: number },
  ) {
    this.hasher = new LshHasher(CosineLsh.hashParams(vecs, opts));
    this.tables = this.hasher.tables;
    this.bits = this.hasher.bits;
    this.stamp = new Int32Array(vecs.count).fill(-1);
    this.sketchWords = this.hasher.sketchWords;
    this.querySketch = new Uint32Array(this.sketchWords);
    this.cutoff = opts.threshold === undefined ? Infinity : sketchCutoff(opts.threshold, this.sketchWords * 32);
    this.sketch = new Uint32Array(vecs.count * this.sketchWords);
    const members = validMembers(vecs);
    const keys = new Uint32Array(members.length * this.tables);
    this.hasher.hashMembers(vecs.data, members, 0, members.length, keys, this.sketch);
    this.buildTables(members, keys);
  }

  /** Sorts each table's keys (`keys[m * tables + t]` for `members[m]`). */
  private buildTables(members: Uint32Array, keys: Uint32Array): void {
    const n = this.vecs.count;
    const column = new Uint32Array(members.length);
    for (let t = 0; t < this.tables; t++) {
      for (let m = 0; m < members.length; m++) column[m] = keys[m * this.tables + t];
      const { sortedKeys: sk, order: ord } = radixSortKeys(column, members);
      const pos = new Uint32Array(n);
      for (let m = 0; m < members.length; m++) pos[ord[m]] = m;
      this.sortedKeys.push(sk);
      this.order.push(ord);
      this.itemPos.push(pos);
    }
    this.nextCompactAt = members.length >>> 3;
  }

  private bucketStart(t: number, key: number): number {
    const sk = this.sortedKeys[t];
    let lo = 0;
    let hi = sk.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (sk[mid] < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Visits the bucket entries from position `lo` to the bucket's end (the key at `key`). */
  private visitBucket(
    t: number,
    lo: number,
    key: number,
    qs: Uint32Array,
    qOff: number,
    visit: (j: number) => void,
    removed: Int32Array | null,
  ): void {
    const sk = this.sortedKeys[t];
    const ord = this.order[t];
    const stamp = this.stamp;
    const query = this.query;
    const cutoff = this.cutoff;
    for (let m = lo; m < sk.length && sk[m] === key; m++) {
      const j = ord[m];
      if (stamp[j] === query) continue;
      stamp[j] = query;
      if (removed !== null && removed[j] >= 0) continue;
      if (sketchDistanceAt(qs, qOff, this.sketch, j * this.sketchWords, this.sketchWords, cutoff) > cutoff) continue;
      visit(j);
    }
  }

  /**
   * Calls `visit` once per distinct indexed item sharing a bucket with indexed item `i` (and
   * passing the sketch filter); with `onlyAfter`, only items with a larger index; with `removed`,
   * only items j with `removed[j] < 0` (a greedy pass's removals: no sketch work for them).
   */
  forEachCandidateOfItem(
    i: number,
    visit: (j: number) => void,
    onlyAfter = false,
    removed: Int32Array | null = null,
  ): void {
    if (this.forwardFloor >= 0) throw new Error('CosineLsh: the tables were consumed by forEachLaterCandidate');
    if (!this.vecs.valid[i]) return;
    this.query++;
    // Marking i itself as seen excludes it without a per-item comparison.
    this.stamp[i] = this.query;
    for (let t = 0; t < this.tables; t++) {
      const sk = this.sortedKeys[t];
      const at = this.itemPos[t][i];
      let lo = at + 1;
      if (!onlyAfter) while (lo > 0 && sk[lo - 1] === sk[at]) lo--;
      this.visitBucket(t, lo, sk[at], this.sketch, i * this.sketchWords, visit, removed);
    }
  }

  /**
   * `forEachCandidateOfItem(i, visit, true, removed)` for a greedy pass: calls come in increasing
   * `i`, and `removed` marks only ever grow. Both make entries dead for good (items below `i`
   * are never proposed again, removed ones never pass), so the tables drop them as the pass goes:
   * each table is compacted in place whenever the pass has moved on by an eighth of what is left.
   * NOTE: on 366,863 real hash embeddings the dead entries were ~2/3 of the 437 M bucket entries
   * the pass read. After the first call the tables serve only this method.
   */
  forEachLaterCandidate(i: number, visit: (j: number) => void, removed: Int32Array): void {
    if (i <= this.forwardFloor) throw new Error(`CosineLsh: forward scan went back from ${this.forwardFloor} to ${i}`);
    this.forwardFloor = i;
    if (!this.vecs.valid[i]) return;
    if (i >= this.nextCompactAt) this.compact(i, removed);
    this.query++;
    this.stamp[i] = this.query;
    for (let t = 0; t < this.tables; t++) {
      const at = this.itemPos[t][i];
      this.visitBucket(t, at + 1, this.sortedKeys[t][at], this.sketch, i * this.sketchWords, visit, removed);
    }
  }

  /** Drops entries of items below `floor` and of removed items, keeping every bucket's order. */
  private compact(floor: number, removed: Int32Array): void {
    let live = 0;
    for (let t = 0; t < this.tables; t++) {
      const sk = this.sortedKeys[t];
      const ord = this.order[t];
      const pos = this.itemPos[t];
      let w = 0;
      for (let m = 0; m < sk.length; m++) {
        const j = ord[m];
        if (j < floor || removed[j] >= 0) continue;
        sk[w] = sk[m];
        ord[w] = j;
        pos[j] = w;
        w++;
      }
      this.sortedKeys[t] = sk.subarray(0, w);
      this.order[t] = ord.subarray(0, w);
      live = w;
    }
    this.nextCompactAt = floor + Math.max(1024, live >>> 3);
  }

  /** Same for an outside unit vector (row `row` of `data`, same dim), e.g. a sample vs benchmark items. */
  forEachCandidateOfVector(data: Float32Array, row: number, visit: (j: number) => void): void {
    if (this.forwardFloor >= 0) throw new Error('CosineLsh: the tables were consumed by forEachLaterCandidate');
    const keys = new Uint32Array(this.tables);
    this.hasher.keysFor(data, row, keys);
    this.hasher.writeSketch(this.querySketch, 0);
    this.query++;
    for (let t = 0; t < this.tables; t++) {
      const lo = this.bucketStart(t, keys[t]);
      if (lo < this.sortedKeys[t].length && this.sortedKeys[t][lo] === keys[t])
        this.visitBucket(t, lo, keys[t], this.querySketch, 0, visit, null);
    }
  }
}
