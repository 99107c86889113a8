import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { Engine } from '../../electron/engine/engine.ts';
import { DatasetStore } from '../../electron/engine/store/dataset-store.ts';
import { importPaths } from '../../electron/engine/ingest/importer.ts';
import { importHumanLabels } from '../../electron/engine/label/label-io.ts';
import { createHashEmbedder } from '../../electron/engine/embed/hash-embedder.ts';
import { embedDataset } from '../../electron/engine/embed/embedding-store.ts';
import { trainModel } from '../../electron/engine/classify/training.ts';
import { scoreDataset } from '../../electron/engine/classify/scoring.ts';
import { HEURISTIC_WHERE_FIELDS } from '../../electron/engine/hygiene/heuristic-values.ts';
import { readRowSnapshot, rowSnapshotPath, writeRowSnapshot } from '../../electron/engine/store/row-snapshot.ts';
import { plantedSamples } from '../support/hygiene-fixtures.ts';
import { tempDir } from '../support/temp.ts';
import type { LabelRecord } from '../../shared/domain.ts';
import { randomUUID } from 'node:crypto';

// Opening reads classifier scores, heuristic statistics and scan coverage from per-row snapshots
// when they were written for this index and these table versions (row-snapshot.ts). These tests
// pin that an open from snapshots equals an open from the tables, that a snapshot is really read
// when its key matches, and that any write, a rebuilt index or a damaged file means the tables.

const DEMO = join(process.cwd(), 'resources/demo/samples.jsonl');
const KINDS = ['secret', 'pii', 'license', 'contamination'] as const;
const SNAPSHOTS = ['scores', 'heuristics', 'coverage', 'labels'];

/** Everything the snapshots stand for, per sample, in index order. */
function state(s: DatasetStore) {
  const out: unknown[] = [];
  for (let r = 0; r < s.index.size; r++) {
    const id = s.index.ids[r];
    out.push([
      id,
      s.index.cls[r],
      s.index.llm[r],
      s.index.llmKeep[r],
      s.index.human[r],
      KINDS.map((k) => s.annotations.checkedBy(id, k)?.runId ?? null),
      KINDS.map((k) => s.annotations.annotationsOf(id, k).map((a) => a.annotationId)),
      HEURISTIC_WHERE_FIELDS.map((f) => s.hygiene.heuristics.value(id, f)),
    ]);
  }
  return { rows: out, llm: s.llmSources(), active: s.activeLlmSource(), labelsVersion: s.labelsVersion };
}

/** LLM labels of two sources (each sample twice in one of them: the later label wins), one with a null score. */
function llmLabels(ids: string[]): LabelRecord[] {
  const out: LabelRecord[] = [];
  const t0 = Date.parse('2026-01-01T00:00:00Z');
  ids.forEach((sampleId, i) => {
    for (const [k, agent] of [
      [0, 'model-a|edu|1'],
      [1, 'model-b|edu|1'],
      [2, 'model-a|edu|1'],
    ] as const) {
      if (k === 1 && i % 3) continue;
      out.push({
        labelId: randomUUID(),
        sampleId,
        kind: 'llm',
        score: i === 1 && k === 2 ? null : (i + k) % 6,
        keep: (i + k) % 2 === 0,
        rationale: null,
        agent,
        origin: null,
        note: null,
        retracts: null,
        details: {},
        createdAt: new Date(t0 + 1000 * (k * 100_000 + i)).toISOString(),
      });
    }
  });
  return out;
}

