import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createHash } from 'node:crypto';
import { SampleIndex } from '../../electron/engine/store/sample-index.ts';
import { compileWhere } from '../../electron/engine/store/row-filter.ts';

function seeded(n: number, hexIds = false) {
  const idx = new SampleIndex();
  let s = 7;
  const rnd = () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let i = 0; i < n; i++) {
    idx.add({
      id: hexIds
        ? createHash('sha256').update(String(i)).digest('hex').slice(0, 32)
        : `id${String(i).padStart(5, '0')}`,
      source: `src/${i % 7}.py`,
      path: null,
      language: 'python',
      tokens: Math.floor(rnd() * 500),
      tokensExact: false,
    });
    if (rnd() < 0.5) idx.setLlm(i, Math.floor(rnd() * 6), rnd() < 0.5);
    if (rnd() < 0.3) idx.applyHuman(i, { labelId: `h${i}`, score: Math.floor(rnd() * 6), keep: true, retracts: null });
  }
  return idx;
}

test('order() sorts by value with nulls last and ties by id, in both directions', () => {
  for (const hex of [false, true])
    for (const field of ['llm_score', 'classifier_score', 'tokens'] as const) {
      const idx = seeded(2000, hex);
      for (let r = 0; r < idx.size; r += 3) idx.setClassifier(r, ((r * 7919) % 1000) / 1000);
      for (const desc of [false, true]) {
        const perm = idx.order(field, desc);
        assert.equal(perm.length, 2000);
        for (let i = 1; i < perm.length; i++) {
          const a = idx.value(field, perm[i - 1]) as number | null;
          const b = idx.value(field, perm[i]) as number | null;
          if (a === null) assert.equal(b, null, 'nulls last');
          else if (b !== null) {
            assert.ok(desc ? a >= b : a <= b);
            if (a === b) assert.ok(idx.ids[perm[i - 1]] < idx.ids[perm[i]]);
          }
        }
        assert.deepEqual(
          [...idx.order('id', false)].map((r) => idx.ids[r]),
          [...idx.ids].sort(),
        );
      }
    }
});

test('a cached order is invalidated when a value changes', () => {
  const idx = seeded(100);
  const before = idx.order('human_score', true)[0];
  const last = idx.order('human_score', true).at(-1)!;
  idx.applyHuman(last, { labelId: 'x', score: 5, keep: true, retracts: null });
  const after = idx.order('human_score', true);
  assert.ok(idx.value('human_score', after[0]) === 5);
  assert.ok(before !== undefined);
});

test('--where compiles to the same rows as a brute-force filter', () => {
  const idx = seeded(3000);
  const p = compileWhere("llm_score >= 3 AND human_score IS NULL AND source LIKE 'src/1%'", idx);
  let n = 0;
  for (let r = 0; r < idx.size; r++) {
    const expect =
      idx.value('llm_score', r) !== null &&
      (idx.value('llm_score', r) as number) >= 3 &&
      idx.value('human_score', r) === null &&
      idx.source[r].startsWith('src/1');
    assert.equal(p(r), expect);
    if (expect) n++;
  }
  assert.ok(n > 10);
  assert.throws(() => compileWhere('bogus > 1', idx), /unknown field "bogus"/);
  assert.throws(() => compileWhere('tokens >> 1', idx), /value|cannot read/);
});

test('sortRows gives a subset in exactly the order a full sort gives it, for every field and direction', () => {
  for (const hex of [false, true]) {
    const idx = seeded(3000, hex);
    for (let r = 0; r < idx.size; r += 3) idx.setClassifier(r, ((r * 7919) % 1000) / 1000);
    const subset = Int32Array.from({ length: idx.size }, (_, r) => r).filter((r) => (r * 2654435761) % 7 < 3);
    for (const field of ['llm_score', 'human_score', 'classifier_score', 'tokens', 'id', 'source'] as const)
      for (const desc of [false, true]) {
        const fresh = seeded(3000, hex);
        for (let r = 0; r < fresh.size; r += 3) fresh.setClassifier(r, ((r * 7919) % 1000) / 1000);
        const want = new Set(subset);
        const expected = [...idx.order(field, desc)].filter((r) => want.has(r));
        // A fresh index (no cached order): the subset sort must not depend on one.
        assert.equal(fresh.cachedOrder(field, desc), null);
        assert.deepEqual([...fresh.sortRows(subset, field, desc)], expected, `${field} ${desc ? 'desc' : 'asc'}`);
      }
  }
});

test('an index loaded with a persisted id order sorts like one that computed it; a bad order is not trusted', () => {
  const idx = seeded(500, true);
  const cols = {
    ids: [...idx.ids],
    source: [...idx.source],
    path: [...idx.path],
    language: [...idx.language],
    tokens: idx.tokens.slice(0, idx.size),
    tokensExact: idx.tokensExact.slice(0, idx.size),
  };
  const good = new SampleIndex();
  good.loadColumns({ ...cols, byRank: idx.idOrder().slice() });
  assert.deepEqual([...good.order('id', false)], [...idx.order('id', false)]);
  assert.deepEqual([...good.order('tokens', true)], [...idx.order('tokens', true)]);
  const bad = idx.idOrder().slice();
  bad[0] = bad[1]; // not a permutation
  const recomputed = new SampleIndex();
  recomputed.loadColumns({ ...cols, byRank: bad });
  assert.deepEqual([...recomputed.order('id', false)], [...idx.order('id', false)]);
});
