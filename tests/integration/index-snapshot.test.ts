import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { DatasetStore } from '../../electron/engine/store/dataset-store.ts';
import { importPaths } from '../../electron/engine/ingest/importer.ts';
import { readIndexSnapshot } from '../../electron/engine/store/index-snapshot.ts';
import { STDLIB, tempDir } from '../support/temp.ts';

const columns = (s: DatasetStore) => ({
  ids: [...s.index.ids],
  source: [...s.index.source],
  path: [...s.index.path],
  language: [...s.index.language],
  tokens: Array.from(s.index.tokens.subarray(0, s.index.size)),
  exact: Array.from(s.index.tokensExact.subarray(0, s.index.size)),
  // Every id finds its row (through the stored id table when the snapshot was used).
  rows: s.index.ids.map((id) => s.index.row(id)),
});
const versions = async (s: DatasetStore) => ({
  samples: await (await s.table('samples')).version(),
  token_counts: await (await s.table('token_counts')).version(),
});

test('the index snapshot is used only for the table versions it was built from, and gives the same index', async () => {
  const dir = await tempDir();
  const db = join(dir, 'db');
  const w = await DatasetStore.open(db);
  await importPaths(w, [join(STDLIB, 'json')], { chunk: 'function' });
  // Odd strings: non-ASCII, a NUL, a null path (JSONL rows without a path).
  const rows = join(dir, 'odd.jsonl');
  await writeFile(
    rows,
    [{ text: 'x = "é\u0000ü"\n' }, { text: 'def f():\n    return "ü"\n' }].map((r) => JSON.stringify(r)).join('\n'),
  );
  await importPaths(w, [rows], {});
  const before = columns(w);
  await w.close();

  // The first writer open after the import scans and persists; a reader then loads the snapshot.
  const w2 = await DatasetStore.open(db);
  const v = await versions(w2);
  await w2.close();
  assert.ok(existsSync(join(db, 'index-snapshot.bin')));
  const snap = await readIndexSnapshot(db, v);
  assert.ok(snap, 'the snapshot matches the current versions');
  assert.deepEqual(snap.ids, before.ids);
  // The id order travels with it, so the first sorted page after an open sorts no ids.
  assert.deepEqual(
    [...snap.byRank!].map((r) => snap.ids[r]),
    [...before.ids].sort(),
  );
  assert.ok(before.path.includes(null));
  // Sources and paths are stored once each; the id table covers every id.
  assert.equal(snap.idTable?.count, before.ids.length);
  assert.deepEqual(
    before.rows,
    before.ids.map((_, i) => i),
  );
  const r = await DatasetStore.open(db, { mode: 'read' });
  assert.deepEqual(columns(r), before);
  await r.close();

  // Any write to samples makes it stale: the next open scans (sees the new rows) instead.
  const w3 = await DatasetStore.open(db);
  await importPaths(w3, [join(STDLIB, 'csv.py')], { chunk: 'function' });
  const grown = columns(w3);
  assert.ok(grown.ids.length > before.ids.length);
  const v3 = await versions(w3);
  await w3.close();
  assert.equal(await readIndexSnapshot(db, v3), null, 'a snapshot of older versions is not used');
  const r2 = await DatasetStore.open(db, { mode: 'read' });
  assert.deepEqual(columns(r2), grown);
  await r2.close();

  // A damaged snapshot is ignored, never trusted.
  const w4 = await DatasetStore.open(db);
  await w4.close();
  const bytes = await readFile(join(db, 'index-snapshot.bin'));
  await writeFile(join(db, 'index-snapshot.bin'), bytes.subarray(0, bytes.length - 7));
  const r3 = await DatasetStore.open(db, { mode: 'read' });
  assert.deepEqual(columns(r3), grown);
  await r3.close();
  // So is one flipped bit anywhere past the header (here in the id -> row table or the tokens):
  // the file's CRC-32 no longer matches, and the tables are read.
  const w5 = await DatasetStore.open(db);
  const v5 = await versions(w5);
  await w5.close();
  const whole = await readFile(join(db, 'index-snapshot.bin'));
  assert.ok(await readIndexSnapshot(db, v5), 'the snapshot a writer just wrote is read');
  for (const at of [Math.floor(whole.length / 2), whole.length - 20]) {
    const flipped = Buffer.from(whole);
    flipped[at] ^= 0x10;
    await writeFile(join(db, 'index-snapshot.bin'), flipped);
    assert.equal(await readIndexSnapshot(db, v5), null, `bit flipped at ${at}`);
    const r4 = await DatasetStore.open(db, { mode: 'read' });
    assert.deepEqual(columns(r4), grown);
    await r4.close();
  }
});

test('--db s3://... or gs://... is refused with a clear error; nothing is created locally', async () => {
  const dir = await tempDir();
  const cwd = process.cwd();
  process.chdir(dir);
  try {
    for (const uri of ['s3://bucket/ds', 'gs://bucket/ds'])
      await assert.rejects(DatasetStore.open(uri), /object storage URIs are not supported as --db/);
    assert.deepEqual(await readdir(dir), []);
  } finally {
    process.chdir(cwd);
  }
});
