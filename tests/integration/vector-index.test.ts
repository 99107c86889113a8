import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Sample } from '../../shared/domain.ts';
import { DatasetStore } from '../../electron/engine/store/dataset-store.ts';
import { sampleToRow } from '../../electron/engine/store/row-mapping.ts';
import { chunkPython } from '../../electron/engine/ingest/python-parser.ts';
import { estimateTokens, sampleIdOf } from '../../electron/engine/ingest/normalize.ts';
import { createHashEmbedder } from '../../electron/engine/embed/hash-embedder.ts';
import { embedDataset, embeddingTable } from '../../electron/engine/embed/embedding-store.ts';
import {
  VECTOR_INDEX_MIN_ROWS,
  ensureVectorIndex,
  searchOptions,
  tunedVectorSearch,
  vectorIndexInfo,
} from '../../electron/engine/embed/vector-index.ts';
import { similarSamples } from '../../electron/engine/classify/queues.ts';
import { renameIdentifiers } from '../bench/corpus.ts';
import { STDLIB, tempDir } from '../support/temp.ts';

/** Short real top-level functions/classes of the standard library (short keeps embedding fast). */
async function stdlibChunks(max: number) {
  const files: string[] = [];
  const walk = (d: string) => {
    for (const n of readdirSync(d).sort()) {
      const p = join(d, n);
      if (n === '__pycache__' || n === 'test' || n === 'tests') continue;
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else if (n.endsWith('.py')) files.push(p);
    }
  };
  walk(STDLIB);
  const out: { text: string; astCounts: Record<string, number>; file: string }[] = [];
  const ids = new Set<string>();
  for (const f of files) {
    if (out.length >= max) break;
    for (const c of await chunkPython(readFileSync(f, 'utf8'), 'function')) {
      const id = sampleIdOf(c.text);
      if (c.text.length > 700 || ids.has(id)) continue;
      ids.add(id);
      out.push({ text: c.text, astCounts: c.astCounts, file: f });
    }
  }
  return out.slice(0, max);
}

/** Writes `n` samples: the real chunks, then seeded identifier-renamed variants of them. */
async function fillStore(store: DatasetStore, chunks: Awaited<ReturnType<typeof stdlibChunks>>, n: number, from = 0) {
  const samples = await store.table('samples');
  const at = new Date().toISOString();
  let batch: ReturnType<typeof sampleToRow>[] = [];
  let written = 0;
  for (let v = 0; written < n; v++) {
    for (const c of chunks) {
      if (written >= n) break;
      const text = v === 0 ? c.text : renameIdentifiers(c.text, v + from);
      const id = sampleIdOf(text);
      if (store.index.has(id)) continue;
      const s: Sample = {
        id,
        text,
        language: 'python',
        source: `${c.file}#v${v + from}`,
        repo: null,
        path: c.file,
        startLine: 1,
        endLine: 1,
        chunk: 'function',
        tokens: estimateTokens(text),
        tokensExact: false,
        metadata: {},
        astCounts: c.astCounts,
        importedAt: at,
      };
      batch.push(sampleToRow(s, 'test'));
      store.index.add({ id, source: s.source, path: s.path, language: 'python', tokens: s.tokens, tokensExact: false });
      written++;
      if (batch.length >= 10_000) {
        await samples.add(batch);
        batch = [];
      }
    }
  }
  if (batch.length) await samples.add(batch);
}

