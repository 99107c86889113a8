import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { DatasetStore } from '../../electron/engine/store/dataset-store.ts';
import { importPaths } from '../../electron/engine/ingest/importer.ts';
import { decontaminateStore } from '../../electron/engine/curate/contamination-check.ts';
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
