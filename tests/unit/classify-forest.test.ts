import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RandomForest } from '../../electron/engine/classify/random-forest.js';
import { mulberry32 } from '../../electron/engine/classify/prng.js';
import { accuracy, baselineAccuracy, confusionAt, recall } from '../../electron/engine/classify/metrics.js';

/** XOR of the signs of features 0 and 1, plus `noise` irrelevant features. */
function xorData(n: number, noise: number, seed: number): { X: Float32Array[]; y: Uint8Array } {
  const rng = mulberry32(seed);
  const X: Float32Array[] = [];
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const row = new Float32Array(2 + noise);
    for (let j = 0; j < row.length; j++) row[j] = rng() * 2 - 1;
    X.push(row);
    y[i] = row[0] * row[1] > 0 ? 1 : 0;
  }
  return { X, y };
}

const train = xorData(2000, 8, 1);
const holdout = xorData(1000, 8, 2);

test('the forest learns XOR that no single feature explains', () => {
  const rf = RandomForest.fit(train.X, train.y, { nTrees: 60, seed: 3 });
  const p = rf.predictProba(holdout.X);
  const acc = accuracy(confusionAt(holdout.y, p, 0.5));
  const base = baselineAccuracy(holdout.y);
  assert.ok(acc > base + 0.3, `accuracy ${acc} vs baseline ${base}`);
  assert.ok(p.every((v) => v >= 0 && v <= 1));
  // Splits concentrate on the two informative features.
  const imp = rf.importances;
  const noiseMax = Math.max(...Array.from(imp.subarray(2)));
  assert.ok(imp[0] > 3 * noiseMax && imp[1] > 3 * noiseMax, `importances ${imp[0]}, ${imp[1]} vs noise ${noiseMax}`);
  // Out-of-bag votes exist for (nearly) every row and are themselves predictive.
  const oob = rf.oobProba!;
  const seen = Array.from(oob.keys()).filter((i) => !Number.isNaN(oob[i]));
  assert.ok(seen.length > 0.99 * train.X.length);
  const oobAcc = seen.filter((i) => (oob[i] >= 0.5 ? 1 : 0) === train.y[i]).length / seen.length;
  assert.ok(oobAcc > 0.8, `oob accuracy ${oobAcc}`);
});

test('same seed, same forest; another seed, another forest', () => {
  const opts = { nTrees: 10, seed: 11 };
  const a = RandomForest.fit(train.X, train.y, opts).predictProba(holdout.X);
  const b = RandomForest.fit(train.X, train.y, opts).predictProba(holdout.X);
  const c = RandomForest.fit(train.X, train.y, { ...opts, seed: 12 }).predictProba(holdout.X);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
});

test('a JSON round-trip predicts identically', () => {
  const rf = RandomForest.fit(train.X, train.y, { nTrees: 20, seed: 5, maxBins: 64 });
  const json = JSON.parse(JSON.stringify(rf.toJSON()));
  const back = RandomForest.fromJSON(json);
  assert.deepEqual(back.predictProba(holdout.X), rf.predictProba(holdout.X));
  assert.equal(back.nTrees, 20);
  assert.equal(back.nodeCount, rf.nodeCount);
  assert.throws(() => RandomForest.fromJSON({ ...json, right: json.feature }), /corrupt/);
});

test('depth and leaf limits shrink the trees', () => {
  const full = RandomForest.fit(train.X, train.y, { nTrees: 5, seed: 1 });
  const stump = RandomForest.fit(train.X, train.y, { nTrees: 5, seed: 1, maxDepth: 1 });
  const coarse = RandomForest.fit(train.X, train.y, { nTrees: 5, seed: 1, minSamplesLeaf: 50 });
  assert.equal(stump.nodeCount, 5 * 3);
  assert.ok(coarse.nodeCount < full.nodeCount / 4, `${coarse.nodeCount} vs ${full.nodeCount}`);
});

test('balanced class weights raise recall on a rare class', () => {
  // P(keep) = x0^4: about one keep in five, with a soft boundary where weighting matters.
  const rng = mulberry32(9);
  const make = (n: number) => {
    const X: Float32Array[] = [];
    const y = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const row = Float32Array.from({ length: 4 }, () => rng());
      X.push(row);
      y[i] = rng() < row[0] ** 4 ? 1 : 0;
    }
    return { X, y };
  };
  const tr = make(1500);
  const te = make(1000);
  const opts = { nTrees: 40, seed: 2, minSamplesLeaf: 10 };
  const plain = RandomForest.fit(tr.X, tr.y, opts).predictProba(te.X);
  const balanced = RandomForest.fit(tr.X, tr.y, { ...opts, classWeight: 'balanced' }).predictProba(te.X);
  const rPlain = recall(confusionAt(te.y, plain, 0.5));
  const rBalanced = recall(confusionAt(te.y, balanced, 0.5));
  assert.ok(rBalanced > rPlain + 0.15, `recall ${rBalanced} balanced vs ${rPlain} plain`);
});

test('bad input is rejected', () => {
  assert.throws(() => RandomForest.fit([new Float32Array(3), new Float32Array(4)], new Uint8Array(2)), /features/);
  assert.throws(() => RandomForest.fit([new Float32Array(3)], new Uint8Array(1)), /rows/);
  const rf = RandomForest.fit(train.X.slice(0, 100), train.y.slice(0, 100), { nTrees: 2 });
  assert.throws(() => rf.predictProba([new Float32Array(5)]), /features/);
});
