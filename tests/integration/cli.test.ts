import assert from 'node:assert/strict';
import { cp, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { runTbs } from '../support/cli.ts';
import { STDLIB, tempDir } from '../support/temp.ts';

test('tbs import / stats / list / show end to end on real stdlib code', async () => {
  const dir = await tempDir();
  const db = join(dir, 'db');
  const src = join(dir, 'lib');
  await mkdir(src);
  for (const m of ['json', 'email/mime', 'html']) await cp(join(STDLIB, m), join(src, m), { recursive: true });
  const imp = await runTbs(['import', src, '--db', db, '--chunk', 'function', '--json']);
  assert.equal(imp.code, 0, imp.stderr);
  const summary = JSON.parse(imp.stdout);
  assert.ok(summary.imported > 20);
  assert.ok(Array.isArray(summary.errors));
  assert.ok(summary.errors.every((e: { file: string; message: string }) => e.file && e.message));

  const again = JSON.parse((await runTbs(['import', src, '--db', db, '--chunk', 'function', '--json'])).stdout);
  assert.equal(again.imported, 0);

  const stats = JSON.parse((await runTbs(['stats', '--db', db, '--json'])).stdout);
  assert.equal(stats.samples, summary.imported);
  assert.ok(stats.tokens > 1000);
  assert.deepEqual(stats.labels, { llm: 0, human: 0, classifier: 0 });

  const list = await runTbs([
    'list',
    '--db',
    db,
    '--json',
    '--sort',
    'tokens',
    '--desc',
    '--limit',
    '5',
    '--with-text',
  ]);
  assert.equal(list.code, 0, list.stderr);
  const rows = list.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.equal(rows.length, 5);
  for (const k of ['id', 'source', 'tokens', 'llm_score', 'human_score', 'classifier_score', 'text'])
    assert.ok(k in rows[0], k);
  assert.ok(rows[0].tokens >= rows[4].tokens);

  const all = (await runTbs(['list', '--db', db, '--json'])).stdout.trim().split('\n');
  assert.equal(all.length, summary.imported, 'list streams every row without a limit');

  const show = await runTbs(['show', rows[0].id, '--db', db]);
  assert.equal(show.code, 0);
  assert.ok(show.stdout.includes(rows[0].text.split('\n')[0]));
});

test('usage errors and foreign folders fail with a clear message and a non-zero exit', async () => {
  const dir = await tempDir();
  const bad = await runTbs(['list', '--db', join(dir, 'db'), '--limit', 'ten']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--limit expects a positive integer/);
  const missing = await runTbs(['stats', '--db', join(dir, 'nothing-here')]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /no dataset at/);
  const foreign = join(dir, 'foreign');
  await mkdir(foreign);
  await writeFile(join(foreign, 'notes.txt'), 'hello');
  const f = await runTbs(['import', STDLIB + '/json', '--db', foreign]);
  assert.equal(f.code, 1);
  assert.match(f.stderr, /not a Textbook Studio dataset/);
  const newer = join(dir, 'newer');
  await mkdir(newer);
  await writeFile(
    join(newer, 'config.json'),
    JSON.stringify({ format: 'textbook-studio-dataset', schemaVersion: 99, name: 'x', createdAt: 'now' }),
  );
  const n = await runTbs(['stats', '--db', newer]);
  assert.equal(n.code, 1);
  assert.match(n.stderr, /newer Textbook Studio \(schema 99/);
  const where = await runTbs(['list', '--db', newer, '--where', 'x']);
  assert.notEqual(where.code, 0);
});
