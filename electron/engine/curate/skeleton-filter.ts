import { lexSkeleton } from './syntax-skeleton.js';

/**
 * The pre-filter built on the lexed skeleton (syntax-skeleton.ts): per benchmark function, the
 * skeleton windows of its distinctive grams, and whether a text's regions can reach its threshold.
 */

const BASE = 0x01000193;

/** Key of a skeleton window: its polynomial hash (what a rolling hash over the text gives), mixed with its length. */
export function windowKey(hash: number, length: number): number {
  // NOTE: a signed 32-bit key stays a small integer in V8 (no heap number per lookup).
  return hash ^ Math.imul(length + 1, 0x9e3779b1);
}

const FILTER_BITS = 1 << 16;

/** Polynomial hash of a whole sequence of symbols. */
export function sequenceHash(symbols: readonly number[]): number {
  let h = 0;
  for (const s of symbols) h = (Math.imul(h, BASE) + s) | 0;
  return h;
}

/**
 * Per benchmark function: how many of its distinctive grams have each skeleton window, and the
 * count a sample needs. `mayMatch` tells whether a text can reach any function's threshold.
 */
export class SkeletonFilter {
  /** Window key -> (function, grams with that skeleton) pairs, flattened. */
  private readonly byKey = new Map<number, number[]>();
  /** Window lengths that occur (a sample's windows of other lengths cannot count). */
  private readonly lengths: number[];
  /** Per function: grams whose skeleton is empty (always present), and how many grams it has. */
  private readonly base: Int32Array;
  private readonly size: Int32Array;
  private readonly counts: Int32Array;
  private readonly touched: number[] = [];
  /** A bit per key hash: a clear bit means no window key of the benchmark has it (no lookup). */
  private readonly bits = new Uint32Array(FILTER_BITS >>> 5);
  /** Texts `mayMatch` ruled out / let through / could not lex (for the bench). */
  readonly stats = { skipped: 0, passed: 0, unlexed: 0 };

  /** `entries[f]`: the skeletons of function f's distinctive grams; `threshold`: the match's containment. */
  constructor(
    entries: readonly (readonly (readonly number[])[])[],
    private readonly threshold: number,
  ) {
    this.base = new Int32Array(entries.length);
    this.size = new Int32Array(entries.length);
    this.counts = new Int32Array(entries.length);
    const lengths = new Set<number>();
    entries.forEach((grams, f) => {
      this.size[f] = grams.length;
      const perKey = new Map<number, number>();
      for (const g of grams) {
        if (!g.length) {
          this.base[f]++;
          continue;
        }
        lengths.add(g.length);
        const key = windowKey(sequenceHash(g), g.length);
        perKey.set(key, (perKey.get(key) ?? 0) + 1);
      }
      for (const [key, count] of perKey) {
        const list = this.byKey.get(key);
        if (list) list.push(f, count);
        else this.byKey.set(key, [f, count]);
      }
    });
    this.lengths = [...lengths].sort((a, b) => a - b);
    for (const key of this.byKey.keys()) {
      const h = key & (FILTER_BITS - 1);
      this.bits[h >>> 5] |= 1 << (h & 31);
    }
  }

  /**
   * False only when no benchmark function can be matched by `text` (its parse may be skipped).
   * NOTE: a function counts a window once however often the text has it, as the match counts
   * each distinct gram once; hash collisions only add counts (a needless parse, never a miss).
   */
  mayMatch(text: string): boolean {
    const skel = lexSkeleton(text);
    if (!skel) {
      this.stats.unlexed++;
      return true;
    }
    const sym = skel.symbols;
    const m = sym.length;
    const prefix = new Int32Array(m + 1);
    for (let k = 0; k < m; k++) prefix[k + 1] = (Math.imul(prefix[k], BASE) + sym[k]) | 0;
    let pass = false;
    for (let f = 0; f < this.base.length && !pass; f++) if (this.reaches(f, this.base[f])) pass = true;
    // NOTE: per function region, as the match counts per function: a region holds every token of
    // its function (and of the ones nested in it), so its count is at least the function's.
    for (let r = 0; r < skel.regions.length && !pass; r += 2)
      pass = this.regionReaches(prefix, skel.regions[r], skel.regions[r + 1]);
    if (pass) this.stats.passed++;
    else this.stats.skipped++;
    return pass;
  }

  /**
   * The same comparison as the match's (count / size >= threshold): with a count at least the
   * match's, it cannot come out false where the match's comes out true.
   */
  private reaches(f: number, count: number): boolean {
    return count / this.size[f] >= this.threshold;
  }

  /** Does some function's count reach its threshold from the windows within symbols [a, b)? */
  private regionReaches(prefix: Int32Array, a: number, b: number): boolean {
    const counts = this.counts;
    const touched = this.touched;
    const bits = this.bits;
    let seen: Set<number> | null = null;
    let pow = 1;
    let len = 0;
    let pass = false;
    for (const L of this.lengths) {
      if (pass || L > b - a) break;
      while (len < L) {
        pow = Math.imul(pow, BASE);
        len++;
      }
      for (let s = a; s + L <= b; s++) {
        const key = windowKey((prefix[s + L] - Math.imul(prefix[s], pow)) | 0, L);
        const h = key & (FILTER_BITS - 1);
        if (!(bits[h >>> 5] & (1 << (h & 31)))) continue;
        const list = this.byKey.get(key);
        if (!list) continue;
        seen ??= new Set<number>();
        if (seen.has(key)) continue;
        seen.add(key);
        for (let k = 0; k < list.length; k += 2) {
          const f = list[k];
          if (counts[f] === 0) touched.push(f);
          counts[f] += list[k + 1];
          if (this.reaches(f, counts[f] + this.base[f])) pass = true;
        }
        if (pass) break;
      }
    }
    for (const f of touched) counts[f] = 0;
    touched.length = 0;
    return pass;
  }
}
