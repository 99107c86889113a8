import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { errorCodeOf } from '../../shared/errors.ts';
import { Engine } from '../../electron/engine/engine.ts';
import { DEMO_SAMPLES } from '../../electron/engine/pipeline/demo.ts';
import { startFakeOpenAI } from '../support/openai-server.ts';
import { STDLIB, tempDir } from '../support/temp.ts';

// Cancellation in every phase of every job the studio runs: each job is started through the
// contract, cancelled (jobs.cancel) as soon as it reports the phase, and must end as cancelled
// without finishing the work; the same call afterwards completes what is left.

type Started = { jobId: string; phase: string };

/** Starts `run`, cancels its job at the first progress report of `phase` (any phase when null). */
async function cancelAt(engine: Engine, kind: string, phase: string | null, run: () => Promise<unknown>) {
  let seen: Started | null = null;
  const onProgress = (p: { jobId: string; kind: string; phase: string }) => {
    if (seen || p.kind !== kind || (phase && p.phase !== phase)) return;
    seen = { jobId: p.jobId, phase: p.phase };
    void engine.invoke('jobs.cancel', { jobId: p.jobId });
  };
  engine.jobs.on('job-progress', onProgress);
  let outcome: unknown;
  let error: (Error & { code?: string }) | null = null;
  try {
    outcome = await run();
  } catch (e) {
    error = e as Error & { code?: string };
  } finally {
    engine.jobs.off('job-progress', onProgress);
  }
  assert.ok(seen, `${kind}: never reported phase ${phase}`);
  const job = engine.jobs.list().find((j) => j.jobId === seen!.jobId)!;
  assert.equal(job.state.status, 'cancelled', `${kind} at ${phase}: ${JSON.stringify(job.state)}`);
  // The code every host maps the error to (an AbortError from a stream counts as cancelled too).
  if (error) assert.equal(errorCodeOf(error), 'cancelled', `${kind} at ${phase}: ${error.message}`);
  return outcome as Record<string, unknown> | undefined;
}

test('every job stops when cancelled in each of its phases, and the same call afterwards finishes the rest', async () => {
  const dir = await tempDir();
  const fake = await startFakeOpenAI({ latencyMs: 150 });
  const engine = await Engine.open({ dir: join(dir, 'db'), create: true });
  try {
    // Import: cancelled while reading files; the re-run imports what is missing, nothing twice.
    const src = ['asyncio', 'email', 'xml', 'unittest', 'http', 'logging'].map((p) => join(STDLIB, p));
    const partial = await cancelAt(engine, 'import', null, () =>
      engine.invoke('samples.import', { paths: src, chunk: 'function' }),
    );
    assert.equal(partial?.cancelled, true);
    const full = await engine.invoke('samples.import', { paths: src, chunk: 'function' });
    // (What was already read and parsed when the cancel came is still stored: store-import.test.ts
    // checks the batch boundary itself.)
    const afterImport = (await engine.stats()).samples;
    assert.equal(afterImport, Number(partial?.imported ?? 0) + full.imported, 'nothing stored twice');
    await engine.invoke('samples.import', { paths: [DEMO_SAMPLES], textField: 'text' });
    await engine.invoke('labels.importHuman', { path: DEMO_SAMPLES, annotator: 'demo-team' });

    // Train: cancelled while embedding and at the fit; no model is saved; then it trains.
    for (const phase of ['embed', 'train']) {
      await cancelAt(engine, 'train', phase, () => engine.invoke('model.train', { algo: 'logistic' }));
      assert.equal((await engine.invoke('model.list', {})).length, 0, `no model saved after a cancel at ${phase}`);
    }
    const model = await engine.invoke('model.train', { algo: 'logistic' });
    assert.ok(model.modelId);

    // Score: cancelled mid-way, then resumed.
    const scored = await cancelAt(engine, 'score', 'score', () => engine.invoke('model.score', {}));
    const rest = await engine.invoke('model.score', {});
    assert.ok(Number(scored?.scored ?? 0) < (await engine.stats()).samples, 'the cancelled score stopped early');
    assert.equal((await engine.stats()).labels.classifier, (await engine.stats()).samples, JSON.stringify(rest));

    // LLM labeling: cancelled while calls are in flight; the re-run pays only for what is missing.
    const llmInput = { limit: 40, concurrency: 4, baseURL: fake.url, model: 'gpt-4o-mini' };
    const labeled = await cancelAt(engine, 'llm-label', 'label', () => engine.invoke('llm.run', llmInput));
    const callsAfterCancel = fake.requests.length;
    assert.ok(callsAfterCancel < 40, `cancel stopped the calls (${callsAfterCancel} made)`);
    const again = await engine.invoke('llm.run', llmInput);
    assert.equal(Number(labeled?.labeled ?? 0) + again.labeled, 40, JSON.stringify({ labeled, again }));

    // Export: cancelled in its stages; the folder is not written, and the re-run writes it.
    const outDir = join(dir, 'export');
    await cancelAt(engine, 'export', null, () => engine.invoke('export.run', { outDir, nearDup: 0.9 }));
    const { existsSync } = await import('node:fs');
    assert.ok(!existsSync(join(outDir, 'manifest.json')), 'a cancelled export leaves no export behind');
    const ex = await engine.invoke('export.run', { outDir, nearDup: 0.9 });
    assert.ok(ex.manifestPath && existsSync(ex.manifestPath));
  } finally {
    await engine.close();
    await fake.close();
  }
});
