import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { Engine } from '../../electron/engine/engine.ts';
import { importPaths } from '../../electron/engine/ingest/importer.ts';
import { importHumanLabels } from '../../electron/engine/label/label-io.ts';
import { createHashEmbedder } from '../../electron/engine/embed/hash-embedder.ts';
import { embedDataset, embeddingTable, embeddedIds } from '../../electron/engine/embed/embedding-store.ts';
import { trainModel } from '../../electron/engine/classify/training.ts';
import { scoreDataset } from '../../electron/engine/classify/scoring.ts';
import { agreementReport, binaryKappa, quadraticKappa } from '../../electron/engine/classify/agreement.ts';
import { reviewQueue, similarSamples } from '../../electron/engine/classify/queues.ts';
import { STDLIB, tempDir } from '../support/temp.ts';

const DEMO = join(process.cwd(), 'resources/demo/samples.jsonl');

async function demoEngine(dir: string) {
  const engine = await Engine.open({ dir: join(dir, 'db') });
  await importPaths(engine.store, [DEMO], { textField: 'text' });
  const li = await importHumanLabels(engine.store, DEMO, { annotator: 'demo-team' });
  assert.equal(li.errors.length, 0);
  return engine;
}

test('the classifier learns the demo labels and beats majority, always-keep and length-only baselines by >= 0.1 F1; shuffled labels do not', async () => {
  const dir = await tempDir();
  const engine = await demoEngine(dir);
  const emb = createHashEmbedder({ dims: 512 });
  await embedDataset(engine.store, emb);
  for (const algo of ['forest', 'logistic'] as const) {
    const m = await trainModel(engine.store, emb, { algo, seed: 7 });
    const floor = Math.max(m.baselines.majorityF1, m.baselines.alwaysKeepF1, m.baselines.lengthOnlyF1) + 0.1;
    assert.ok(m.metrics.f1 >= floor, `${algo}: F1 ${m.metrics.f1} vs floor ${floor} (${JSON.stringify(m.baselines)})`);
    assert.ok(m.metrics.accuracy > m.metrics.baselineAccuracy);
    assert.equal(m.labelSnapshot.labeled, 346);
  }
  const shuffled = await trainModel(engine.store, emb, { algo: 'forest', seed: 7, shuffleLabels: true });
  const floor =
    Math.max(shuffled.baselines.majorityF1, shuffled.baselines.alwaysKeepF1, shuffled.baselines.lengthOnlyF1) + 0.1;
  assert.ok(shuffled.metrics.f1 < floor, `shuffled F1 ${shuffled.metrics.f1} must fall below ${floor}`);
  await engine.store.reloadClassifierScores();
  assert.notEqual(engine.store.activeModelId, shuffled.modelId, 'a sanity-check model never becomes active by default');
  await engine.close();
});

test('embedding is incremental and deterministic; scoring writes probabilities and resumes after cancel', async () => {
  const dir = await tempDir();
  const engine = await demoEngine(dir);
  const emb = createHashEmbedder({ dims: 256 });
  const first = await embedDataset(engine.store, emb);
  assert.equal(first.embedded, 346);
  const again = await embedDataset(engine.store, emb);
  assert.equal(again.embedded, 0);
  await importPaths(engine.store, [join(STDLIB, 'json')], { chunk: 'function' });
  const more = await embedDataset(engine.store, emb);
  assert.equal(more.embedded, engine.store.index.size - 346);
  const table = await embeddingTable(engine.store, emb);
  assert.equal((await embeddedIds(table)).size, engine.store.index.size);
  const [row] = await table.query().limit(1).toArray();
  const s = (await engine.store.getSample(row.sample_id))!;
  const [v] = await emb.embed([{ text: s.text, language: s.language, astCounts: s.astCounts }]);
  assert.deepEqual(Array.from(row.vector.toArray() as Float32Array), Array.from(v));

  const m = await trainModel(engine.store, emb, { algo: 'logistic', seed: 1 });
  // Training activates the new model in the open store: scoring below fills the index's column.
  assert.equal(engine.store.activeModelId, m.modelId);
  const ctl = new AbortController();
  const partial = await scoreDataset(engine.store, emb, m.modelId, {
    signal: ctl.signal,
    batchRows: 100,
    onProgress: (p) => {
      if (p.phase === 'score' && p.done > 0) ctl.abort();
    },
  });
  assert.equal(partial.cancelled, true);
  assert.ok(partial.scored > 0 && partial.scored < engine.store.index.size);
  const rest = await scoreDataset(engine.store, emb, m.modelId);
  assert.equal(rest.scored + partial.scored, engine.store.index.size);
  assert.equal(rest.alreadyScored, partial.scored);
  assert.equal((await engine.stats()).labels.classifier, engine.store.index.size);
  const probs = (await engine.query.list({ sort: 'classifier_score', desc: true, limit: 5 })).rows.map(
    (r) => r.classifier_score!,
  );
  assert.ok(probs.every((p) => p >= 0 && p <= 1));
  assert.ok(probs[0] >= probs[4]);
  // Unlabeled stdlib samples now form the uncertainty queue, nearest the threshold first.
  const q = await reviewQueue(engine.store, 'uncertainty', { threshold: m.threshold, limit: 10 });
  assert.ok(q.length > 0);
  assert.ok(q.every((r) => r.human_score === null));
  const d = q.map((r) => Math.abs(r.classifier_score! - m.threshold));
  assert.deepEqual(
    d,
    [...d].sort((a, b) => a - b),
  );
  const div = await reviewQueue(engine.store, 'diversity', { threshold: m.threshold, limit: 5, embedder: emb });
  assert.equal(div.length, 5);
  const sim = await similarSamples(engine.store, emb, row.sample_id, 5);
  assert.equal(sim.length, 5);
  assert.ok(sim.every((h, i) => i === 0 || h.distance >= sim[i - 1].distance));
  const agree = await agreementReport(engine.store, m.threshold);
  assert.ok(agree.keep.some((p) => p.pair === 'classifier vs human:demo-team' && p.n === 346));
  await engine.close();
});

test('kappa matches known examples', () => {
  assert.equal(quadraticKappa([0, 1, 2, 3, 4, 5], [0, 1, 2, 3, 4, 5]), 1);
  // Raters one point apart on 3 of 8 items: 1 - 3/52 (cross-checked with an independent Python computation).
  const k = quadraticKappa([0, 1, 2, 3, 4, 5, 0, 5], [1, 1, 2, 2, 4, 5, 0, 4]);
  assert.ok(Math.abs(k - (1 - 3 / 52)) < 1e-12, String(k));
  assert.ok(quadraticKappa([0, 5, 0, 5], [5, 0, 5, 0]) < 0);
  // Cohen's textbook example: 20 yes/yes, 15 no/no, 5 yes/no, 10 no/yes -> po .7, pe .5, kappa .4
  const a = [...Array(20).fill(1), ...Array(15).fill(0), ...Array(5).fill(1), ...Array(10).fill(0)];
  const b = [...Array(20).fill(1), ...Array(15).fill(0), ...Array(5).fill(0), ...Array(10).fill(1)];
  assert.ok(Math.abs(binaryKappa(a, b) - 0.4) < 1e-9);
});
