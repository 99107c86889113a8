import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { IdRows } from '../../electron/engine/store/id-rows.ts';

const sha = (i: number) => createHash('sha256').update(String(i)).digest('hex').slice(0, 16);

test('id rows agree with a Map through adds, growth and a reset, for hex and arbitrary ids', () => {
  const ids: string[] = [];
  const t = new IdRows(ids);
  const m = new Map<string, number>();
  // Hex ids as imports make them, plus odd strings: empty, non-ASCII, lone surrogate, near-duplicates.
  const odd = ['', 'a', 'é', '\ud800', 's1', 's10', 's1\u0000', 'x'.repeat(300)];
  for (let i = 0; i < 20_000; i++) {
    const id = i < odd.length ? odd[i] : i % 7 === 0 ? `s${i}` : sha(i);
    if (m.has(id)) continue;
    ids.push(id);
    t.add(ids.length - 1);
    m.set(id, ids.length - 1);
  }
  assert.equal(t.size, m.size);
  for (const [id, r] of m) assert.equal(t.get(id), r, JSON.stringify(id));
  for (const id of ['missing', sha(-1), 's', 'é\u0000', 'x'.repeat(299)]) {
    assert.equal(t.get(id), undefined);
    assert.equal(t.has(id), false);
  }
  // A reset onto another array (a snapshot's ids): the same answers; a repeated id keeps its first row.
  const next = [...ids, ids[5]];
  t.reset(next);
  assert.equal(t.size, ids.length);
  for (const [id, r] of m) assert.equal(t.get(id), r);
  assert.equal(t.get(ids[5]), 5);
});
