import { pushAll } from '../../../shared/arrays.js';
import type { MinhashRule } from './candidate.js';
import { collectClusters, greedyLeaders, type DedupResult, type StepHooks } from './dedup.js';
import { fmix32, fnv1a32, mulberry32, pack53, throwIfAborted } from './hashing.js';
import { sortByRank, type RankedCandidate } from './select.js';

const WORD = /[\p{L}\p{N}_]+/gu;

/**
 * Sorted, unique 53-bit hashes of the word n-grams of `text` (case-folded). A text with fewer
 * than n words yields one shingle of all its words, so short samples still compare.
 *
 * NOTE: shingles are kept as two independent 32-bit hashes packed into 53 bits rather than as
 * strings: a pair of samples colliding there is ~2^-53, far below any threshold's resolution,
 * and it keeps 100k shingle sets in memory cheaply.
 */
export function wordShingles(text: string, n: number): Float64Array {
  const words = text.toLowerCase().match(WORD) ?? [];
  if (words.length === 0) return new Float64Array(0);
  const h1 = words.map((w) => fnv1a32(w));
  const h2 = words.map((w) => fnv1a32(w, 0x9747b28c));
  const count = Math.max(1, words.length - n + 1);
  const out = new Float64Array(count);
  for (let s = 0; s < count; s++) {
    let a = 0x12345678;
    let b = 0x9abcdef0;
    for (let k = s; k < Math.min(words.length, s + n); k++) {
      a = fmix32(Math.imul(a, 31) ^ h1[k]);
      b = fmix32(Math.imul(b, 37) ^ h2[k]);
    }
    out[s] = pack53(a, b);
  }
  out.sort();
  let u = 0;
  for (let i = 0; i < out.length; i++) if (i === 0 || out[i] !== out[u - 1]) out[u++] = out[i];
  return out.slice(0, u);
}

/** Exact Jaccard of two sorted unique sets. */
export function jaccardSorted(a: Float64Array, b: Float64Array): number {
  if (a.length === 0 && b.length === 0) return 1;
  let i = 0;
  let j = 0;
  let inter = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      inter++;
      i++;
      j++;
    } else if (a[i] < b[j]) i++;
    else j++;
  }
  return inter / (a.length + b.length - inter);
}

/**
 * One-permutation MinHash with rotation densification (Shrivastava & Li, 2014): each shingle is
 * hashed once instead of `numPerm` times, which is what keeps signatures cheap on long files.
 * The estimate only proposes pairs; decisions use `jaccardSorted`.
 */
export function minhashSignature(shingles: Float64Array, numPerm: number, seed = 0x2545f491): Uint32Array {
  const sig = new Uint32Array(numPerm).fill(0xffffffff);
  const filled = new Uint8Array(numPerm);
  for (let s = 0; s < shingles.length; s++) {
    const hi = Math.floor(shingles[s] / 0x200000);
    const lo = shingles[s] % 0x200000;
    const h = fmix32(fmix32(hi ^ seed) ^ lo);
    const bin = fmix32(h ^ 0x5bd1e995) % numPerm;
    if (!filled[bin] || h < sig[bin]) {
      sig[bin] = h;
      filled[bin] = 1;
    }
  }
  if (shingles.length === 0) return sig;
  for (let b = 0; b < numPerm; b++) {
    if (filled[b]) continue;
    // Borrow from the next filled bin to the right, offset by the distance so borrowed values
    // from different distances do not collide by accident.
    let c = 1;
    while (!filled[(b + c) % numPerm]) c++;
    sig[b] = fmix32(sig[(b + c) % numPerm] + Math.imul(c, 0x9e3779b9)) >>> 0;
  }
  return sig;
}

/**
 * Band layout: the most rows per band (fewest false proposals) such that a pair exactly at the
 * threshold still shares a band with probability >= `recall`.
 */
export function chooseBands(threshold: number, numPerm: number, recall = 0.97): { bands: number; rows: number } {
  let best = { bands: numPerm, rows: 1 };
  for (let rows = 1; rows <= numPerm; rows++) {
    const bands = Math.floor(numPerm / rows);
    const p = 1 - Math.pow(1 - Math.pow(threshold, rows), bands);
    if (p >= recall) best = { bands, rows };
  }
  return best;
}

