import { mulberry32 } from './hashing.js';
import { dotRows, type UnitVectors } from './unit-vectors.js';

/** How random-hyperplane LSH (cosine-lsh.ts) is sized for a set of vectors and a threshold. */
export interface LshOptions {
  /** Number of hash tables; default planned from the data by `planLsh`. */
  tables?: number;
  /** Hyperplane bits per table (<= 32); default planned from the data by `planLsh`. */
  bits?: number;
  seed?: number;
  /** Target probability that a pair exactly at the threshold is proposed. Default 0.98. */
  recall?: number;
  /** Memory cap: each table costs 12 bytes per vector. Default 64. */
  maxTables?: number;
  /** Cap on pseudo-random rotations (each gives `dim` rounded up to a power of 2 hyperplanes). Default 4. */
  maxRotations?: number;
}

export interface LshPlan {
  bits: number;
  tables: number;
  /** Estimated candidates proposed per query (from sampled random pairs). */
  expectedCandidates: number;
  /** Probability a pair exactly at the threshold shares at least one bucket. */
  recallAtThreshold: number;
}

/** SimHash: two vectors at angle theta agree on a random hyperplane bit with probability 1 - theta/pi. */
function bitAgreement(cosine: number): number {
  return 1 - Math.acos(Math.max(-1, Math.min(1, cosine))) / Math.PI;
}

/**
 * Picks bits per table (K) and tables (L) for this data: L is what K needs to reach the recall
 * target at the threshold, and K minimizes tables + expected candidate cosines per query, with the
 * background similarity estimated from sampled random pairs.
 *
 * NOTE: real embeddings share a common direction (typical cosines of 0.3-0.6, not 0), which makes
 * a fixed K flood the buckets; planning from sampled pairs is what keeps 100k vectors at seconds
 * for both random-like and strongly correlated embeddings. The plan only affects which pairs get
 * proposed, never how a proposed pair is decided.
 */
const SKETCH_COST = 0.1;

/**
 * Largest sketch Hamming distance a pair exactly at the threshold reaches with probability
 * above ~3e-6 (mean + 4.5 sd of Binomial(bits, angle/pi)); more similar pairs are safer still.
 */
export function sketchCutoff(threshold: number, bits: number): number {
  const q = 1 - bitAgreement(threshold);
  return Math.ceil(bits * q + 4.5 * Math.sqrt(bits * q * (1 - q)));
}

export function planLsh(vecs: UnitVectors, threshold: number, opts: LshOptions = {}): LshPlan {
  const recall = opts.recall ?? 0.98;
  const maxTables = opts.maxTables ?? 64;
  const valid: number[] = [];
  for (let i = 0; i < vecs.count; i++) if (vecs.valid[i]) valid.push(i);
  const pt = bitAgreement(threshold);
  const rand = mulberry32((opts.seed ?? 0x1f2e3d4c) ^ 0x5a5a5a5a);
  const agree: number[] = [];
  const pairs = valid.length < 2 ? 0 : Math.min(4000, (valid.length * (valid.length - 1)) / 2);
  for (let k = 0; k < pairs; k++) {
    const a = valid[Math.floor(rand() * valid.length)];
    let b = valid[Math.floor(rand() * valid.length)];
    if (a === b) b = valid[(valid.indexOf(a) + 1) % valid.length];
    agree.push(bitAgreement(dotRows(vecs.data, vecs.dim, a, b)));
  }
  let best: LshPlan | null = null;
  let bestCost = Infinity;
  for (let bits = 6; bits <= 32; bits++) {
    const perTable = Math.pow(pt, bits);
    const tables = Math.max(1, Math.ceil(Math.log(1 - recall) / Math.log(1 - perTable)));
    if (tables > maxTables) break;
    const background = agree.length ? agree.reduce((acc, p) => acc + Math.pow(p, bits), 0) / agree.length : 0;
    const expectedCandidates = Math.min(valid.length, tables * valid.length * background);
    // A table costs about one exact cosine per vector to build and probe; a proposal costs a
    // sketch comparison (~1/10 of a cosine) because the sketch filter drops background pairs.
    const cost = tables + SKETCH_COST * expectedCandidates;
    if (cost < bestCost) {
      bestCost = cost;
      best = { bits, tables, expectedCandidates, recallAtThreshold: 1 - Math.pow(1 - perTable, tables) };
    }
  }
  return (
    best ?? {
      bits: 6,
      tables: maxTables,
      expectedCandidates: valid.length,
      recallAtThreshold: 1 - Math.pow(1 - Math.pow(pt, 6), maxTables),
    }
  );
}
