// Child process of scale-bench: runs ONE step on the scale dataset and prints one JSON line with
// its seconds and the process's peak RSS (process.resourceUsage().maxRSS, KiB from the kernel), so
// every figure of the scale section has its own peak RSS.
//   open <db>                          Engine.open + the first sorted, filtered page
//   embed-score <db> <modelId> <workers>  drop the vectors, then `tbs score`'s work: embed + predict + write
//   scan <db> <workers>                 tbs scan: the hygiene facts an import records
//   export <db> <benchFile> <outDir>   curated export with near-dup 0.95 and 13-gram decontamination
import { Engine } from '../../electron/engine/engine.js';
import { sqlString } from '../../electron/engine/store/dataset-store.js';
import { createHashEmbedder } from '../../electron/engine/embed/hash-embedder.js';
import { embeddingTableName } from '../../electron/engine/embed/embedding-store.js';
import { scoreDataset } from '../../electron/engine/classify/scoring.js';
import { exportFromStore } from '../../electron/engine/curate/store-export.js';
import { scanDataset } from '../../electron/engine/hygiene/scan-job.js';
import type { ExportPhase } from '../../electron/engine/curate/export-run.js';
import { createCpuPool, defaultWorkers } from '../../electron/engine/workers/cpu-pool.js';
import { capNativeThreads } from '../../electron/engine/workers/native-threads.js';
import type { ListQuery } from '../../shared/api.js';
import { DIMS } from './ann-bench.js';

process.env.LANCEDB_LOG ??= 'error';
const QUERY: ListQuery = { where: 'llm_score >= 3', labelState: 'no-human', sort: 'llm_score', desc: true, limit: 50 };
const [step, db, ...rest] = process.argv.slice(2);
const now = () => performance.now();
const out: Record<string, unknown> = { step };

if (step === 'open') {
  let t0 = now();
  const engine = await Engine.open({ dir: db });
  out.openSeconds = (now() - t0) / 1000;
  t0 = now();
  const page = await engine.query.list(QUERY);
  out.firstPageMs = now() - t0;
  out.matches = page.total;
  out.samples = engine.store.index.size;
  out.labels = (await engine.stats()).labels;
  await engine.close();
} else if (step === 'scan') {
  // As `tbs scan --workers N` (and `tbs import`, which scans as it imports): secrets, PII,
  // licenses and heuristic statistics of every sample, recorded as coverage runs.
  const [workers] = rest;
  const engine = await Engine.open({ dir: db });
  const pool = await createCpuPool(Number(workers));
  const t0 = now();
  const s = await scanDataset(engine.store, { pool });
  out.seconds = (now() - t0) / 1000;
  out.scanned = s.scanned;
  out.flagged = s.flagged;
  await pool.close();
  await engine.close();
} else if (step === 'embed-score') {
  const [modelId, workers] = rest;
  // As `tbs score --workers N`: LanceDB's index build gets N threads too (native-threads.ts).
  capNativeThreads(Number(workers));
  const engine = await Engine.open({ dir: db });
  const embedder = createHashEmbedder({ dims: DIMS });
  // NOTE: the bench's own temp dataset: its vectors and this model's scores are dropped so
  // embedding and scoring are both measured from zero (each run of the speed-up pairs too).
  await engine.store.folder.db.dropTable(embeddingTableName(embedder.id));
  await (await engine.store.table('scores')).delete(`model_id = ${sqlString(modelId)}`);
  const pool = await createCpuPool(Number(workers));
  const t0 = now();
  // Phases from the progress events: the embedding pass ends with its last batch; the ANN index
  // build (LanceDB's, on its own threads) runs between it and the first score event.
  let embedEnd = 0;
  let scoreStart = 0;
  const s = await scoreDataset(engine.store, embedder, modelId, {
    pool,
    onProgress: (p) => {
      if (p.phase === 'embed' && p.done === p.total) embedEnd = now();
      if (p.phase === 'score' && !scoreStart) scoreStart = now();
    },
  });
  out.seconds = (now() - t0) / 1000;
  out.embedSeconds = ((embedEnd || scoreStart) - t0) / 1000;
  out.indexSeconds = (scoreStart - (embedEnd || scoreStart)) / 1000;
  out.embedded = s.embedded;
  out.scored = s.scored;
  await pool.close();
  await engine.close();
} else if (step === 'export') {
  const [benchFile, outDir] = rest;
  const engine = await Engine.open({ dir: db });
  const phases = new Map<ExportPhase, number>();
  // As `tbs export` runs: a pool of every core (MinHash, decontamination matching).
  const pool = await createCpuPool(defaultWorkers());
  out.workers = pool.workers;
  const t0 = now();
  const ex = await exportFromStore(engine.store, {
    pool,
    rule: { minScore: 3, nearDup: 0.95, decontaminate: { ngram: 13 } },
    outDir,
    format: 'parquet',
    benchmarks: [benchFile],
    onProgress: (p) => {
      if (!phases.has(p.phase)) phases.set(p.phase, now());
    },
  });
  out.seconds = (now() - t0) / 1000;
  out.funnel = ex.funnel.map((f) => `${f.step} ${f.samples}`).join(' > ');
  out.contaminated = ex.contaminated.length;
  out.nearDupClusters = ex.clusters.filter((c) => c.method === 'embedding').length;
  const order = [...phases.entries()].sort((a, b) => a[1] - b[1]);
  out.phases = order
    .map(([p, at], k) => `${p} ${(((k + 1 < order.length ? order[k + 1][1] : now()) - at) / 1000).toFixed(0)} s`)
    .join(', ');
  await pool.close();
  await engine.close();
} else {
  throw new Error(`unknown step ${step}`);
}
out.maxRssMiB = (process.resourceUsage().maxRSS * 1024) / 2 ** 20;
process.stdout.write(JSON.stringify(out) + '\n');
