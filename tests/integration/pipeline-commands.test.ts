import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Engine } from '../../electron/engine/engine.ts';
import { importPaths } from '../../electron/engine/ingest/importer.ts';
import { DEMO_SAMPLES } from '../../electron/engine/pipeline/demo.ts';
import { startFakeOpenAI, type FakeOpenAI } from '../support/openai-server.ts';
import { tempDir } from '../support/temp.ts';

let server: FakeOpenAI | null = null;
after(async () => {
  await server?.close();
});

test('the contract drives label -> train -> score -> queue -> preview -> export through Engine.invoke, with job progress', async () => {
  const dir = await tempDir();
  const engine = await Engine.open({ dir: join(dir, 'db') });
  await importPaths(engine.store, [DEMO_SAMPLES], { textField: 'text' });
  server = await startFakeOpenAI();
  const est = await engine.invoke('llm.estimate', { baseURL: server.url, limit: 120 });
  assert.equal(est.calls, 120);
  assert.equal(server.requests.length, 0);
  const phases = new Set<string>();
  engine.jobs.on('job-progress', (p: { phase: string }) => phases.add(p.phase));
  const run = await engine.invoke('llm.run', { baseURL: server.url, limit: 120, concurrency: 8 });
  assert.equal(run.labeled, 120);
  assert.ok(phases.has('label'));
  const trained = await engine.invoke('model.train', { algo: 'logistic', sources: ['llm'] });
  assert.equal(trained.labelSnapshot.labeled, 120);
  assert.equal(trained.labelSnapshot.bySource.llm, 120);
  assert.ok(trained.metrics.f1 !== null && trained.metrics.f1 > 0.5, `F1 ${trained.metrics.f1}`);
  assert.equal(trained.active, true);
  const scored = await engine.invoke('model.score', {});
  assert.equal(scored.scored, 346);
  const models = await engine.invoke('model.list', {});
  assert.equal(models.length, 1);
  const q = await engine.invoke('queue.get', { kind: 'uncertainty', limit: 5 });
  assert.equal(q.length, 5);
  assert.ok(q.every((r) => r.llm_score === null || r.human_score === null));
  const sim = await engine.invoke('samples.similar', { id: q[0].id, k: 3 });
  assert.equal(sim.length, 3);
  const preview = await engine.invoke('export.preview', { nearDup: 0.95 });
  const selected = preview.funnel.find((f) => f.step === 'selected')!;
  assert.ok(selected.samples > 0 && selected.samples < 346);
  assert.ok((preview.histogram.llm?.total ?? 0) > 0, 'LLM-decided samples in the histogram');
  assert.ok((preview.histogram.classifier?.total ?? 0) > 0, 'classifier decides the unlabeled ones');
  const ex = await engine.invoke('export.run', { outDir: join(dir, 'out'), nearDup: 0.95, format: 'jsonl' });
  assert.deepEqual(ex.funnel, preview.funnel, 'the preview is exactly what gets written');
  assert.ok(ex.manifestPath);
  await assert.rejects(engine.invoke('export.run', { outDir: '' } as never), /outDir/);
  await engine.close();
});

test('a diversity queue before any embedding is a clear 409 and registers nothing (red-team: it broke training)', async () => {
  const dir = await tempDir();
  const engine = await Engine.open({ dir: join(dir, 'db'), create: true });
  try {
    const src = join(dir, 'code.jsonl');
    await writeFile(src, '{"text": "def f(x):\\n    return x + 1\\n"}\n{"text": "def g():\\n    pass\\n"}\n');
    await engine.invoke('samples.import', { paths: [src] });
    await assert.rejects(engine.invoke('queue.get', { kind: 'diversity' }), (e: Error & { code?: string }) => {
      assert.equal(e.code, 'conflict');
      assert.match(e.message, /no .* vectors yet/);
      return true;
    });
    assert.deepEqual(engine.store.config.embedders, {}, 'no embedder entry without its spec');
    assert.equal(engine.store.config.defaultEmbedder ?? null, null);
  } finally {
    await engine.close();
  }
});
