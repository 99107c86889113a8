import assert from 'node:assert/strict';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { BenchmarkLoadError } from '../../electron/engine/curate/benchmarks.ts';
import { exportFromStore } from '../../electron/engine/curate/store-export.ts';
import { DatasetStore } from '../../electron/engine/store/dataset-store.ts';
import { importPaths } from '../../electron/engine/ingest/importer.ts';
import { importHumanLabels } from '../../electron/engine/label/label-io.ts';
import { corpus, TEAM_ITEMS } from '../support/benchmark-items.ts';
import { runTbs } from '../support/cli.ts';
import { tempDir } from '../support/temp.ts';

test('export stops on a missing, zero-item or garbage benchmark; --allow-benchmark-errors records it', async () => {
  const dir = await tempDir();
  const db = join(dir, 'db');
  const { file } = await corpus(dir);
  const setup = await DatasetStore.open(db);
  await importPaths(setup, [file], { textField: 'text' });
  await importHumanLabels(setup, file, { annotator: 'team' });
  await setup.close();
  const empty = join(dir, 'empty.jsonl');
  await writeFile(empty, '');
  const garbage = join(dir, 'HumanEvalish.jsonl.gz');
  await writeFile(garbage, 'this is not gzip and not json\n\u0001\u0002\n');
  await mkdir(join(dir, 'out-parent'));
  for (const [bench, re] of [
    [join(dir, 'missing.jsonl'), /missing\.jsonl: cannot read: ENOENT/],
    [empty, /empty\.jsonl: no items/],
    [garbage, /HumanEvalish\.jsonl\.gz:1: no usable items in 2 lines; first problem: invalid JSON/],
  ] as const) {
    const out = join(dir, 'out-parent', 'x');
    const store = await DatasetStore.open(db);
    await assert.rejects(
      exportFromStore(store, { outDir: out, format: 'jsonl', rule: {}, benchmarks: [bench] }),
      (e: Error) => e instanceof BenchmarkLoadError && re.test(e.message) && /--allow-benchmark-errors/.test(e.message),
    );
    await store.close();
    assert.deepEqual(await readdir(join(dir, 'out-parent')), [], 'nothing written');
  }
  // The same through the CLI: a non-zero exit naming file, line and reason.
  const g = await runTbs(['export', '--db', db, '--out', join(dir, 'out-parent', 'y'), '--decontaminate', garbage]);
  assert.equal(g.code, 1, `the garbage file must stop the export`);
  assert.match(g.stderr, /HumanEvalish\.jsonl\.gz:1: no usable items/);
  assert.deepEqual(await readdir(join(dir, 'out-parent')), []);
  const d = await runTbs(['decontaminate', '--db', db, '--benchmarks', empty]);
  assert.equal(d.code, 1);
  assert.match(d.stderr, /empty\.jsonl: no items/);
  const good = join(dir, 'team.json');
  await writeFile(good, JSON.stringify(TEAM_ITEMS));
  const out = join(dir, 'allowed');
  const r = await runTbs([
    'export',
    '--db',
    db,
    '--out',
    out,
    '--decontaminate',
    `${good},${empty}`,
    '--allow-benchmark-errors',
    '--decontaminate-cosine',
    'off',
  ]);
  assert.equal(r.code, 0, r.stderr);
  const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8'));
  assert.deepEqual(
    manifest.decontamination.errors.map((e: { benchmark: string; fatal: boolean }) => [e.benchmark, e.fatal]),
    [['empty', true]],
  );
  assert.deepEqual(
    manifest.decontamination.perBenchmark.map((t: { benchmark: string; removed: number }) => [t.benchmark, t.removed]),
    [
      ['team', 3],
      ['empty', 0],
    ],
  );
});