async function build(db: string) {
  const engine = await Engine.open({ dir: db, create: true });
  const dir = join(db, '..');
  const planted = join(dir, 'planted.jsonl');
  const p = plantedSamples();
  await writeFile(
    planted,
    [
      { text: p.python, path: 'leaky.py' },
      { text: p.javascript, path: 'leaky.js' },
      { text: p.lookalikes, path: 'fine.py' },
    ]
      .map((x) => JSON.stringify(x))
      .join('\n'),
  );
  await importPaths(engine.store, [DEMO], { textField: 'text' });
  await importPaths(engine.store, [planted]);
  await importHumanLabels(engine.store, DEMO, { annotator: 'demo' });
  await engine.store.appendLabels(llmLabels(engine.store.index.ids.slice(0, 200)));
  await engine.store.flush();
  const emb = createHashEmbedder({ dims: 256 });
  await embedDataset(engine.store, emb, { spec: { kind: 'hash', dims: 256 } });
  const modelId = (await trainModel(engine.store, emb, { algo: 'logistic', seed: 3 })).modelId;
  await scoreDataset(engine.store, emb, modelId);
  await engine.close();
  return { emb, modelId };
}

test('an open from the per-row snapshots equals an open from the tables, and a matching snapshot is what is read', async () => {
  const dir = await tempDir();
  const db = join(dir, 'db');
  await build(db);
  for (const name of SNAPSHOTS) await rm(rowSnapshotPath(db, name), { force: true });

  // From the tables (a reader persists nothing), then a writer open that persists the snapshots.
  const fromTables = await DatasetStore.open(db, { mode: 'read' });
  const expected = state(fromTables);
  assert.ok(fromTables.index.size > 100);
  assert.ok(
    expected.rows.some((e) => (e as unknown[][])[6].some((list) => (list as unknown[]).length)),
    'findings',
  );
  assert.ok(
    expected.rows.every((e) => !Number.isNaN((e as number[])[1])),
    'every sample scored',
  );
  assert.equal(expected.llm.length, 2, 'two LLM sources');
  assert.ok(
    expected.rows.some((e) => Number.isNaN((e as number[])[2]) && (e as number[])[3] !== -1),
    'a label with a null score',
  );
  await fromTables.close();
  for (const name of SNAPSHOTS) assert.ok(!existsSync(rowSnapshotPath(db, name)), name);
  const w = await DatasetStore.open(db);
  assert.deepEqual(state(w), expected);
  const covKey = await w.rowSnapshotKey(['annotation_runs', 'annotation_coverage']);
  const scoreKey = await w.rowSnapshotKey(['scores'], { model: w.activeModelId });
  await w.close();
  for (const name of SNAPSHOTS) assert.ok(existsSync(rowSnapshotPath(db, name)), name);

  // From the snapshots: the same state.
  const r = await DatasetStore.open(db, { mode: 'read' });
  assert.deepEqual(state(r), expected);
  await r.close();

  // A snapshot under the current key is what is read: a planted score shows up...
  const snap = await readRowSnapshot(db, 'scores', scoreKey);
  assert.ok(snap);
  const cls = snap.columns.cls as Float32Array;
  cls[0] = 0.125;
  await writeRowSnapshot(db, 'scores', scoreKey, { cls });
  const r2 = await DatasetStore.open(db, { mode: 'read' });
  assert.equal(r2.index.cls[0], 0.125);
  await r2.close();
  // The same for the LLM labels: a planted score under the current key is what is read.
  const w0 = await DatasetStore.open(db, { mode: 'read' });
  const labelKey = await w0.rowSnapshotKey(['labels']);
  const active = w0.activeLlmSource();
  await w0.close();
  const lsnap = await readRowSnapshot(db, 'labels', labelKey);
  assert.ok(lsnap, 'labels snapshot for the current key');
  const k = (lsnap.extra as { sources: { name: string }[] }).sources.findIndex((x) => x.name === active);
  (lsnap.columns[`score:${k}`] as Float32Array)[0] = 4.5;
  await writeRowSnapshot(db, 'labels', labelKey, lsnap.columns, lsnap.extra);
  const r1 = await DatasetStore.open(db, { mode: 'read' });
  assert.equal(r1.index.llm[0], 4.5);
  await r1.close();
  // ... but not once the index is rebuilt from the table (another origin): the tables again.
  await rm(join(db, 'index-snapshot.bin'));
  const r3 = await DatasetStore.open(db, { mode: 'read' });
  assert.deepEqual(state(r3), expected);
  await r3.close();

  // A damaged snapshot is ignored, never trusted.
  const w2 = await DatasetStore.open(db);
  await w2.close();
  const cov = await readFile(rowSnapshotPath(db, 'coverage'));
  assert.ok(await readRowSnapshot(db, 'coverage', await rekey(db, covKey)));
  await writeFile(rowSnapshotPath(db, 'coverage'), cov.subarray(0, cov.length - 5));
  const r4 = await DatasetStore.open(db, { mode: 'read' });
  assert.deepEqual(state(r4), expected);
  await r4.close();
  // A flipped bit in the data (same length, header intact) fails the checksum: the tables again.
  assert.ok(existsSync(rowSnapshotPath(db, 'scores')));
  const scores = await readFile(rowSnapshotPath(db, 'scores'));
  const flipped = Buffer.from(scores);
  flipped[flipped.length - 9] ^= 0x40;
  await writeFile(rowSnapshotPath(db, 'scores'), flipped);
  const r5 = await DatasetStore.open(db, { mode: 'read' });
  assert.deepEqual(state(r5), expected);
  await r5.close();
});

