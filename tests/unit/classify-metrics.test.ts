import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  accuracy,
  averagePrecision,
  baselineAccuracy,
  confusionAt,
  evaluateBinary,
  f1,
  prCurve,
  precision,
  recall,
  rocAuc,
  selectThreshold,
} from '../../electron/engine/classify/metrics.js';
import { mulberry32 } from '../../electron/engine/classify/prng.js';

// Eight samples ranked by score; keeps at ranks 1, 3, 4 and 7.
const y = [1, 0, 1, 1, 0, 0, 1, 0];
const s = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2];
const close = (a: number, b: number, msg?: string) => assert.ok(Math.abs(a - b) < 1e-9, msg ?? `${a} != ${b}`);

test('confusion, accuracy, precision, recall and F1 at a threshold', () => {
  const c = confusionAt(y, s, 0.5); // predicted keep: 0.9 0.8 0.7 0.6 0.5
  assert.deepEqual(c, { tp: 3, fp: 2, tn: 2, fn: 1 });
  close(accuracy(c), 5 / 8);
  close(precision(c), 3 / 5);
  close(recall(c), 3 / 4);
  close(f1(c), 6 / 9);
  // Nothing predicted positive: precision and F1 are 0, not NaN.
  const none = confusionAt(y, s, 2);
  assert.equal(precision(none), 0);
  assert.equal(f1(none), 0);
});

test('ROC-AUC counts correctly ordered pairs, ties half', () => {
  // Pairs (keep above drop): 4 + 3 + 3 + 1 of 16.
  close(rocAuc(y, s), 11 / 16);
  close(rocAuc([1, 0], [0.5, 0.5]), 0.5);
  close(rocAuc([0, 0, 1, 1], [0.1, 0.2, 0.3, 0.4]), 1);
  close(rocAuc([1, 1, 0, 0], [0.1, 0.2, 0.3, 0.4]), 0);
  close(rocAuc([0, 1, 0, 1], [0.1, 0.2, 0.2, 0.4]), 7 / 8);
  assert.ok(Number.isNaN(rocAuc([1, 1], [0.2, 0.3])));
});

test('average precision sums precision over recall steps', () => {
  // Recall steps of 1/4 at precisions 1, 2/3, 3/4 and 4/7.
  close(averagePrecision(y, s), (1 + 2 / 3 + 3 / 4 + 4 / 7) / 4);
  close(averagePrecision([1, 1, 0], [0.9, 0.8, 0.1]), 1);
  assert.ok(Number.isNaN(averagePrecision([0, 0], [0.1, 0.2])));
});

test('threshold for max F1 and for a target precision', () => {
  // F1 by cut: .4 .333 .571 .75 .667 .6 .727 .667 -> best keeps the top four; halfway to 0.5.
  const best = selectThreshold(y, s, { kind: 'max-f1' });
  close(best.threshold, 0.55);
  close(best.f1, 0.75);
  close(best.precision, 0.75);
  close(best.recall, 0.75);
  assert.deepEqual(confusionAt(y, s, best.threshold), { tp: 3, fp: 1, tn: 3, fn: 1 });
  // Precision by cut: 1 .5 .667 .75 .6 .5 .571 .5.
  const p70 = selectThreshold(y, s, { kind: 'precision', target: 0.7 });
  close(p70.threshold, 0.55);
  assert.equal(p70.met, true);
  const p95 = selectThreshold(y, s, { kind: 'precision', target: 0.95 });
  close(p95.threshold, 0.85);
  close(p95.recall, 0.25);
  const impossible = selectThreshold([0, 1, 0], [0.9, 0.5, 0.1], { kind: 'precision', target: 0.99 });
  assert.equal(impossible.met, false);
  close(impossible.precision, 0.5);
  assert.equal(selectThreshold([], [], { kind: 'max-f1' }).met, false);
});

test('PR curve is thinned to 100 points from high to low threshold', () => {
  close(prCurve(y, s)[3].precision, 0.75);
  assert.equal(prCurve(y, s).length, 8);
  const rng = mulberry32(1);
  const labels = Array.from({ length: 2000 }, () => (rng() < 0.3 ? 1 : 0));
  const scores = labels.map((l) => l * 0.3 + rng());
  const curve = prCurve(labels, scores);
  assert.equal(curve.length, 100);
  for (let k = 1; k < curve.length; k++) {
    assert.ok(curve[k].threshold < curve[k - 1].threshold);
    assert.ok(curve[k].recall >= curve[k - 1].recall);
  }
  close(curve[curve.length - 1].recall, 1);
});

test('baseline and the combined report', () => {
  close(baselineAccuracy([1, 0, 0]), 2 / 3);
  close(baselineAccuracy([1, 1, 1, 0]), 3 / 4);
  const m = evaluateBinary(y, s, 0.55);
  assert.deepEqual(m.confusion, { tp: 3, fp: 1, tn: 3, fn: 1 });
  close(m.accuracy, 0.75);
  close(m.rocAuc, 11 / 16);
  close(m.baselineAccuracy, 0.5);
  assert.throws(() => confusionAt([1], [0.1, 0.2], 0.5), /differ/);
});
