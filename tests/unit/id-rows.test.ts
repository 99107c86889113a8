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

test('a stored id table is adopted when it maps its ids back, and refused (nothing changed) when it does not', () => {
  const ids = Array.from({ length: 5000 }, (_, i) => sha(i));
  const built = new IdRows([]);
  built.reset(ids);
  const copy = () => {
    const t = built.table();
    return { slots: t.slots.slice(), hashes: t.hashes.slice(), count: t.count };
  };
  const t = new IdRows([]);
  assert.equal(t.adopt(ids, copy()), true);
  for (let r = 0; r < ids.length; r++) assert.equal(t.get(ids[r]), r);
  assert.equal(t.get('missing'), undefined);
  t.add((ids.push(sha(-5)), ids.length - 1));
  assert.equal(t.get(sha(-5)), ids.length - 1);

  const other = Array.from({ length: 5000 }, (_, i) => sha(i + 1));
  const kept = new IdRows([]);
  kept.reset(other);
  // Another dataset's ids, a wrong count, a slot out of range, a slot pointing at the wrong row.
  const wrongRow = copy();
  const i = wrongRow.slots.findIndex((v) => v !== 0);
  wrongRow.slots[i] = wrongRow.slots[i] === 1 ? 2 : 1;
  const outOfRange = copy();
  outOfRange.slots[outOfRange.slots.findIndex((v) => v !== 0)] = 1e9;
  for (const bad of [copy(), { ...copy(), count: 4999 }, outOfRange]) assert.equal(kept.adopt(other, bad), false);
  // A single wrong slot may fall between the spot checks; with checks on every row it is refused.
  assert.equal(kept.adopt(ids.slice(0, 5000), wrongRow, 5000), false);
  for (let r = 0; r < other.length; r++) assert.equal(kept.get(other[r]), r);
  assert.equal(kept.size, 5000);
});
