import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { DatasetStore } from '../../electron/engine/store/dataset-store.ts';
import { importPaths } from '../../electron/engine/ingest/importer.ts';
import { checkStoredSamples, decontaminateStore } from '../../electron/engine/curate/contamination-check.ts';
import { loadBenchmarks } from '../../electron/engine/curate/benchmarks.ts';
import { createCpuPool } from '../../electron/engine/workers/cpu-pool.ts';
import { corpus, jsonl, TEAM_ITEMS } from '../support/benchmark-items.ts';
import { tempDir } from '../support/temp.ts';

// The check keeps two batches in flight (the pool matches one while the other is recorded). A
// cancel must still leave whole runs only, and the re-run must check exactly the rest.
test('a cancelled decontamination resumes after its last recorded run: nothing checked twice, the same flags', async () => {
  const dir = await tempDir();
  const db = join(dir, 'db');
  const { file } = await corpus(dir);
  const store = await DatasetStore.open(db);
  const imported = (await importPaths(store, [file], { textField: 'text' })).imported;
  assert.ok(imported >= 18, `${imported} samples`);
  const bench = join(dir, 'team.jsonl');
  await writeFile(bench, jsonl(TEAM_ITEMS));
  const pool = await createCpuPool(2);
  try {
    const opts = { benchmarks: [bench], ngram: 13, cosine: null, ast: true, batch: 3, pool };
    const ctrl = new AbortController();
    const progress: number[] = [];
    await assert.rejects(
      decontaminateStore(store, {
        ...opts,
        signal: ctrl.signal,
        onProgress: (done) => {
          progress.push(done);
          if (done >= 6) ctrl.abort(new Error('cancelled by the test'));
        },
      }),
      /cancelled by the test/,
    );
    const checked = store.index.ids.filter((id) => store.annotations.checkedBy(id, 'contamination')).length;
    // Whole runs of 3, at least the two reported, and not everything.
    assert.equal(checked % 3, 0, `${checked} checked`);
    assert.ok(checked >= 6 && checked < imported, `${checked} of ${imported} checked`);
    assert.equal(checked, progress[progress.length - 1], 'every recorded run was reported');

    const rest = await decontaminateStore(store, opts);
    assert.equal(rest.rechecked, imported - checked);
    assert.equal(rest.checked, imported);
    assert.equal(rest.flagged, 3);
    assert.equal(rest.by_method.ngram, 1);
    assert.equal(rest.by_method.ast, 2);
  } finally {
    await pool.close();
    await store.close();
  }
});

test('a check that is cancelled while a run is being recorded returns only after that run is settled', async () => {
  const dir = await tempDir();
  const db = join(dir, 'db');
  const { file } = await corpus(dir);
  const store = await DatasetStore.open(db);
  try {
    await importPaths(store, [file], { textField: 'text' });
    const bench = join(dir, 'team.jsonl');
    await writeFile(bench, jsonl(TEAM_ITEMS));
    const { items } = await loadBenchmarks([bench]);
    // Runs recorded slowly into a stand-in for the annotation store; the cancel comes inside the second.
    const ctrl = new AbortController();
    const events: string[] = [];
    let started = 0;
    const annotations = {
      checkedBy: () => undefined,
      annotationsOf: () => [],
      recordRun: async () => {
        const k = ++started;
        events.push(`start ${k}`);
        if (k === 2) ctrl.abort(new Error('cancelled inside a run'));
        await new Promise((r) => setTimeout(r, 150));
        events.push(`done ${k}`);
      },
    } as unknown as Parameters<typeof checkStoredSamples>[2]['annotations'];
    await assert.rejects(
      checkStoredSamples(store, items, {
        ngram: 13,
        cosine: null,
        ast: true,
        batch: 2,
        annotations,
        signal: ctrl.signal,
      }),
      /cancelled inside a run/,
    );
    events.push('returned');
    assert.deepEqual(events.slice(0, 4), ['start 1', 'done 1', 'start 2', 'done 2']);
    assert.equal(events.at(-1), 'returned');
    assert.equal(events.filter((e) => e.startsWith('start')).length, events.filter((e) => e.startsWith('done')).length);
  } finally {
    await store.close();
  }
});
