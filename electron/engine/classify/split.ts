import { pushAll } from '../../../shared/arrays.js';
import { mulberry32, shuffleInPlace } from './prng.js';

/**
 * Seeded, stratified splits. Rows are first ordered by id, so the same labeled set and seed give
 * the same split however the rows were fetched; each class is then shuffled separately and cut
 * (or dealt into folds) so class proportions carry over. Results are row indices into the
 * caller's arrays, ascending.
 */
export interface SplitIndices {
  train: number[];
  test: number[];
}

/** Row indices grouped by label value (ascending), each group ordered by id then shuffled. */
function shuffledStrata(ids: readonly string[], y: ArrayLike<number>, seed: number): number[][] {
  if (ids.length !== y.length) throw new RangeError(`ids (${ids.length}) and labels (${y.length}) differ in length`);
  const order = Array.from({ length: ids.length }, (_, i) => i).sort((a, b) =>
    ids[a] < ids[b] ? -1 : ids[a] > ids[b] ? 1 : a - b,
  );
  const groups = new Map<number, number[]>();
  for (const i of order) {
    const g = groups.get(y[i]);
    if (g) g.push(i);
    else groups.set(y[i], [i]);
  }
  const rng = mulberry32(seed);
  return [...groups.keys()].sort((a, b) => a - b).map((k) => shuffleInPlace(groups.get(k)!, rng));
}

export function stratifiedSplit(
  ids: readonly string[],
  y: ArrayLike<number>,
  opts: { testFraction: number; seed: number },
): SplitIndices {
  const f = opts.testFraction;
  if (!(f >= 0 && f < 1)) throw new RangeError(`testFraction must be in [0, 1), got ${f}`);
  const train: number[] = [];
  const test: number[] = [];
  for (const group of shuffledStrata(ids, y, opts.seed)) {
    let k = Math.round(group.length * f);
    // Keep every class on both sides when it has at least two members.
    if (f > 0 && group.length >= 2) k = Math.min(group.length - 1, Math.max(1, k));
    pushAll(test, group.slice(0, k));
    pushAll(train, group.slice(k));
  }
  return { train: train.sort((a, b) => a - b), test: test.sort((a, b) => a - b) };
}

export function stratifiedKFold(
  ids: readonly string[],
  y: ArrayLike<number>,
  opts: { k: number; seed: number },
): SplitIndices[] {
  const k = Math.floor(opts.k);
  if (k < 2 || k > ids.length) throw new RangeError(`k must be in [2, ${ids.length}], got ${opts.k}`);
  const foldOf = new Int32Array(ids.length);
  // Deal each class round-robin, continuing where the previous class stopped, so fold sizes
  // differ by at most one overall.
  let next = 0;
  for (const group of shuffledStrata(ids, y, opts.seed)) {
    for (const i of group) {
      foldOf[i] = next;
      next = (next + 1) % k;
    }
  }
  const folds: SplitIndices[] = [];
  for (let fold = 0; fold < k; fold++) {
    const train: number[] = [];
    const test: number[] = [];
    for (let i = 0; i < ids.length; i++) (foldOf[i] === fold ? test : train).push(i);
    folds.push({ train, test });
  }
  return folds;
}
