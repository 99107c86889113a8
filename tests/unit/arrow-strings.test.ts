import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as lancedb from '@lancedb/lancedb';
import { Field, Int32, Schema, Utf8, vectorFromArray } from 'apache-arrow';
import { stringCells } from '../../electron/engine/store/arrow-strings.js';
import { tempDir } from '../support/temp.js';

test('string cells decoded per batch equal Arrow get(i): ASCII ids, nulls, non-ASCII chunks, sliced data', async () => {
  const values = Array.from({ length: 5000 }, (_, i) =>
    i % 97 === 0 ? null : i % 1000 === 1 ? `naïve-${i}-ü` : `${i.toString(16).padStart(32, '0')}`,
  );
  // Straight from Arrow, and a slice of it (a non-zero data offset).
  const v = vectorFromArray(values, new Utf8());
  const cells = stringCells(v);
  for (let i = 0; i < values.length; i++) assert.equal(cells(i), v.get(i), `row ${i}`);
  const sliced = v.slice(1234, 3456);
  const sc = stringCells(sliced);
  for (let i = 0; i < sliced.length; i++) assert.equal(sc(i), sliced.get(i), `sliced row ${i}`);
  const ascii = vectorFromArray(['a', 'bc', '', 'def']);
  assert.deepEqual([0, 1, 2, 3].map(stringCells(ascii)), ['a', 'bc', '', 'def']);

  // And from LanceDB's own record batches, as the store reads them.
  const db = await lancedb.connect(await tempDir());
  const schema = new Schema([new Field('i', new Int32(), false), new Field('s', new Utf8(), true)]);
  const t = await db.createTable(
    'x',
    values.map((s, i) => ({ i, s })),
    { schema },
  );
  let n = 0;
  for await (const b of t.query().select(['i', 's'])) {
    const col = b.getChild('s')!;
    const get = stringCells(col);
    for (let k = 0; k < b.numRows; k++) {
      assert.equal(get(k), col.get(k));
      assert.equal(get(k), values[b.getChild('i')!.get(k) as number]);
      n++;
    }
  }
  assert.equal(n, values.length);
  db.close();
});
