import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { exportFromStore } from '../../electron/engine/curate/store-export.ts';
import { resolveEmbedder } from '../../electron/engine/embed/embedder-spec.ts';
import { embedDataset } from '../../electron/engine/embed/embedding-store.ts';
import { importPaths } from '../../electron/engine/ingest/importer.ts';
import { importHumanLabels } from '../../electron/engine/label/label-io.ts';
import { DatasetStore } from '../../electron/engine/store/dataset-store.ts';
import { createCpuPool } from '../../electron/engine/workers/cpu-pool.ts';
import { jsonl, programOf, TEAM_ITEMS } from '../support/benchmark-items.ts';
import { STDLIB, tempDir } from '../support/temp.ts';

// Real standard-library packages, function-chunked: thousands of samples with real near-duplicates
// (overloads, generated accessors, copied helpers), plus two benchmark programs planted as samples.
const INPUTS = ['email', 'asyncio', 'unittest', 'logging', 'json', 'xml', 'idlelib', 'multiprocessing', 'http'].map(
  (d) => join(STDLIB, d),
);

test('an export with LSH near-dup (proposals on worker threads), decontamination and Parquet shards encoded on the threads writes the same files with 1 and 2 workers', async () => {
  const dir = await tempDir();
  const planted = join(dir, 'planted');
  await writeFile(join(dir, 'bench.jsonl'), jsonl(TEAM_ITEMS));
  await mkdir(planted);
  await writeFile(join(planted, 'copies.py'), `${programOf(TEAM_ITEMS[2])}\n\n${programOf(TEAM_ITEMS[4])}\n`);
  const runs: { files: Record<string, string>; funnel: { step: string; samples: number }[] }[] = [];
  for (const workers of [1, 2]) {
    const real = await createCpuPool(workers);
    after(() => real.close());
    assert.equal(real.workers, workers);
    const calls = { parquet: 0, candidates: 0, prebits: 0, hashedFromBits: 0 };
    const pool = {
      ...real,
      parquet: (t: Parameters<typeof real.parquet>[0]) => (calls.parquet++, real.parquet(t)),
      lshCandidates: (t: Parameters<typeof real.lshCandidates>[0]) => (calls.candidates++, real.lshCandidates(t)),
      lshPrebits: (t: Parameters<typeof real.lshPrebits>[0]) => (calls.prebits++, real.lshPrebits(t)),
      lshHash: (t: Parameters<typeof real.lshHash>[0]) => (t.pre && calls.hashedFromBits++, real.lshHash(t)),
    };
    const store = await DatasetStore.open(join(dir, `db${workers}`), { create: true });
    try {
      const r = await importPaths(store, [...INPUTS, planted], { chunk: 'function', pool });
      const { embedder, spec } = await resolveEmbedder(store);
      await embedDataset(store, embedder, { pool, spec: { ...spec } });
      const labels = join(dir, `labels${workers}.jsonl`);
      await writeFile(labels, jsonl(store.index.ids.map((id) => ({ sample_id: id, score: 4 }))));
      await importHumanLabels(store, labels, { annotator: 'team' });
      const out = join(dir, `out${workers}`);
      const res = await exportFromStore(store, {
        outDir: out,
        format: 'parquet',
        // Several shards, so the 2-thread run encodes two side by side.
        shardBytes: 150_000,
        rule: { nearDup: 0.9 },
        nearDupCandidates: { mode: 'lsh' },
        benchmarks: [join(dir, 'bench.jsonl')],
        pool,
      });
      assert.ok(r.imported > 1000, `${r.imported} samples`);
      const files: Record<string, string> = {};
      for (const f of (await readdir(out, { recursive: true })).filter((f) => f.endsWith('.parquet')))
        files[f] = createHash('sha256')
          .update(await readFile(join(out, f)))
          .digest('hex');
      runs.push({ files, funnel: res.funnel });
      if (workers === 2) {
        assert.equal(calls.parquet, Object.keys(files).length, 'every shard encoded on a thread');
        assert.ok(calls.candidates > 0, 'near-dup proposals made on the threads');
        assert.ok(calls.prebits > 0, 'the vectors hashed ahead, while the texts were read');
        assert.ok(calls.hashedFromBits > 0, "the pass's keys derived from those bits");
      } else
        assert.deepEqual(calls, { parquet: 0, candidates: 0, prebits: 0, hashedFromBits: 0 }, 'one worker: all inline');
    } finally {
      await store.close();
      await pool.close();
    }
  }
  const [one, two] = runs;
  const step = (name: string) => one.funnel.find((f) => f.step === name)!.samples;
  assert.ok(step('near-dup') < step('exact-dup') - 50, `near-dup removed ${step('exact-dup') - step('near-dup')}`);
  assert.ok(step('decontaminated') < step('near-dup'), 'the planted benchmark copies are dropped');
  assert.ok(Object.keys(one.files).length >= 3, `${Object.keys(one.files).length} Parquet shards`);
  assert.deepEqual(two.funnel, one.funnel);
  assert.deepEqual(two.files, one.files, 'byte-identical data files');
});
