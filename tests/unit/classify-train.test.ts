import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createClassifier, loadClassifier, trainAndEvaluate } from '../../electron/engine/classify/classifier.js';
import { mulberry32 } from '../../electron/engine/classify/prng.js';

/** A noisy nonlinear rule over 16 features: keep when x0 + x1^2 > 0.9 (about 30 %). */
function data(n: number, seed: number) {
  const rng = mulberry32(seed);
  const X: Float32Array[] = [];
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const row = Float32Array.from({ length: 16 }, () => rng());
    X.push(row);
    y[i] = row[0] + row[1] * row[1] + 0.15 * (rng() - 0.5) > 0.9 ? 1 : 0;
  }
  return { ids: X.map((_, i) => `id-${i}`), X, y };
}

const d = data(1500, 1);

for (const algo of ['forest', 'logistic'] as const) {
  test(`trainAndEvaluate (${algo}) reports honest held-out metrics`, () => {
    const r = trainAndEvaluate({
      ...d,
      algo,
      seed: 5,
      testFraction: 0.2,
      thresholdRule: { kind: 'max-f1' },
      hyper: { nTrees: 40 },
    });
    const m = r.metrics;
    assert.equal(m.trainSize + m.testSize, 1500);
    assert.equal(m.testSize, 300);
    assert.equal(
      m.positives,
      d.y.reduce((a, b) => a + b, 0),
    );
    assert.equal(r.thresholdSource, algo === 'forest' ? 'out-of-bag' : 'cross-validation');
    assert.ok(m.accuracy > m.baselineAccuracy + 0.1, `accuracy ${m.accuracy} vs baseline ${m.baselineAccuracy}`);
    assert.ok(m.rocAuc > 0.9 && m.prAuc > 0.75 && m.f1 > 0.7, JSON.stringify({ ...m, prCurve: undefined }));
    const { tp, fp, tn, fn } = m.confusion;
    assert.equal(tp + fp + tn + fn, m.testSize);
    assert.ok(m.prCurve.length > 0 && m.prCurve.length <= 100);
    assert.equal(r.trainIds.length, m.trainSize);
    assert.ok(!r.testIds.some((id) => r.trainIds.includes(id)));

    // A saved model comes back with identical predictions.
    const restored = loadClassifier(JSON.parse(JSON.stringify(r.model.toJSON())));
    assert.equal(restored.algo, algo);
    assert.deepEqual(restored.predictProba(d.X.slice(0, 200)), r.model.predictProba(d.X.slice(0, 200)));
  });
}

test('a precision target trades recall for precision', () => {
  const loose = trainAndEvaluate({ ...d, algo: 'logistic', seed: 2 });
  const strict = trainAndEvaluate({
    ...d,
    algo: 'logistic',
    seed: 2,
    thresholdRule: { kind: 'precision', target: 0.97 },
  });
  assert.ok(strict.threshold > loose.threshold);
  assert.ok(strict.metrics.precision >= loose.metrics.precision);
  assert.ok(strict.metrics.recall <= loose.metrics.recall);
});

test('training needs both classes and aligned inputs', () => {
  assert.throws(() => trainAndEvaluate({ ...d, y: new Uint8Array(1500), algo: 'forest' }), /both keep and drop/);
  assert.throws(() => trainAndEvaluate({ ...d, ids: d.ids.slice(1), algo: 'forest' }), /align/);
  assert.throws(() => createClassifier('forest').predictProba(d.X), /before fit/);
  assert.throws(() => loadClassifier({ algo: 'svm' }), /not a saved classifier/);
});

test('the Classifier interface fits and predicts for both algorithms', () => {
  for (const algo of ['forest', 'logistic'] as const) {
    const c = createClassifier(algo);
    c.fit(d.X, d.y, { seed: 3, nTrees: 10 });
    const p = c.predictProba(d.X);
    assert.equal(p.length, d.X.length);
    assert.ok(p.every((v) => v >= 0 && v <= 1));
  }
});
