import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stratifiedKFold, stratifiedSplit } from '../../electron/engine/classify/split.js';

const n = 1000;
const ids = Array.from({ length: n }, (_, i) => `sample-${String((i * 7919) % 10007).padStart(5, '0')}`);
const y = Uint8Array.from(ids, (_, i) => (i % 5 === 0 ? 1 : 0)); // 200 keeps, 800 drops
const countPos = (idx: number[]) => idx.filter((i) => y[i] === 1).length;

test('stratified split keeps class proportions and partitions the rows', () => {
  const { train, test: held } = stratifiedSplit(ids, y, { testFraction: 0.25, seed: 1 });
  assert.equal(held.length, 250);
  assert.equal(countPos(held), 50);
  assert.equal(countPos(train), 150);
  assert.deepEqual(
    [...train, ...held].sort((a, b) => a - b),
    Array.from({ length: n }, (_, i) => i),
  );
  assert.deepEqual(
    train,
    [...train].sort((a, b) => a - b),
  );
});

test('the split depends on ids and seed, not on row order', () => {
  const a = stratifiedSplit(ids, y, { testFraction: 0.2, seed: 42 });
  const b = stratifiedSplit(ids, y, { testFraction: 0.2, seed: 42 });
  assert.deepEqual(a, b);
  // Same rows fetched in another order: the same ids land in the test set.
  const perm = Array.from({ length: n }, (_, i) => n - 1 - i);
  const c = stratifiedSplit(
    perm.map((i) => ids[i]),
    Uint8Array.from(perm, (i) => y[i]),
    { testFraction: 0.2, seed: 42 },
  );
  const testIds = (s: { test: number[] }, order: string[]) => new Set(s.test.map((i) => order[i]));
  assert.deepEqual(
    testIds(
      c,
      perm.map((i) => ids[i]),
    ),
    testIds(a, ids),
  );
  const d = stratifiedSplit(ids, y, { testFraction: 0.2, seed: 43 });
  assert.notDeepEqual(d.test, a.test);
});

test('tiny classes stay on both sides', () => {
  const smallY = Uint8Array.from([1, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
  const smallIds = Array.from(smallY, (_, i) => `s${i}`);
  const { train, test: held } = stratifiedSplit(smallIds, smallY, { testFraction: 0.1, seed: 3 });
  assert.equal(held.filter((i) => smallY[i] === 1).length, 1);
  assert.equal(train.filter((i) => smallY[i] === 1).length, 1);
  assert.throws(() => stratifiedSplit(smallIds, smallY, { testFraction: 1, seed: 1 }), RangeError);
});

test('stratified k-fold: each row tested once, folds balanced', () => {
  const folds = stratifiedKFold(ids, y, { k: 5, seed: 9 });
  assert.equal(folds.length, 5);
  const seen = new Int32Array(n);
  for (const f of folds) {
    for (const i of f.test) seen[i]++;
    assert.equal(f.train.length + f.test.length, n);
    assert.equal(f.test.length, 200);
    assert.equal(countPos(f.test), 40);
    const inTest = new Set(f.test);
    assert.ok(f.train.every((i) => !inTest.has(i)));
  }
  assert.ok(seen.every((c) => c === 1));
  assert.deepEqual(stratifiedKFold(ids, y, { k: 5, seed: 9 }), folds);
  // Uneven sizes differ by at most one.
  const sizes = stratifiedKFold(ids.slice(0, 103), y.slice(0, 103), { k: 4, seed: 1 }).map((f) => f.test.length);
  assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `${sizes}`);
});

test('a split of 3x10^5 labels works (a spread push overflowed the stack at this size)', () => {
  const n = 300_000;
  const ids = Array.from({ length: n }, (_, i) => `s${i}`);
  const y = Uint8Array.from({ length: n }, (_, i) => (i % 7 === 0 ? 1 : 0));
  const { train, test: held } = stratifiedSplit(ids, y, { testFraction: 0.2, seed: 3 });
  assert.equal(train.length + held.length, n);
  assert.equal(new Set([...train, ...held]).size, n);
  const pos = held.filter((i) => y[i] === 1).length;
  assert.ok(Math.abs(pos / held.length - 1 / 7) < 0.001, `stratified: ${pos} of ${held.length}`);
});
