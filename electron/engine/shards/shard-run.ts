import type { DatasetStore } from '../store/dataset-store.js';
import { TABLES } from '../store/table-schemas.js';
import { importPaths, type ImportOptions, type ImportResult } from '../ingest/importer.js';
import type { Embedder } from '../embed/embedder.js';
import { embedDataset, existingEmbeddingTable, vectorSchema, type EmbedRunSummary } from '../embed/embedding-store.js';
import { scoreDataset, type ScoreSummary } from '../classify/scoring.js';
import type { CpuPool } from '../workers/cpu-pool.js';
import { startShard } from './shard-folder.js';
import { shardOfId, sliceForShard, type ShardSpec } from './shard-spec.js';

/**
 * One shard of import / embed / score, writing only its private folder (see shard-folder.ts).
 * The dataset is only read. A cancelled shard writes no done.json, so merge will not fold it.
 */

export async function importShard(
  store: DatasetStore,
  paths: string[],
  spec: ShardSpec,
  opts: ImportOptions,
): Promise<ImportResult & { shard: string; inputs: number }> {
  const mine = sliceForShard(paths, spec);
  const sf = await startShard(store.folder.dir, 'import', spec, { inputs: mine.length, totalInputs: paths.length });
  const samples = await sf.db.createEmptyTable('samples', TABLES.samples);
  const errors = await sf.db.createEmptyTable('import_errors', TABLES.import_errors);
  // NOTE: a shard writes only its own folder; the secret/license scan writes the dataset's
  // annotation tables, so shards skip it and `tbs scan` (or the next export) covers the merged rows.
  const r = await importPaths(store, mine, { ...opts, hygiene: false, target: { samples, errors } });
  const out = { ...r, shard: sf.dir, inputs: mine.length };
  if (!r.cancelled)
    await sf.finish({ imported: r.imported, duplicates: r.duplicates, errorCount: r.errorCount, importId: r.importId });
  sf.db.close();
  return out;
}

export async function embedShard(
  store: DatasetStore,
  embedder: Embedder,
  spec: ShardSpec,
  opts: {
    pool?: CpuPool;
    signal?: AbortSignal;
    embedderSpec?: Record<string, unknown>;
    onProgress?: (p: { done: number; total: number }) => void;
  },
): Promise<EmbedRunSummary & { shard: string }> {
  const sf = await startShard(store.folder.dir, 'embed', spec, {
    embedderId: embedder.id,
    dims: embedder.dims,
    embedderSpec: opts.embedderSpec ?? {},
  });
  const vectors = await sf.db.createEmptyTable('vectors', vectorSchema(embedder.dims));
  const r = await embedDataset(store, embedder, {
    pool: opts.pool,
    signal: opts.signal,
    include: (id) => shardOfId(id, spec.n) === spec.k,
    target: vectors,
    onProgress: opts.onProgress,
  });
  if (!r.cancelled) await sf.finish({ embedded: r.embedded, alreadyEmbedded: r.alreadyEmbedded, total: r.total });
  sf.db.close();
  return { ...r, shard: sf.dir };
}

export async function scoreShard(
  store: DatasetStore,
  embedder: Embedder,
  modelId: string,
  spec: ShardSpec,
  opts: {
    pool?: CpuPool;
    signal?: AbortSignal;
    onProgress?: (p: { phase: 'embed' | 'score'; done: number; total: number }) => void;
  },
): Promise<ScoreSummary & { shard: string }> {
  const sf = await startShard(store.folder.dir, 'score', spec, {
    embedderId: embedder.id,
    dims: embedder.dims,
    modelId,
  });
  const include = (id: string) => shardOfId(id, spec.n) === spec.k;
  const vectors = await sf.db.createEmptyTable('vectors', vectorSchema(embedder.dims));
  const scores = await sf.db.createEmptyTable('scores', TABLES.scores);
  const emb = await embedDataset(store, embedder, {
    pool: opts.pool,
    signal: opts.signal,
    include,
    target: vectors,
    onProgress: (p) => opts.onProgress?.({ phase: 'embed', ...p }),
  });
  const shared = await existingEmbeddingTable(store, embedder.id);
  const r = await scoreDataset(store, embedder, modelId, {
    signal: opts.signal,
    include,
    scoresTable: scores,
    vectors: shared ? [shared, vectors] : [vectors],
    onProgress: opts.onProgress,
  });
  const out = { ...r, embedded: emb.embedded, cancelled: r.cancelled || emb.cancelled, shard: sf.dir };
  if (!out.cancelled) await sf.finish({ scored: r.scored, alreadyScored: r.alreadyScored, embedded: emb.embedded });
  sf.db.close();
  return out;
}
