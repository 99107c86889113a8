import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { parquetReadObjects, asyncBufferFromFile } from 'hyparquet';
import { Engine } from '../../electron/engine/engine.ts';
import { importPaths } from '../../electron/engine/ingest/importer.ts';
import { importHumanLabels } from '../../electron/engine/label/label-io.ts';
import { runTbs } from '../support/cli.ts';
import { tempDir } from '../support/temp.ts';

const DEMO = join(process.cwd(), 'resources/demo/samples.jsonl');

async function halves(dir: string) {
  const lines = (await readFile(DEMO, 'utf8')).trim().split('\n');
  const a = join(dir, 'a.jsonl');
  const b = join(dir, 'b.jsonl');
  await writeFile(a, lines.slice(0, 170).join('\n') + '\n');
  await writeFile(b, lines.slice(170).join('\n') + '\n');
  return [a, b];
}

const sha = async (f: string) =>
  createHash('sha256')
    .update(await readFile(f))
    .digest('hex');

test('two datasets that imported the same files in opposite orders export byte-identical data files', async () => {
  const dir = await tempDir();
  const [a, b] = await halves(dir);
  const outs: string[] = [];
  for (const [name, order] of [
    ['one', [a, b]],
    ['two', [b, a]],
  ] as const) {
    const db = join(dir, name);
    for (const f of order) {
      assert.equal((await runTbs(['import', f, '--db', db, '--text-field', 'text'])).code, 0);
      assert.equal((await runTbs(['labels', 'import', f, '--db', db, '--annotator', 'demo-team'])).code, 0);
    }
    assert.equal((await runTbs(['embed', '--db', db])).code, 0);
    const out = join(dir, `${name}-out`);
    const r = await runTbs([
      'export',
      '--db',
      db,
      '--out',
      out,
      '--format',
      'parquet',
      '--near-dup',
      '0.9',
      '--max-tokens',
      '20000',
      '--json',
    ]);
    assert.equal(r.code, 0, r.stderr);
    outs.push(out);
  }
  const files = (await readdir(join(outs[0], 'data'))).sort();
  assert.deepEqual(files, (await readdir(join(outs[1], 'data'))).sort());
  for (const f of files) assert.equal(await sha(join(outs[0], 'data', f)), await sha(join(outs[1], 'data', f)), f);
  const manifest = JSON.parse(await readFile(join(outs[0], 'manifest.json'), 'utf8'));
  const rows = await parquetReadObjects({ file: await asyncBufferFromFile(join(outs[0], 'data', files[0])) });
  const budget = manifest.funnel.find((s: { step: string }) => s.step === 'budget');
  assert.equal(rows.length, budget.samples);
  assert.ok((rows as unknown as { tokens: number }[]).reduce((t, r) => t + Number(r.tokens), 0) <= 20000);
  assert.ok(
    (rows as unknown as { decided_by: string; human_score: number }[]).every(
      (r) => r.decided_by === 'human' && r.human_score >= 3,
    ),
  );
  for (const f of manifest.files) assert.equal(await sha(join(outs[0], f.path)), f.sha256);
});

test('a planted copy of a benchmark item is dropped and reported; its neighbours stay; a non-empty folder is refused', async () => {
  const dir = await tempDir();
  const engine = await Engine.open({ dir: join(dir, 'db') });
  await importPaths(engine.store, [DEMO], { textField: 'text' });
  await importHumanLabels(engine.store, DEMO, { annotator: 'demo-team' });
  const kept = (await engine.query.list({ where: 'human_score >= 4', sort: 'tokens', desc: true, limit: 3 })).rows;
  const victim = (await engine.store.getSample(kept[0].id))!;
  await engine.close();
  const bench = join(dir, 'humaneval.jsonl');
  await writeFile(
    bench,
    [
      JSON.stringify({
        task_id: 'HumanEval/999',
        prompt: victim.text.split('\n').slice(0, 3).join('\n') + '\n',
        canonical_solution: victim.text.split('\n').slice(3).join('\n'),
        test: 'def check(c): pass',
      }),
      'not json',
    ].join('\n'),
  );
  const out = join(dir, 'out');
  const r = await runTbs([
    'export',
    '--db',
    join(dir, 'db'),
    '--out',
    out,
    '--format',
    'jsonl',
    '--decontaminate',
    bench,
    // The garbage line is half the file: without this the export stops (fail loud, issue 12).
    '--allow-benchmark-errors',
    '--json',
  ]);
  assert.equal(r.code, 0, r.stderr);
  const res = JSON.parse(r.stdout);
  assert.deepEqual(
    res.contaminated.map((c: { sampleId: string }) => c.sampleId),
    [victim.id],
    JSON.stringify(res.contaminated).slice(0, 600),
  );
  assert.equal(res.contaminated[0].matches[0].itemId, 'HumanEval/999');
  assert.equal(res.benchmark_errors[0].line, 2);
  const data = (await readFile(join(out, 'data', (await readdir(join(out, 'data')))[0]), 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  const ids = new Set(data.map((d) => d.id));
  assert.ok(!ids.has(victim.id));
  assert.ok(ids.has(kept[1].id) && ids.has(kept[2].id));
  const again = await runTbs(['export', '--db', join(dir, 'db'), '--out', out, '--format', 'jsonl']);
  assert.notEqual(again.code, 0);
  assert.match(again.stderr, /not empty|overwrite/i);
});

test('kill -9 mid-export leaves no complete-looking output; the next export cleans up and succeeds', async () => {
  const dir = await tempDir();
  const db = join(dir, 'db');
  assert.equal((await runTbs(['demo', '--db', db, '--out', join(dir, 'first'), '--json'])).code, 0);
  const out = join(dir, 'crash-out');
  const { spawn } = await import('node:child_process');
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(process.cwd(), 'electron/cli/tbs.ts'),
      'export',
      '--db',
      db,
      '--out',
      out,
      '--near-dup',
      '0.9',
      '--format',
      'jsonl',
    ],
    { stdio: 'ignore', env: { ...process.env, LANCEDB_LOG: 'error' } },
  );
  let staging: string | undefined;
  while (!staging) {
    staging = (await readdir(dir)).find((n) => n.startsWith('crash-out.tmp-'));
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 2));
  }
  child.kill('SIGKILL');
  await new Promise((r) => child.once('close', r));
  assert.ok(staging, 'the export was killed while writing its staging folder');
  assert.ok(!(await readdir(dir)).includes('crash-out'), 'no folder named like the finished export');
  const again = await runTbs(['export', '--db', db, '--out', out, '--near-dup', '0.9', '--format', 'jsonl', '--json']);
  assert.equal(again.code, 0, again.stderr);
  const left = (await readdir(dir)).filter((n) => n.startsWith('crash-out.tmp-'));
  assert.deepEqual(left, [], 'the stale staging folder was removed');
  assert.ok(!(await readdir(out)).includes('.writer-pid'));
  JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8'));
});
