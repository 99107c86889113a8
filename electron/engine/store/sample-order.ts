/**
 * Sorting for the sample index: row permutations per sort key, cached until a value in their
 * column changes, and the id order every sort breaks ties by.
 */
import type { SampleIndex, SortField } from './sample-index.js';

/** What sorting reads of the index. */
type SortedIndex = Pick<SampleIndex, 'size' | 'ids' | 'source' | 'value'>;

export class RowOrders {
  private sortCache = new Map<string, Int32Array>();
  private idRankCache: { size: number; byRank: Int32Array; rankOf: Int32Array } | null = null;

  constructor(private readonly index: SortedIndex) {}

  /** Drops every cached order (rows were added or replaced). */
  clear() {
    this.sortCache.clear();
  }

  /** Drops the cached orders by `field` (a value in that column changed). */
  invalidate(field: SortField) {
    for (const k of this.sortCache.keys()) if (k.startsWith(field + ':')) this.sortCache.delete(k);
  }

  /** Takes a persisted id order (rows in id order) for `n` rows if it is one; else it is computed on first use. */
  adoptIdOrder(byRank: Int32Array | undefined, n: number) {
    this.idRankCache = null;
    if (byRank && byRank.length === n) {
      const rankOf = new Int32Array(n).fill(-1);
      let ok = true;
      for (let i = 0; i < n && ok; i++) {
        const r = byRank[i];
        if (r < 0 || r >= n || rankOf[r] !== -1) ok = false;
        else rankOf[r] = i;
      }
      // NOTE: only a true permutation is trusted; anything else is recomputed on first use.
      if (ok) this.idRankCache = { size: n, byRank, rankOf };
    }
  }

  /** Rows ordered by `field` (nulls last in both directions, ties by id). Cached. */
  order(field: SortField, desc: boolean): Int32Array {
    const key = `${field}:${desc ? 'desc' : 'asc'}`;
    const hit = this.sortCache.get(key);
    if (hit && hit.length === this.index.size) return hit;
    const perm =
      field === 'source'
        ? this.orderBySource(desc)
        : field === 'id'
          ? this.orderById(desc)
          : this.orderByValue(field, desc);
    this.sortCache.set(key, perm);
    return perm;
  }

  /** The cached `order(field, desc)`, or null when computing it would mean a full sort. */
  cachedOrder(field: SortField, desc: boolean): Int32Array | null {
    const hit = this.sortCache.get(`${field}:${desc ? 'desc' : 'asc'}`);
    return hit && hit.length === this.index.size ? hit : null;
  }

  /**
   * `rows` (any subset) in the order `order(field, desc)` gives them. For a filter that keeps a
   * fraction of 10^6 rows, sorting only the matches beats sorting everything first.
   */
  sortRows(rows: Int32Array, field: SortField, desc: boolean): Int32Array {
    const { rankOf, byRank } = this.idRanks();
    const n = rows.length;
    if (field === 'id') {
      const keys = Float64Array.from(rows, (r) => rankOf[r]);
      keys.sort();
      const out = Int32Array.from(keys, (k) => byRank[k]);
      return desc ? out.reverse() : out;
    }
    const RANKS = 2 ** 21;
    if (field === 'source' || this.index.size > RANKS) {
      const full = this.order(field, desc);
      const want = new Uint8Array(this.index.size);
      for (const r of rows) want[r] = 1;
      const out = new Int32Array(n);
      let k = 0;
      for (const r of full) if (want[r]) out[k++] = r;
      return out;
    }
    const keys = new Float64Array(n);
    for (let i = 0; i < n; i++) keys[i] = this.packedKey(rows[i], field, desc, rankOf[rows[i]]);
    keys.sort();
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = byRank[keys[i] % RANKS];
    return out;
  }

  private readonly f32 = new Float32Array(1);
  private readonly u32 = new Uint32Array(this.f32.buffer);