/** The coverage key after index-snapshot.bin was rewritten (a new origin). */
async function rekey(db: string, old: Record<string, unknown>) {
  const s = await DatasetStore.open(db, { mode: 'read' });
  const k = await s.rowSnapshotKey(['annotation_runs', 'annotation_coverage']);
  await s.close();
  assert.notEqual(k.origin, old.origin);
  return k;
}

test('after a write (a new scan run, new scores, new statistics) an open reads the tables, not a stale snapshot', async () => {
  const dir = await tempDir();
  const db = join(dir, 'db');
  const { emb, modelId } = await build(db);
  const w = await DatasetStore.open(db);
  await w.close();
  const w2 = await DatasetStore.open(db);
  const id = w2.index.ids[3];
  const before = w2.annotations.checkedBy(id, 'secret')!.runId;
  const run = await w2.annotations.recordRun({ kind: 'secret', scope: 'test-rescan' }, [id], []);
  assert.notEqual(run.runId, before);
  // Statistics for a sample (as a re-scan under new rules records them).
  const t = await w2.table('sample_heuristics');
  await t.add([
    {
      sample_id: id,
      method: 'text-stats@1',
      lines: 4242,
      chars: 1,
      max_line_length: 1,
      mean_line_length: 1,
      alnum_fraction: 1,
      blob_chars: 0,
      autogenerated: 0,
      comment_ratio: 0,
    },
  ]);
  // A new LLM label (a third source, now the most recently used) and one more for an existing source.
  await w2.appendLabels(
    llmLabels([w2.index.ids[5]]).map((l, i) => ({
      ...l,
      agent: i ? l.agent : 'model-c|edu|2',
      createdAt: new Date(Date.now() + i).toISOString(),
    })),
  );
  await w2.close();
  // A second model's scores (the newest model becomes the active one).
  const e = await Engine.open({ dir: db });
  const m2 = (await trainModel(e.store, emb, { algo: 'logistic', seed: 9 })).modelId;
  assert.notEqual(m2, modelId);
  await scoreDataset(e.store, emb, m2);
  await e.close();

  const r = await DatasetStore.open(db, { mode: 'read' });
  assert.equal(r.annotations.checkedBy(id, 'secret')!.runId, run.runId);
  assert.equal(r.hygiene.heuristics.value(id, 'lines'), 4242);
  assert.equal(r.activeModelId, m2);
  assert.equal(r.activeLlmSource(), 'edu@model-a');
  assert.equal(r.llmSources().length, 3);
  const seen = state(r);
  await r.close();
  // The same as an open with no snapshot at all.
  for (const name of SNAPSHOTS) await rm(rowSnapshotPath(db, name), { force: true });
  const r0 = await DatasetStore.open(db, { mode: 'read' });
  assert.deepEqual(seen, state(r0));
  await r0.close();
});