export interface MinhashDedupResult extends DedupResult {
  bands: number;
  rows: number;
  comparisons: number;
}

/** What candidate generation needs of each text: its shingles and its key in every band. */
export interface MinhashSketches {
  shingles: Float64Array[];
  /** `texts.length * bands` keys, row-major; 0 where a text has no shingle. */
  bandKeys: Float64Array;
}

/** Shingles + LSH band keys of a batch of texts. Pure: runs inline or on a pool worker. */
export function minhashSketches(
  texts: readonly string[],
  ngram: number,
  numPerm: number,
  bands: number,
  rows: number,
): MinhashSketches {
  const salt = mulberry32(0x6a09e667);
  const saltA = Array.from({ length: bands }, () => Math.floor(salt() * 2 ** 32));
  const shingles = texts.map((t) => wordShingles(t, ngram));
  const bandKeys = new Float64Array(texts.length * bands);
  for (let i = 0; i < texts.length; i++) {
    if (shingles[i].length === 0) continue;
    const sig = minhashSignature(shingles[i], numPerm);
    for (let b = 0; b < bands; b++) {
      let x = saltA[b];
      let y = ~saltA[b];
      for (let r = b * rows; r < (b + 1) * rows; r++) {
        x = fmix32(Math.imul(x, 31) ^ sig[r]);
        y = fmix32(Math.imul(y, 17) + sig[r]);
      }
      bandKeys[i * bands + b] = pack53(x, y);
    }
  }
  return { shingles, bandKeys };
}

/** Sketches per batch of texts; the export passes the CPU pool's `minhash`. */
export type SketchBatch = (texts: string[], bands: number, rows: number) => Promise<MinhashSketches>;

/**
 * Lexical near-duplicate removal: MinHash LSH banding proposes, exact Jaccard decides. Sketching
 * (the costly part) runs in batches through `sketch` (on worker threads when given), in order, so
 * the result never depends on the worker count.
 */
export async function nearDedupMinhash(
  items: readonly RankedCandidate[],
  rule: MinhashRule,
  hooks: StepHooks & { sketch?: SketchBatch } = {},
): Promise<MinhashDedupResult> {
  const ranked = sortByRank([...items]);
  const n = ranked.length;
  const { bands, rows } = chooseBands(rule.threshold, rule.numPerm);
  const sketch: SketchBatch =
    hooks.sketch ?? (async (texts, b, r) => minhashSketches(texts, rule.ngram, rule.numPerm, b, r));
  const BATCH = 512;
  const parts: Promise<MinhashSketches>[] = [];
  for (let i = 0; i < n; i += BATCH)
    parts.push(
      sketch(
        ranked.slice(i, i + BATCH).map((r) => r.candidate.text),
        bands,
        rows,
      ),
    );
  const shingles: Float64Array[] = [];
  const keys = new Float64Array(n * bands);
  for (let k = 0; k < parts.length; k++) {
    const part = await parts[k];
    throwIfAborted(hooks.signal);
    keys.set(part.bandKeys, shingles.length * bands);
    pushAll(shingles, part.shingles);
  }
  const eligible = new Uint8Array(n);
  const buckets: Map<number, number[]>[] = Array.from({ length: bands }, () => new Map());
  for (let i = 0; i < n; i++) {
    if (shingles[i].length === 0) continue;
    eligible[i] = 1;
    for (let b = 0; b < bands; b++) {
      const key = keys[i * bands + b];
      const list = buckets[b].get(key);
      if (list) list.push(i);
      else buckets[b].set(key, [i]);
    }
  }
  const stamp = new Int32Array(n).fill(-1);
  const forEach = (i: number, visit: (j: number) => void) => {
    for (let b = 0; b < bands; b++) {
      for (const j of buckets[b].get(keys[i * bands + b]) ?? []) {
        if (j === i || stamp[j] === i) continue;
        stamp[j] = i;
        visit(j);
      }
    }
  };
  const g = greedyLeaders(
    n,
    eligible,
    forEach,
    (i, j) => jaccardSorted(shingles[i], shingles[j]),
    rule.threshold,
    hooks,
  );
  return { ...collectClusters(ranked, g.removedBy, g.similarity, 'minhash'), bands, rows, comparisons: g.comparisons };
}