  /** (value bucket, id rank) packed into one double that sorts natively; see orderByValue. */
  private packedKey(r: number, field: SortField, desc: boolean, rank: number): number {
    const NULL_BUCKET = 0xffffffff;
    const v = this.index.value(field, r) as number | null;
    let bucket: number;
    if (v === null) bucket = NULL_BUCKET;
    else {
      this.f32[0] = Math.max(0, v);
      bucket = desc ? NULL_BUCKET - 1 - this.u32[0] : this.u32[0];
    }
    return bucket * 2 ** 21 + rank;
  }

  /** Rows in id order, and each row's rank in it. Ids are hex hashes, so their first 13 digits sort natively. */
  idRanks() {
    const n = this.index.size;
    if (this.idRankCache?.size === n) return this.idRankCache;
    const keys = new Float64Array(n);
    let allHex = true;
    for (let r = 0; r < n && allHex; r++) {
      const head = this.index.ids[r].slice(0, 13);
      if (!/^[0-9a-f]{13}$/.test(head)) allHex = false;
      else keys[r] = parseInt(head, 16);
    }
    const byRank = new Int32Array(n);
    for (let i = 0; i < n; i++) byRank[i] = i;
    const ids = this.index.ids;
    if (allHex) {
      byRank.sort((a, b) => keys[a] - keys[b] || (ids[a] < ids[b] ? -1 : ids[a] > ids[b] ? 1 : 0));
    } else {
      byRank.sort((a, b) => (ids[a] < ids[b] ? -1 : ids[a] > ids[b] ? 1 : 0));
    }
    const rankOf = new Int32Array(n);
    for (let i = 0; i < n; i++) rankOf[byRank[i]] = i;
    this.idRankCache = { size: n, byRank, rankOf };
    return this.idRankCache;
  }

  private orderById(desc: boolean): Int32Array {
    const { byRank } = this.idRanks();
    return desc ? byRank.slice().reverse() : byRank.slice();
  }

  private orderBySource(desc: boolean): Int32Array {
    const { rankOf } = this.idRanks();
    const perm = Int32Array.from({ length: this.index.size }, (_, i) => i);
    const src = this.index.source;
    perm.sort((a, b) => {
      const c = src[a] < src[b] ? -1 : src[a] > src[b] ? 1 : rankOf[a] - rankOf[b];
      return desc ? -c : c;
    });
    return perm;
  }

  /**
   * NOTE: numeric sorts pack (value, id rank) into one double and sort natively: a float32 value
   * >= 0 keeps its order as its uint32 bit pattern, times 2^21 id ranks. Measured at 10^6 rows:
   * ~0.35 s against ~5.8 s for a comparator sort. Larger datasets use the comparator.
   */
  private orderByValue(field: SortField, desc: boolean): Int32Array {
    const n = this.index.size;
    const { rankOf, byRank } = this.idRanks();
    const RANKS = 2 ** 21;
    if (n > RANKS) return this.orderByComparator(field, desc, rankOf);
    const keys = new Float64Array(n);
    for (let r = 0; r < n; r++) keys[r] = this.packedKey(r, field, desc, rankOf[r]);
    keys.sort();
    const perm = new Int32Array(n);
    for (let i = 0; i < n; i++) perm[i] = byRank[keys[i] % RANKS];
    return perm;
  }

  private orderByComparator(field: SortField, desc: boolean, rankOf: Int32Array): Int32Array {
    const n = this.index.size;
    const vals = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const v = this.index.value(field, i) as number | null;
      vals[i] = v === null ? NaN : v;
    }
    const perm = Int32Array.from({ length: n }, (_, i) => i);
    perm.sort((a, b) => {
      const va = vals[a];
      const vb = vals[b];
      const na = Number.isNaN(va);
      const nb = Number.isNaN(vb);
      if (na || nb) return na && nb ? rankOf[a] - rankOf[b] : na ? 1 : -1;
      if (va !== vb) return desc ? vb - va : va - vb;
      return rankOf[a] - rankOf[b];
    });
    return perm;
  }
}
