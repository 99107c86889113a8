import { existsSync, readdirSync, rmSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as lancedb from '@lancedb/lancedb';
import type { Sample } from '../../shared/domain.js';
import { DatasetStore } from '../../electron/engine/store/dataset-store.js';
import { sampleToRow } from '../../electron/engine/store/row-mapping.js';
import { chunkPython } from '../../electron/engine/ingest/python-parser.js';
import { estimateTokens, sampleIdOf } from '../../electron/engine/ingest/normalize.js';
import { importsOfSample } from '../../electron/engine/ingest/imports.js';
import { recordImports } from '../../electron/engine/stats/imports-stat.js';
import { createHashEmbedder } from '../../electron/engine/embed/hash-embedder.js';
import type { EmbedInput } from '../../electron/engine/embed/embedder.js';
import { embedDataset, embeddingTable, type EmbedRunSummary } from '../../electron/engine/embed/embedding-store.js';
import {
  ensureVectorIndex,
  searchOptions,
  vectorIndexInfo,
  planVectorIndex,
} from '../../electron/engine/embed/vector-index.js';
import { similarSamples } from '../../electron/engine/classify/queues.js';
import { loadCorpus, percentile, prng, renameIdentifiers, shuffled, type BenchRow } from './corpus.js';

process.env.LANCEDB_LOG ??= 'error';
export const DIMS = 256;
type Log = (msg: string) => void;
const defaultLog: Log = (m) => process.stderr.write(`[ann/scale] ${m}\n`);

// ---------------------------------------------------------------------------------------------
// The shared scale dataset (10^5 rows unless --scale-rows asks for more), built once per process under os.tmpdir() and removed at
// process exit, so ann-bench and scale-bench share it within one `npm run bench`.
// ---------------------------------------------------------------------------------------------

export interface RealChunk {
  text: string;
  astCounts: Record<string, number>;
  file: string;
  startLine: number;
  endLine: number;
}
export interface ScaleFixture {
  n: number;
  dir: string;
  dbDir: string;
  /** Real unique function/class chunks in the store (variant 0) and renamed variants (padding). */
  real: number;
  padded: number;
  /** UTF-8 bytes of every sample's text. */
  bytes: number;
  /** Real chunks held out of the store (and none of their variants is in it): ANN queries. */
  heldOut: RealChunk[];
  /** Every real chunk in the store, in store order (variant 0). */
  chunks: RealChunk[];
  chunkSeconds: number;
  writeSeconds: number;
  embed: EmbedRunSummary;
  embedSeconds: number;
}

const FIXTURE_KEY = Symbol.for('tbs.bench.scaleFixture');
type FixtureCache = Map<number, Promise<ScaleFixture>>;
const cache: FixtureCache =
  ((globalThis as Record<symbol, unknown>)[FIXTURE_KEY] as FixtureCache | undefined) ??
  ((globalThis as Record<symbol, unknown>)[FIXTURE_KEY] = new Map());
const ROOT = join(tmpdir(), `tbs-bench-scale-${process.pid}`);

function removeRoot() {
  rmSync(ROOT, { recursive: true, force: true });
}
/** Removes the cached datasets now (they are removed at process exit anyway). */
export function cleanupScaleFixtures() {
  cache.clear();
  removeRoot();
}
const USERS_KEY = Symbol.for('tbs.bench.scaleFixtureUsers');
/** A bench is done with the dataset; once both benches are, it is removed. */
export function releaseScaleFixture(who: 'ann' | 'scale') {
  const g = globalThis as Record<symbol, unknown>;
  const done = (g[USERS_KEY] as Set<string> | undefined) ?? ((g[USERS_KEY] = new Set<string>()) as Set<string>);
  done.add(who);
  if (done.has('ann') && done.has('scale')) cleanupScaleFixtures();
}

function removeStale() {
  for (const name of readdirSync(tmpdir())) {
    const m = /^tbs-bench-scale-(\d+)$/.exec(name);
    if (!m || Number(m[1]) === process.pid) continue;
    try {
      process.kill(Number(m[1]), 0);
    } catch {
      rmSync(join(tmpdir(), name), { recursive: true, force: true });
    }
  }
}

/** Real function/class chunks with their AST counts, in seeded file order, unique by sample id. */
export async function realChunks(max: number, seed = 7): Promise<RealChunk[]> {
  const out: RealChunk[] = [];
  const ids = new Set<string>();
  for (const f of shuffled(loadCorpus().files, seed)) {
    if (out.length >= max) break;
    for (const c of await chunkPython(f.text, 'function')) {
      const id = sampleIdOf(c.text);
      if (ids.has(id) || !c.text.trim()) continue;
      ids.add(id);
      out.push({
        text: c.text,
        astCounts: c.astCounts,
        file: f.path,
        startLine: c.startLine ?? 0,
        endLine: c.endLine ?? 0,
      });
    }
  }
  return out.slice(0, max);
}

/** Rows of the scale datasets: 10^5 unless asked (`--scale-rows N` or TBS_BENCH_SCALE_ROWS). */
export const DEFAULT_SCALE_ROWS = 100_000;

export function scaleFixture(n: number, log: Log = defaultLog): Promise<ScaleFixture> {
  let p = cache.get(n);
  if (!p) {
    p = buildFixture(n, log);
    cache.set(n, p);
    p.catch(() => cache.delete(n));
  }
  return p;
}

async function buildFixture(n: number, log: Log): Promise<ScaleFixture> {
  if (!existsSync(ROOT)) {
    removeStale();
    process.once('exit', removeRoot);
  }
  const dir = join(ROOT, `n${n}`);
  rmSync(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const dbDir = join(dir, 'db');
  let t0 = performance.now();
  log(`fixture ${n}: chunking the machine's Python`);
  const all = await realChunks(n <= 100_000 ? Math.ceil(n / 4) : 1e9);
  const chunkSeconds = (performance.now() - t0) / 1000;
  const stride = Math.max(2, Math.floor(all.length / 100));
  const heldOut = all.filter((_, i) => i % stride === 0).slice(0, 100);
  const chunks = all.filter((_, i) => i % stride !== 0 || i / stride >= 100);
  log(`fixture ${n}: ${all.length} real chunks in ${chunkSeconds.toFixed(0)} s; writing ${n} samples`);
  t0 = performance.now();
  const store = await DatasetStore.open(dbDir, { create: true });
  let real = 0;
  let padded = 0;
  let bytes = 0;
  try {
    const samples = await store.table('samples');
    const ids = new Set(heldOut.map((c) => sampleIdOf(c.text)));
    const at = new Date().toISOString();
    let batch: ReturnType<typeof sampleToRow>[] = [];
    // As the importer does: each sample's imports from its syntax tree, stored with it. A renamed
    // variant of a chunk that imports nothing imports nothing either, so only the others are parsed.
    let imports: { sampleId: string; modules: string[] }[] = [];
    const realImports = new Map<RealChunk, string[]>();
    const flush = async () => {
      if (!batch.length) return;
      await samples.add(batch);
      await recordImports(store, imports);
      imports = [];
      for (const r of batch)
        store.index.add({
          id: r.id,
          source: r.source,
          path: r.path,
          language: r.language,
          tokens: r.tokens,
          tokensExact: false,
        });
      batch = [];
    };
    outer: for (let v = 0; ; v++) {
      for (const c of chunks) {
        if (real + padded >= n) break outer;
        const text = v === 0 ? c.text : renameIdentifiers(c.text, v);
        const id = sampleIdOf(text);
        if (ids.has(id)) continue;
        ids.add(id);
        const rel = c.file.replace(/^\/(usr\/lib|root\/\.pyenv\/versions)\//, '');
        const s: Sample = {
          id,
          text,
          language: 'python',
          source: `${c.file}:${c.startLine}-${c.endLine}${v ? `#rename-v${v}` : ''}`,
          repo: rel.split('/')[0],
          path: rel,
          startLine: c.startLine,
          endLine: c.endLine,
          chunk: 'function',
          tokens: estimateTokens(text),
          tokensExact: false,
          metadata: v ? { padding: `identifier renaming, variant ${v}` } : {},
          astCounts: c.astCounts,
          importedAt: at,
        };
        batch.push(sampleToRow(s, 'bench-fixture'));
        let mods = realImports.get(c);
        if (!mods) realImports.set(c, (mods = await importsOfSample(c.text, 'python')));
        imports.push({ sampleId: id, modules: v && mods.length ? await importsOfSample(text, 'python') : mods });
        bytes += Buffer.byteLength(text);
        if (v === 0) real++;
        else padded++;
        if (batch.length >= 10_000) await flush();
      }
      if (v > 1000) throw new Error('could not pad the corpus to the target size');
    }
    await flush();
    const writeSeconds = (performance.now() - t0) / 1000;
    log(
      `fixture ${n}: ${real} real + ${padded} renamed samples written in ${writeSeconds.toFixed(0)} s; embedding (hash, ${DIMS} dims)`,
    );
    t0 = performance.now();
    // NOTE: the spec must be given: with the default {} embedderById (exportFromStore) cannot rebuild it.
    const embed = await embedDataset(store, createHashEmbedder({ dims: DIMS }), {
      batchSize: 1024,
      spec: { kind: 'hash', dims: DIMS },
    });
    const embedSeconds = (performance.now() - t0) / 1000;
    log(
      `fixture ${n}: embedded in ${embedSeconds.toFixed(0)} s (vector index: ${embed.vectorIndex?.action} in ${embed.vectorIndex?.seconds.toFixed(0)} s)`,
    );
    return { n, dir, dbDir, real, padded, bytes, heldOut, chunks, chunkSeconds, writeSeconds, embed, embedSeconds };
  } finally {
    await store.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Exact search in JS (the ground truth) and recall.
// ---------------------------------------------------------------------------------------------

interface Truth {
  ids: string[];
  dists: number[];
}

/** Every vector of the table in one flat array (unit-normalized copies) plus its ids. */
async function loadAll(table: lancedb.Table): Promise<{ ids: string[]; data: Float32Array }> {
  const rows = await table.countRows();
  const data = new Float32Array(rows * DIMS);
  const ids: string[] = [];
  for await (const b of table.query().select(['sample_id', 'vector'])) {
    const sid = b.getChild('sample_id')!;
    const vec = b.getChild('vector')!;
    for (let i = 0; i < b.numRows; i++) {
      const v = vec.get(i)!.toArray() as Float32Array;
      const off = ids.length * DIMS;
      let s = 0;
      for (let d = 0; d < DIMS; d++) s += v[d] * v[d];
      const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
      for (let d = 0; d < DIMS; d++) data[off + d] = v[d] * inv;
      ids.push(sid.get(i) as string);
    }
  }
  return { ids, data };
}

/** Exact top-k by cosine distance for many queries at once (row blocks stay in cache). */
function exactTopK(all: { ids: string[]; data: Float32Array }, queries: Float32Array[], k: number): Truth[] {
  const qn = queries.map((q) => {
    let s = 0;
    for (const x of q) s += x * x;
    const inv = 1 / Math.sqrt(s || 1);
    return Float32Array.from(q, (x) => x * inv);
  });
  const best = qn.map(() => ({ sim: new Float64Array(k).fill(-Infinity), idx: new Int32Array(k).fill(-1) }));
  const n = all.ids.length;
  const X = all.data;
  for (let r0 = 0; r0 < n; r0 += 512) {
    const r1 = Math.min(n, r0 + 512);
    for (let qi = 0; qi < qn.length; qi++) {
      const q = qn[qi];
      const b = best[qi];
      for (let r = r0; r < r1; r++) {
        const o = r * DIMS;
        let s = 0;
        for (let d = 0; d < DIMS; d += 4)
          s += q[d] * X[o + d] + q[d + 1] * X[o + d + 1] + q[d + 2] * X[o + d + 2] + q[d + 3] * X[o + d + 3];
        if (s <= b.sim[k - 1]) continue;
        let j = k - 1;
        while (j > 0 && b.sim[j - 1] < s) {
          b.sim[j] = b.sim[j - 1];
          b.idx[j] = b.idx[j - 1];
          j--;
        }
        b.sim[j] = s;
        b.idx[j] = r;
      }
    }
  }
  return best.map((b) => ({ ids: Array.from(b.idx, (i) => all.ids[i]), dists: Array.from(b.sim, (s) => 1 - s) }));
}

/** Hits among the true top-k; a result tied with the k-th true distance counts as a hit. */
function recallOf(truth: Truth, got: { sample_id: string; _distance: number }[]): number {
  const set = new Set(truth.ids);
  const kth = truth.dists[truth.dists.length - 1];
  let h = 0;
  for (const g of got.slice(0, truth.ids.length)) if (set.has(g.sample_id) || g._distance <= kth + 1e-5) h++;
  return h / truth.ids.length;
}

async function measure(
  table: lancedb.Table,
  queries: Float32Array[],
  truth: Truth[],
  conf: (q: lancedb.VectorQuery) => lancedb.VectorQuery,
) {
  const lat: number[] = [];
  const rec: number[] = [];
  for (let i = 0; i < queries.length; i++) {
    const t0 = performance.now();
    const r = await conf(table.vectorSearch(queries[i]).distanceType('cosine').limit(10))
      .select(['sample_id', '_distance'])
      .toArray();
    lat.push(performance.now() - t0);
    rec.push(recallOf(truth[i], r as { sample_id: string; _distance: number }[]));
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  return {
    p50: percentile(lat, 50),
    p95: percentile(lat, 95),
    recall: mean(rec),
    recallHeld: mean(rec.slice(0, 100)),
    recallIn: mean(rec.slice(100)),
  };
}

export async function run(opts: { rows: number; log?: Log }): Promise<BenchRow[]> {
  const quick = opts.rows < 1_000_000;
  const log = opts.log ?? defaultLog;
  const fx = await scaleFixture(opts.rows, log);
  const rows: BenchRow[] = [];
  const nTxt = fx.n === 1_000_000 ? '10^6' : fx.n === 100_000 ? '10^5' : fx.n.toLocaleString('en-US');
  const data = `${fx.n} x ${DIMS} hash vectors: ${fx.real} real unique stdlib/site-packages function chunks + ${fx.padded} seeded identifier-renamed variants of them (padding)`;
  const embedder = createHashEmbedder({ dims: DIMS });
  const store = await DatasetStore.open(fx.dbDir);
  try {
    const table = await embeddingTable(store, embedder);
    const t0 = performance.now();
    const all = await loadAll(table);
    log(`read ${all.ids.length} vectors in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    // 200 queries: 100 held-out real chunks (never in the table, nor their variants) + 100 table rows.
    const held = await embedder.embed(
      fx.heldOut.map((c): EmbedInput => ({ text: c.text, language: 'python', astCounts: c.astCounts })),
    );
    const rnd = prng(99);
    const inTable = Array.from({ length: 100 }, () => Math.floor(rnd() * all.ids.length));
    const queries = [...held, ...inTable.map((r) => all.data.slice(r * DIMS, (r + 1) * DIMS))];
    let t1 = performance.now();
    // Top-11, so a table row's own vector (distance 0) can be set aside for similarSamples.
    const truth11 = exactTopK(all, queries, 11);
    const truth = truth11.map((t) => ({ ids: t.ids.slice(0, 10), dists: t.dists.slice(0, 10) }));
    log(`exact top-10 of ${queries.length} queries in JS: ${((performance.now() - t1) / 1000).toFixed(0)} s`);
    const qNote = `${queries.length} queries: ${held.length} held-out real chunks (recall a/b = held-out/in-table)`;

    // Brute force: LanceDB's flat scan (bypassVectorIndex), checked against the JS ground truth.
    const nBf = quick ? 40 : 20;
    const bf = await measure(
      table,
      queries.slice(0, nBf / 2).concat(queries.slice(100, 100 + nBf / 2)),
      truth.slice(0, nBf / 2).concat(truth.slice(100, 100 + nBf / 2)),
      (q) => q.bypassVectorIndex(),
    );
    rows.push({
      name: `ANN p50, ${nTxt} x ${DIMS}, no index (flat scan)`,
      value: bf.p50,
      unit: 'ms',
      note: `${nBf} queries; p95 ${bf.p95.toFixed(0)} ms; agrees with the JS exact top-10 at ${bf.recall.toFixed(3)}; ${data}`,
    });
    rows.push({ name: `ANN p95, ${nTxt} x ${DIMS}, no index (flat scan)`, value: bf.p95, unit: 'ms' });

    // The tuned index (built by embedDataset through ensureVectorIndex).
    const ensured = await ensureVectorIndex(table, { dims: DIMS, rows: all.ids.length });
    const info = await vectorIndexInfo(table);
    const plan = planVectorIndex(DIMS, all.ids.length);
    const built = fx.embed.vectorIndex?.action === 'built' ? fx.embed.vectorIndex.seconds : ensured.seconds;
    rows.push({
      name: `index build (tuned IVF_HNSW_SQ), ${nTxt}`,
      value: built,
      unit: 's',
      note: plan
        ? `${info?.name}: ${plan.numPartitions} partition(s), m ${plan.m}, efConstruction ${plan.efConstruction}, cosine; runs inside embedDataset`
        : 'too few rows for an index: searches scan',
    });
    const chosen = searchOptions(info?.builtRows ?? all.ids.length, 10);
    // Around the chosen setting: a smaller and a larger ef, and without the refine step (re-ranking
    // refineFactor x k candidates on the full vectors), which is where the latency / recall trade sits.
    // NOTE: LanceDB refuses ef below the candidates it must return (k, or k x refineFactor).
    const around = [
      { ef: 100, refineFactor: 10 },
      { ef: 160, refineFactor: 10 },
      { ef: 320, refineFactor: 10 },
      { ef: 64, refineFactor: 0 },
      { ef: 100, refineFactor: 0 },
      { ef: 160, refineFactor: 0 },
    ]
      .filter((s) => s.ef >= 10 * Math.max(1, s.refineFactor))
      .map((s) => (s.ef === chosen.ef && s.refineFactor === chosen.refineFactor ? chosen : { ...chosen, ...s }));
    const settings = around.includes(chosen) ? around : [chosen, ...around];
    for (const s of settings) {
      const m = await measure(table, queries, truth, (q) => {
        q = q.nprobes(s.nprobes).ef(s.ef);
        return s.refineFactor ? q.refineFactor(s.refineFactor) : q;
      });
      const tag = `tuned IVF_HNSW_SQ, ef ${s.ef}, refine ${s.refineFactor || 'off'}${s === chosen ? ' (chosen)' : ''}`;
      log(`${tag}: recall ${m.recall.toFixed(3)} p50 ${m.p50.toFixed(1)} ms`);
      rows.push({
        name: `ANN p50, ${tag}`,
        value: m.p50,
        unit: 'ms',
        note: `nprobes ${s.nprobes}; p95 ${m.p95.toFixed(1)} ms${s === chosen ? '; target p50 < 10 ms at recall >= 0.95' : ''}`,
      });
      rows.push({
        name: `recall@10, ${tag}`,
        value: m.recall,
        unit: 'recall',
        note: `${m.recallHeld.toFixed(3)} / ${m.recallIn.toFixed(3)}; ${qNote}`,
      });
    }
    // The product path: similarSamples (id lookup + tuned search) on table rows.
    const lat: number[] = [];
    let agree = 0;
    for (let i = 0; i < 30; i++) {
      const r = inTable[i];
      t1 = performance.now();
      const hits = await similarSamples(store, embedder, all.ids[r], 10);
      lat.push(performance.now() - t1);
      const t = truth11[100 + i];
      const self = t.ids.indexOf(all.ids[r]);
      const want = {
        ids: t.ids.filter((_, j) => j !== self).slice(0, 10),
        dists: t.dists.filter((_, j) => j !== self).slice(0, 10),
      };
      agree += recallOf(
        want,
        hits.map((h) => ({ sample_id: h.row.id, _distance: h.distance })),
      );
    }
    rows.push({
      name: `similarSamples p50 (k=10), ${nTxt}`,
      value: percentile(lat, 50),
      unit: 'ms',
      note: `p95 ${percentile(lat, 95).toFixed(0)} ms; recall vs exact ${(agree / 30).toFixed(3)}; includes the sample_id lookup of the query vector`,
    });

    // Other index types on the same vectors, for comparison: LanceDB's default IVF_PQ (sqrt(n)
    // partitions, dims/16 sub-vectors) and IVF_PQ with dims/4 sub-vectors and ~20% of the
    // partitions probed (the best IVF_PQ found; TBS_BENCH_ANN_PQ=1, it costs ~2-4 min at 10^6).
    const alternatives = [
      {
        tag: 'LanceDB default IVF_PQ',
        index: lancedb.Index.ivfPq({ distanceType: 'cosine' }),
        what: `${Math.round(Math.sqrt(all.ids.length))} partitions, ${DIMS / 16} sub-vectors`,
        probes: [
          { nprobes: 20, refineFactor: 0 },
          { nprobes: 20, refineFactor: 10 },
        ],
      },
    ];
    if (process.env.TBS_BENCH_ANN_PQ) {
      const p = Math.max(16, Math.round(Math.sqrt(all.ids.length) / 4));
      alternatives.push({
        tag: 'IVF_PQ dims/4',
        index: lancedb.Index.ivfPq({ distanceType: 'cosine', numPartitions: p, numSubVectors: DIMS / 4 }),
        what: `${p} partitions, ${DIMS / 4} sub-vectors`,
        probes: [
          { nprobes: Math.ceil(p * 0.1), refineFactor: 10 },
          { nprobes: Math.ceil(p * 0.2), refineFactor: 10 },
        ],
      });
    }
    if (process.env.TBS_BENCH_SKIP_DEFAULT_INDEX) alternatives.shift();
    for (const alt of alternatives) {
      t1 = performance.now();
      // Same name as the tuned index: `replace` swaps it (LanceDB would otherwise keep both).
      await table.createIndex('vector', {
        config: alt.index,
        replace: true,
        name: info?.name,
        waitTimeoutSeconds: 3600,
      });
      const altBuild = (performance.now() - t1) / 1000;
      log(`${alt.tag} built in ${altBuild.toFixed(0)} s`);
      for (const s of alt.probes) {
        const m = await measure(table, queries, truth, (q) => {
          q = q.nprobes(s.nprobes);
          return s.refineFactor ? q.refineFactor(s.refineFactor) : q;
        });
        const tag = `${alt.tag}, nprobes ${s.nprobes}, refine ${s.refineFactor || 'off'}`;
        rows.push({
          name: `ANN p50, ${tag}`,
          value: m.p50,
          unit: 'ms',
          note: `p95 ${m.p95.toFixed(1)} ms; build ${altBuild.toFixed(0)} s (${alt.what})`,
        });
        rows.push({
          name: `recall@10, ${tag}`,
          value: m.recall,
          unit: 'recall',
          note: `${m.recallHeld.toFixed(3)} / ${m.recallIn.toFixed(3)}`,
        });
      }
    }
    // NOTE: after a comparison the cached dataset keeps no ANN index (scale-bench does not search
    // it); rebuilding the tuned one would cost another build.
    if (alternatives.length && info) await table.dropIndex(info.name);
    rows.push({
      name: `peak RSS of the ANN section, ${nTxt}`,
      value: (process.resourceUsage().maxRSS * 1024) / 2 ** 20,
      unit: 'MiB',
      note: 'the bench process so far: building the dataset, every vector in a JS array for the exact ground truth, index builds, queries',
    });
  } finally {
    await store.close();
    releaseScaleFixture('ann');
  }
  return rows;
}
