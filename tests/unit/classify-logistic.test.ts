import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LogisticRegression } from '../../electron/engine/classify/logistic-regression.js';
import { mulberry32 } from '../../electron/engine/classify/prng.js';
import { accuracy, baselineAccuracy, confusionAt, recall, rocAuc } from '../../electron/engine/classify/metrics.js';

/** Gaussian features; keep when 2*x0 - x1 + 0.5*x2 + noise > 1.2 (about one in four), 20 distractors. */
function linearData(n: number, seed: number, scale = 1): { X: Float32Array[]; y: Uint8Array } {
  const rng = mulberry32(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
  const X: Float32Array[] = [];
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const row = Float32Array.from({ length: 23 }, () => gauss());
    y[i] = 2 * row[0] - row[1] + 0.5 * row[2] + 0.3 * gauss() > 1.2 ? 1 : 0;
    // Wildly different feature scales must not matter: the model standardizes.
    row[0] *= 1000 * scale;
    row[5] *= 1e-3;
    X.push(row);
  }
  return { X, y };
}

const train = linearData(3000, 1);
const holdout = linearData(1500, 2);

test('logistic regression learns a linear rule and finds its direction', () => {
  const lr = LogisticRegression.fit(train.X, train.y, { l2: 1e-4 });
  const p = lr.predictProba(holdout.X);
  const acc = accuracy(confusionAt(holdout.y, p, 0.5));
  assert.ok(acc > baselineAccuracy(holdout.y) + 0.15, `accuracy ${acc}`);
  assert.ok(rocAuc(holdout.y, p) > 0.97);
  const w = (lr.toJSON() as { weights: string }).weights;
  const weights = new Float64Array(Uint8Array.from(Buffer.from(w, 'base64')).buffer);
  // Raw-scale weights: x0 was multiplied by 1000, so its weight shrinks by the same factor.
  const w0 = weights[0] * 1000;
  assert.ok(w0 > 0 && weights[1] < 0 && weights[2] > 0, `signs ${w0}, ${weights[1]}, ${weights[2]}`);
  assert.ok(Math.abs(w0 / weights[1] + 2) < 0.5, `ratio w0/w1 ${w0 / weights[1]} should be near -2`);
});

test('stronger L2 shrinks the weights; fitting is deterministic', () => {
  const size = (m: LogisticRegression) => {
    const p = m.predictProba(holdout.X);
    return p.reduce((s, v) => s + Math.abs(v - 0.5), 0) / p.length;
  };
  const loose = LogisticRegression.fit(train.X, train.y, { l2: 1e-4 });
  const tight = LogisticRegression.fit(train.X, train.y, { l2: 1 });
  assert.ok(size(tight) < size(loose) * 0.7, `confidence ${size(tight)} vs ${size(loose)}`);
  const again = LogisticRegression.fit(train.X, train.y, { l2: 1e-4 });
  assert.deepEqual(again.predictProba(holdout.X), loose.predictProba(holdout.X));
});

test('balanced class weights raise recall of the rarer class', () => {
  const plain = LogisticRegression.fit(train.X, train.y, { l2: 1e-2 }).predictProba(holdout.X);
  const balanced = LogisticRegression.fit(train.X, train.y, { l2: 1e-2, classWeight: 'balanced' }).predictProba(
    holdout.X,
  );
  assert.ok(recall(confusionAt(holdout.y, balanced, 0.5)) > recall(confusionAt(holdout.y, plain, 0.5)));
});

test('a linear model cannot learn XOR (the forest can)', () => {
  const rng = mulberry32(4);
  const X = Array.from({ length: 1000 }, () => Float32Array.from({ length: 2 }, () => rng() * 2 - 1));
  const y = Uint8Array.from(X, (r) => (r[0] * r[1] > 0 ? 1 : 0));
  const p = LogisticRegression.fit(X, y).predictProba(X);
  assert.ok(accuracy(confusionAt(y, p, 0.5)) < 0.65);
});

test('a JSON round-trip predicts identically', () => {
  const lr = LogisticRegression.fit(train.X, train.y);
  const back = LogisticRegression.fromJSON(JSON.parse(JSON.stringify(lr.toJSON())));
  assert.deepEqual(back.predictProba(holdout.X), lr.predictProba(holdout.X));
  assert.throws(() => LogisticRegression.fromJSON({ ...lr.toJSON(), nFeatures: 3 }), /corrupt/);
  assert.throws(() => lr.predictProba([new Float32Array(2)]), /features/);
});
