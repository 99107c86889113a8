import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { openDatasetFolder } from '../../electron/engine/store/dataset-folder.ts';
import { AnnotationStore, decision } from '../../electron/engine/store/annotation-store.ts';
import { DatasetStore } from '../../electron/engine/store/dataset-store.ts';
import { tempDir } from '../support/temp.ts';

const span = (text: string) => ({ span: text });

test('annotations, coverage and decisions survive a reopen; the latest run that checked a sample is current', async () => {
  const dir = join(await tempDir(), 'ds');
  let store = await DatasetStore.open(dir);
  const a = store.annotations;
  assert.equal(a.checkedBy('s1', 'contamination'), null);
  const r1 = await a.recordRun(
    { kind: 'contamination', scope: 'bench-v1' },
    ['s1', 's2', 's3'],
    [
      { sampleId: 's1', method: 'ngram', subject: 'toy/0', evidence: span('def f(x): return x') },
      { sampleId: 's2', method: 'ast', subject: 'toy/1', evidence: span('for i in range(n)') },
    ],
  );
  assert.equal(r1.checked, 3);
  await a.appendDecisions([decision('s2', 'contamination', 'toy/1', 'overrule', 'ann', 'common loop idiom')]);
  await store.close();

  store = await DatasetStore.open(dir);
  const b = store.annotations;
  assert.equal(b.checkedBy('s3', 'contamination')?.scope, 'bench-v1');
  assert.deepEqual(
    b.annotationsOf('s1', 'contamination').map((x) => [x.method, x.subject, x.evidence.span]),
    [['ngram', 'toy/0', 'def f(x): return x']],
  );
  assert.equal(b.activeOf('s1', 'contamination').length, 1);
  assert.equal(b.annotationsOf('s2', 'contamination').length, 1);
  assert.equal(b.activeOf('s2', 'contamination').length, 0, 'overruled match no longer acts');
  const d = b.decisionOf('s2', 'contamination', 'toy/1');
  assert.equal(d?.annotator, 'ann');
  assert.equal(d?.note, 'common loop idiom');
  assert.deepEqual([...b.annotatedSamples('contamination')].sort(), ['s1', 's2']);
  assert.equal(b.checkedBy('s1', 'secret'), null, 'kinds are independent');

  // A later run over s1 that finds nothing clears its finding; s2 keeps its own (not re-checked).
  await b.recordRun({ kind: 'contamination', scope: 'bench-v2' }, ['s1'], []);
  assert.equal(b.annotationsOf('s1', 'contamination').length, 0);
  assert.equal(b.checkedBy('s1', 'contamination')?.scope, 'bench-v2');
  // A re-run finding the same subject again keeps the overrule (decisions are keyed by subject).
  await b.recordRun(
    { kind: 'contamination', scope: 'bench-v2' },
    ['s2'],
    [{ sampleId: 's2', method: 'ast', subject: 'toy/1', evidence: span('for i in range(n)') }],
  );
  assert.equal(b.activeOf('s2', 'contamination').length, 0);
  await b.appendDecisions([decision('s2', 'contamination', 'toy/1', 'confirm', 'lead')]);
  assert.equal(b.activeOf('s2', 'contamination').length, 1, 'the latest decision wins');
  await store.close();

  store = await DatasetStore.open(dir);
  assert.equal(store.annotations.annotationsOf('s1', 'contamination').length, 0);
  assert.equal(store.annotations.activeOf('s2', 'contamination').length, 1);
  assert.equal(store.annotations.runsOf('contamination').length, 3);
  await store.close();
});

test('rows of a run whose run row was never written (a crash mid-write) do not count', async () => {
  const dir = join(await tempDir(), 'ds');
  const folder = await openDatasetFolder(dir);
  const a = await AnnotationStore.open(folder);
  await a.recordRun(
    { kind: 'license', scope: 'spdx' },
    ['s1'],
    [{ sampleId: 's1', method: 'header', subject: 'MIT', evidence: {} }],
  );
  // Simulate the first two writes of a run that died before its run row.
  await (
    await folder.table('annotations')
  ).add([
    {
      annotation_id: 'x',
      sample_id: 's1',
      kind: 'license',
      method: 'header',
      subject: 'GPL-3.0',
      evidence: '{}',
      run_id: 'dead-run',
      created_at: new Date().toISOString(),
    },
  ]);
  await (await folder.table('annotation_coverage')).add([{ run_id: 'dead-run', sample_id: 's1' }]);
  folder.db.close();
  const again = await AnnotationStore.open(await openDatasetFolder(dir));
  assert.deepEqual(
    again.annotationsOf('s1', 'license').map((x) => x.subject),
    ['MIT'],
  );
});