test('a large embedding table gets the tuned ANN index; similarSamples keeps exact-search recall; small tables stay flat', async () => {
  const dir = await tempDir();
  const chunks = await stdlibChunks(1500);
  assert.ok(chunks.length >= 1000, `only ${chunks.length} stdlib chunks`);
  const emb = createHashEmbedder({ dims: 256 });

  // Below the threshold: no index, and search is the exact flat scan.
  const small = await DatasetStore.open(join(dir, 'small'), { create: true });
  await fillStore(small, chunks, 2000);
  const s1 = await embedDataset(small, emb);
  assert.equal(s1.vectorIndex?.action, 'none');
  assert.equal((await (await embeddingTable(small, emb)).listIndices()).length, 0);
  assert.equal((await similarSamples(small, emb, small.index.ids[0], 5)).length, 5);
  await small.close();

  // ~60k real-ish vectors: the index is built by embedDataset.
  const n = VECTOR_INDEX_MIN_ROWS + 10_000;
  const store = await DatasetStore.open(join(dir, 'large'), { create: true });
  await fillStore(store, chunks, n);
  const s2 = await embedDataset(store, emb, { batchSize: 1024 });
  assert.equal(s2.embedded, n);
  assert.equal(s2.vectorIndex?.action, 'built');
  let table = await embeddingTable(store, emb);
  const info = await vectorIndexInfo(table);
  assert.ok(info, 'an ANN index on vector');
  assert.equal(info!.builtRows, n);
  const stats = (await table.indexStats(info!.name))!;
  assert.equal(stats.indexType, 'IVF_HNSW_SQ');
  assert.equal(stats.distanceType, 'cosine');
  assert.equal(stats.numIndexedRows, n);
  assert.ok(
    (await table.listIndices()).some((ix) => ix.columns.includes('sample_id')),
    'a BTREE on sample_id for the vector lookup',
  );

  // similarSamples against exact search (bypassVectorIndex) for a few probes.
  let hits = 0;
  let total = 0;
  for (let p = 0; p < 8; p++) {
    const id = store.index.ids[(p * 7919) % n];
    const got = await similarSamples(store, emb, id, 10);
    assert.equal(got.length, 10);
    const [row] = await table.query().where(`sample_id = '${id}'`).select(['vector']).limit(1).toArray();
    const exact = await table
      .vectorSearch(Array.from(row.vector.toArray() as Float32Array))
      .distanceType('cosine')
      .bypassVectorIndex()
      .limit(11)
      .select(['sample_id', '_distance'])
      .toArray();
    const truth = exact.filter((h) => h.sample_id !== id).slice(0, 10);
    const kth = truth[9]._distance as number;
    const want = new Set(truth.map((h) => h.sample_id as string));
    for (const g of got) if (want.has(g.row.id) || g.distance <= kth + 1e-5) hits++;
    total += 10;
    // Refined distances are exact cosine distances, as without an index.
    const d0 = truth.find((h) => h.sample_id === got[0].row.id);
    if (d0) assert.ok(Math.abs((d0._distance as number) - got[0].distance) < 1e-4);
    for (let i = 1; i < got.length; i++) assert.ok(got[i].distance >= got[i - 1].distance - 1e-6);
  }
  assert.ok(hits / total >= 0.9, `recall@10 ${hits / total}`);

  // More rows later: the index is kept (optimize indexes the new rows), not retrained, and the
  // new rows are found.
  await fillStore(store, chunks.slice(0, 300), 300, 1000);
  const s3 = await embedDataset(store, emb);
  assert.equal(s3.embedded, 300);
  assert.equal(s3.vectorIndex?.action, 'kept');
  // NOTE: a LanceDB table handle reads the version it was opened at; reopen to see the new rows.
  table = await embeddingTable(store, emb);
  assert.equal((await table.listIndices()).filter((ix) => ix.columns.includes('vector')).length, 1);
  const newest = store.index.ids[store.index.size - 1];
  const [nv] = await table.query().where(`sample_id = '${newest}'`).select(['vector']).limit(1).toArray();
  const self = await (
    await tunedVectorSearch(
      table,
      table
        .vectorSearch(Array.from(nv.vector.toArray() as Float32Array))
        .distanceType('cosine')
        .limit(1)
        .select(['sample_id', '_distance']),
      1,
    )
  ).toArray();
  assert.ok((self[0]._distance as number) < 1e-4, 'a row added after the build is found');
  // A table that doubled gets a new index for its size, and only that one.
  const again = await ensureVectorIndex(table, { dims: 256, rows: 2 * n + 1 });
  assert.equal(again.action, 'built');
  assert.deepEqual(
    (await table.listIndices()).filter((ix) => ix.columns.includes('vector')).map((i) => i.name),
    [`vector_hnsw_sq_n${2 * n + 1}`],
  );
  assert.ok(searchOptions(1_000_000).nprobes > searchOptions(n).nprobes);
  await store.close();
});
