import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { Engine } from '../../electron/engine/engine.ts';
import { importPaths } from '../../electron/engine/ingest/importer.ts';
import { sampleIdOf } from '../../electron/engine/ingest/normalize.ts';
import { runTbs } from '../support/cli.ts';
import { tempDir } from '../support/temp.ts';

test('human labels import from CSV and JSONL by id or by text, with per-line errors, idempotently; export writes every record', async () => {
  const dir = await tempDir();
  const src = join(dir, 'src.jsonl');
  const codes = ['def a():\n    return 1\n', 'def b():\n    return 2\n', 'def c():\n    return 3\n'];
  await writeFile(src, codes.map((c) => JSON.stringify({ content: c })).join('\n'));
  const db = join(dir, 'db');
  const engine = await Engine.open({ dir: db });
  await importPaths(engine.store, [src]);
  await engine.close();
  const csv = join(dir, 'labels.csv');
  await writeFile(
    csv,
    [
      'id,score,annotator,note',
      `${sampleIdOf(codes[0])},4,alice,nice`,
      `${sampleIdOf(codes[1])},9,alice,`,
      `deadbeef,3,alice,`,
      `${sampleIdOf(codes[2])},1,,`,
    ].join('\n'),
  );
  const r1 = await runTbs(['labels', 'import', csv, '--db', db, '--json']);
  assert.equal(r1.code, 0, r1.stderr);
  const s1 = JSON.parse(r1.stdout);
  assert.equal(s1.imported, 1);
  assert.deepEqual(
    s1.errors.map((e: { line: number; field: string }) => [e.line, e.field]),
    [
      [3, 'score'],
      [4, 'id'],
      [5, 'annotator'],
    ],
  );
  const jsonl = join(dir, 'labels.jsonl');
  await writeFile(
    jsonl,
    [
      JSON.stringify({ text: codes[1], score: 2, annotator: 'bob', rationale: 'plain' }),
      '{oops',
      JSON.stringify({ text: codes[2], keep: true }),
    ].join('\n'),
  );
  const r2 = JSON.parse(
    (await runTbs(['labels', 'import', jsonl, '--db', db, '--annotator', 'carol', '--json'])).stdout,
  );
  assert.equal(r2.imported, 2);
  assert.equal(r2.errors[0].line, 2);
  const again = JSON.parse(
    (await runTbs(['labels', 'import', jsonl, '--db', db, '--annotator', 'carol', '--json'])).stdout,
  );
  assert.equal(again.imported, 0);
  assert.equal(again.alreadyPresent, 2);
  const out = join(dir, 'all.jsonl');
  assert.equal((await runTbs(['labels', 'export', '--db', db, '--out', out])).code, 0);
  const recs = (await readFile(out, 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.equal(recs.length, 3);
  assert.ok(recs.every((r) => r.kind === 'human' && r.origin === 'import'));
  const bin = recs.find((r) => r.agent === 'carol');
  assert.equal(bin.score, null);
  assert.equal(bin.keep, true);
  const e2 = await Engine.open({ dir: db });
  assert.equal((await e2.invoke('samples.get', { id: sampleIdOf(codes[0]) })).row.human_score, 4);
  assert.equal((await e2.invoke('samples.get', { id: sampleIdOf(codes[1]) })).labels[0].rationale, 'plain');
  await e2.close();
});
