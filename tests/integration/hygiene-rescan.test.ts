import assert from 'node:assert/strict';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { Engine } from '../../electron/engine/engine.js';
import { importPaths } from '../../electron/engine/ingest/importer.js';
import { importHumanLabels } from '../../electron/engine/label/label-io.js';
import { exportFromStore } from '../../electron/engine/curate/store-export.js';
import { plantedSamples } from '../support/hygiene-fixtures.js';
import { tempDir } from '../support/temp.js';

// Flags from an older detector set are shown, but text leaves the machine only after a scan by
// today's detectors: an export re-scans such samples, and `tbs scan` refreshes them.
const fx = plantedSamples();
const OLD_SCOPE = 'secretlint-recommend@13.1.0+entropy+pii-regex@1';

test('an export re-scans samples whose flags came from an older detector set', async () => {
  const dir = await tempDir();
  const src = join(dir, 'rows.jsonl');
  await writeFile(src, [fx.python, fx.javascript].map((content) => JSON.stringify({ content })).join('\n') + '\n');
  const engine = await Engine.open({ dir: join(dir, 'db') });
  try {
    await importPaths(engine.store, [src], { textField: 'content' });
    const ids = [...engine.store.index.ids];
    const labels = join(dir, 'labels.jsonl');
    await writeFile(labels, ids.map((id) => JSON.stringify({ sample_id: id, score: 5 })).join('\n') + '\n');
    await importHumanLabels(engine.store, labels, { annotator: 'team' });
    assert.ok(engine.store.hygiene.flagsOf(ids[0]).length > 0, 'scanned at import');
    // As an older detector set left it: checked, nothing found (a `secretlint-disable` did that).
    for (const kind of ['secret', 'pii'] as const)
      await engine.store.annotations.recordRun({ kind, scope: OLD_SCOPE, params: { method: OLD_SCOPE } }, ids, []);
    assert.deepEqual(engine.store.hygiene.flagsOf(ids[0]), [], 'review shows what the latest scan found');
    assert.equal(engine.store.hygiene.spansOf(ids[0]), undefined, 'but nothing leaves on its word');

    const out = join(dir, 'out');
    const ex = await exportFromStore(engine.store, { outDir: out, format: 'jsonl', rule: { minScore: 3 } });
    assert.equal(ex.hygiene?.scannedNow, 2);
    let data = '';
    for (const f of await readdir(out, { recursive: true }))
      if (/\.(jsonl|json|md)$/.test(f)) data += await readFile(join(out, f), 'utf8');
    for (const value of Object.values(fx.values)) assert.ok(!data.includes(value), `${value.slice(0, 14)} leaked`);
    assert.ok(data.includes('<SECRET>') && data.includes('<PRIVATE_KEY>'));
  } finally {
    await engine.close();
  }
});

test('import errors name the place of a malformed row, never the text there', async () => {
  const dir = await tempDir();
  const token = fx.values.githubToken;
  const csv = join(dir, 'rows.csv');
  await writeFile(
    csv,
    `content,path,token\n"def f():\n    return 1",a.py,none\n"def g():\n    return 2",b.py,${token}"x\n`,
  );
  const jsonl = join(dir, 'rows.jsonl');
  await writeFile(
    jsonl,
    `{"content": "x = 1"}\n{"content": "x = 2", "author": ${fx.values.email}}\n{"content": "y", "token": ${token}}\n`,
  );
  const engine = await Engine.open({ dir: join(dir, 'db') });
  try {
    const r = await importPaths(engine.store, [csv, jsonl]);
    assert.equal(r.errorCount, 3, JSON.stringify(r.errors));
    // The good CSV row before the bad one and the good JSONL row are kept (red-team: a bad quote
    // used to drop the whole CSV file).
    assert.equal(r.imported, 2);
    const said = JSON.stringify(r.errors);
    for (const v of [token, token.slice(0, 10), fx.values.email, fx.values.email.slice(0, 8)])
      assert.ok(!said.includes(v), `${v} quoted in ${said}`);
    assert.match(said, /rows\.csv.*CSV parse failed/);
    assert.match(said, /malformed JSON: Unexpected token/);
  } finally {
    await engine.close();
  }
});

test('label-file errors do not echo long cell values (a key in the wrong column)', async () => {
  const dir = await tempDir();
  const src = join(dir, 'rows.jsonl');
  await writeFile(src, JSON.stringify({ content: 'def f():\n    return 1\n' }) + '\n');
  const engine = await Engine.open({ dir: join(dir, 'db') });
  try {
    await importPaths(engine.store, [src], { textField: 'content' });
    const id = engine.store.index.ids[0];
    const token = fx.values.githubToken;
    const labels = join(dir, 'labels.jsonl');
    await writeFile(
      labels,
      [
        { sample_id: token, score: 3 },
        { sample_id: id, score: token },
        { sample_id: id, keep: token },
      ]
        .map((r) => JSON.stringify(r))
        .join('\n') + `\n{"sample_id": "${id}", "score": ${token}}\n`,
    );
    const r = await importHumanLabels(engine.store, labels, { annotator: 'team' });
    assert.equal(r.errors.length, 4, JSON.stringify(r.errors));
    const said = JSON.stringify(r.errors);
    assert.ok(!said.includes(token.slice(0, 8)), said);
  } finally {
    await engine.close();
  }
});
