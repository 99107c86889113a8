import assert from 'node:assert/strict';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { test } from 'node:test';
import { DatasetStore } from '../../electron/engine/store/dataset-store.ts';
import { SampleQuery } from '../../electron/engine/store/sample-query.ts';
import { importPaths } from '../../electron/engine/ingest/importer.ts';
import { importHumanLabels } from '../../electron/engine/label/label-io.ts';
import { decontaminateStore, DEFAULT_DECONTAMINATE_COSINE } from '../../electron/engine/curate/contamination-check.ts';
import { resolveEmbedder } from '../../electron/engine/embed/embedder-spec.ts';
import { decision } from '../../electron/engine/store/annotation-store.ts';
import { corpus, jsonl, TEAM_ITEMS } from '../support/benchmark-items.ts';
import { runTbs } from '../support/cli.ts';
import { tempDir } from '../support/temp.ts';

test('tbs decontaminate stores flags that list, --where and export honour; an overrule keeps the sample', async () => {
  const dir = await tempDir();
  const db = join(dir, 'db');
  const { file } = await corpus(dir);
  // Setup in-process (the machine is shared; each CLI process costs seconds), the steps under test via the CLI.
  const setup = await DatasetStore.open(db);
  const imported = (await importPaths(setup, [file], { textField: 'text' })).imported;
  await importHumanLabels(setup, file, { annotator: 'team' });
  await setup.close();
  const bench = join(dir, 'team.jsonl.gz');
  await writeFile(bench, gzipSync(jsonl(TEAM_ITEMS)));

  const r = await runTbs(['decontaminate', '--db', db, '--benchmarks', bench, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.checked, imported);
  assert.equal(out.flagged, 3);
  assert.deepEqual(out.errors, []);
  assert.equal(out.by_method.ngram, 1);
  assert.equal(out.by_method.ast, 2);
  assert.ok(out.by_method.embedding >= 0);

  // The flags survive the process (a reopen) and show in list rows and --where.
  const listed = await runTbs(['list', '--db', db, '--json', '--where', 'contaminated']);
  assert.equal(listed.code, 0, listed.stderr);
  const rows = listed.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.equal(rows.length, 3);
  assert.deepEqual(
    rows.map((x) => x.contamination.item).sort(),
    [TEAM_ITEMS[2].task_id, TEAM_ITEMS[10].task_id, TEAM_ITEMS[4].task_id].sort(),
  );
  assert.ok(rows.every((x) => x.contamination.benchmark === 'team' && x.contamination.status === 'flagged'));
  const store = await DatasetStore.open(db);
  const all = await new SampleQuery(store).list({ limit: 1000 });
  assert.equal(all.rows.filter((x) => x.contamination === null).length, imported - 3);

  // A second run checks nothing again (same benchmarks, same settings).
  const again = await decontaminateStore(store, {
    benchmarks: [bench],
    ngram: 13,
    cosine: DEFAULT_DECONTAMINATE_COSINE,
    ast: true,
    embedder: (await resolveEmbedder(store)).embedder,
  });
  assert.equal(again.rechecked, 0);
  assert.equal(again.flagged, 3);

  // A reviewer overrules the renamed copy's match.
  const renamedId = rows.find((x) => x.contamination.item === TEAM_ITEMS[10].task_id).id;
  await store.annotations.appendDecisions([
    decision(renamedId, 'contamination', `team/${TEAM_ITEMS[10].task_id}`, 'overrule', 'reviewer-1', 'own code'),
  ]);
  await store.close();

  const outDir = join(dir, 'out');
  const ex = await runTbs([
    'export',
    '--db',
    db,
    '--out',
    outDir,
    '--format',
    'jsonl',
    '--decontaminate',
    bench,
    '--json',
  ]);
  assert.equal(ex.code, 0, ex.stderr);
  const manifest = JSON.parse(await readFile(join(outDir, 'manifest.json'), 'utf8'));
  const table = manifest.decontamination.perBenchmark;
  assert.deepEqual(
    table.map((t: { benchmark: string; items: number; removed: number; overruled: number }) => [
      t.benchmark,
      t.items,
      t.removed,
      t.overruled,
    ]),
    [['team', TEAM_ITEMS.length, 2, 1]],
  );
  assert.equal(table[0].flagged.ast, 2, 'removed reformatted + overruled renamed, both by ast');
  const exported = (await readFile(join(outDir, 'data', (await readdir(join(outDir, 'data')))[0]), 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l).id as string);
  assert.ok(exported.includes(renamedId), 'the overruled sample is exported');
  assert.equal(exported.length, imported - 2);
  const card = await readFile(join(outDir, 'README.md'), 'utf8');
  assert.match(card, /\| team \| 24 \| 1 \| 2 \| 0 \| 2 \| 1 \|/);
  const reopened = await DatasetStore.open(db);
  assert.equal((await new SampleQuery(reopened).list({ where: 'contaminated' })).total, 2);
  assert.equal((await new SampleQuery(reopened).list({ where: 'NOT contaminated' })).total, imported - 2);
  await reopened.close();
});
