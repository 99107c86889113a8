import assert from 'node:assert/strict';
import { test } from 'node:test';
import { actionForKey, helpRows, hintItems, KEYMAP } from '../../renderer/features/review/keymap.js';

test('the keymap drives the handler: every bound key maps to its action, nothing else does', () => {
  const seen = new Set<string>();
  for (const b of KEYMAP) {
    for (const key of b.keys) {
      assert.ok(!seen.has(key), `key ${key} is bound twice`);
      seen.add(key);
      const hit = actionForKey(key);
      if (b.global) assert.equal(hit, null, `${key} belongs to the shell, not Review's handler`);
      else assert.equal(hit?.action, b.action, key);
    }
  }
  assert.deepEqual(
    ['0', '1', '2', '3', '4', '5'].map((k) => actionForKey(k)),
    [0, 1, 2, 3, 4, 5].map((score) => ({ action: 'score', score })),
  );
  for (const unbound of ['6', 'x', 'Tab', 'A', ' ']) assert.equal(actionForKey(unbound), null, unbound);
});

test('the ? sheet lists every binding and the hints bar a subset, both from the same table', () => {
  const rows = helpRows();
  assert.equal(rows.length, KEYMAP.length);
  for (const b of KEYMAP) {
    const row = rows.find((r) => r.what === b.what);
    assert.ok(row, `${b.action} is missing from the sheet`);
    assert.deepEqual(row.labels, b.labels);
  }
  const hints = hintItems();
  assert.ok(hints.length > 0 && hints.length < KEYMAP.length);
  for (const h of hints) {
    const b = KEYMAP.find((k) => k.hint === h.hint);
    assert.ok(b, `hint ${h.hint} has no binding`);
    for (const label of h.labels) assert.ok(b.labels.includes(label), `${h.hint}: ${label}`);
  }
  assert.ok(
    hints.some((h) => h.range && h.labels.join() === '0,5'),
    'scores show as the range 0–5',
  );
});
