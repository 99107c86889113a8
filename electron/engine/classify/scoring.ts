import type * as lancedb from '@lancedb/lancedb';
import type { CpuPool } from '../workers/cpu-pool.js';
import { CodedError } from '../../../shared/errors.js';
import type { DatasetStore } from '../store/dataset-store.js';
import { sqlString } from '../store/dataset-store.js';
import { embedDataset, embeddingTable } from '../embed/embedding-store.js';
import type { Embedder } from '../embed/embedder.js';
import { loadModel } from './training.js';

export interface ScoreSummary {
  modelId: string;
  scored: number;
  alreadyScored: number;
  embedded: number;
  cancelled: boolean;
  seconds: number;
}

/**
 * Scores every sample with a model: embeds what has no vector yet (incremental), then streams the
 * vectors through the classifier and appends `classifier_score` rows in large batches. Samples
 * this model already scored are skipped, so a cancelled run resumes where it stopped.
 */
export async function scoreDataset(
  store: DatasetStore,
  embedder: Embedder,
  modelId: string,
  opts: {
    signal?: AbortSignal;
    onProgress?: (p: { phase: 'embed' | 'score'; done: number; total: number }) => void;
    /** Rows per read batch (and per progress step). */
    batchRows?: number;
    /** Worker threads for embedding (see embedDataset). */
    pool?: CpuPool;
    /** Only samples this predicate accepts (a shard's share). */
    include?: (id: string) => boolean;
    /** Where score rows go (a shard's private table); default the dataset's `scores`. */
    scoresTable?: lancedb.Table;
    /** Read vectors from these tables and skip the embedding pass (a shard embeds on its own first). */
    vectors?: lancedb.Table[];
  } = {},
): Promise<ScoreSummary> {
  const t0 = Date.now();
  const { record, classifier } = await loadModel(store, modelId);
  if (record.embedderId !== embedder.id)
    throw new CodedError('conflict', `model ${modelId} was trained on ${record.embedderId}, not ${embedder.id}`);
  const include = opts.include ?? (() => true);
  const emb = opts.vectors
    ? { embedded: 0 }
    : await embedDataset(store, embedder, {
        signal: opts.signal,
        pool: opts.pool,
        include: opts.include,
        onProgress: (p) => opts.onProgress?.({ phase: 'embed', ...p }),
      });
  const scores = opts.scoresTable ?? (await store.table('scores'));
  const done = new Set<string>();
  // A shard writes its own table but skips what the dataset already scored.
  for (const t of opts.scoresTable ? [await store.table('scores'), scores] : [scores])
    for await (const b of t
      .query()
      .where(`model_id = ${sqlString(modelId)}`)
      .select(['sample_id'])) {
      const c = b.getChild('sample_id')!;
      for (let i = 0; i < b.numRows; i++) done.add(c.get(i));
    }
  let total = 0;
  let already = 0;
  for (const id of store.index.ids)
    if (include(id)) {
      total++;
      if (done.has(id)) already++;
    }
  total -= already;
  const isActive = !opts.scoresTable && store.activeModelId === modelId;
  const tables = opts.vectors ?? [await embeddingTable(store, embedder)];
  let scored = 0;
  let pending: { sample_id: string; model_id: string; prob: number; created_at: string }[] = [];
  const at = new Date().toISOString();
  const flush = async () => {
    if (!pending.length) return;
    await scores.add(pending);
    if (isActive)
      for (const p of pending) {
        const r = store.index.row(p.sample_id);
        if (r !== undefined) store.index.setClassifier(r, p.prob);
      }
    pending = [];
  };
  opts.onProgress?.({ phase: 'score', done: 0, total });
  try {
    const step = opts.batchRows ?? 8192;
    outer: for await (const b of readAll(tables)) {
      const sid = b.getChild('sample_id')!;
      const vec = b.getChild('vector')!;
      // NOTE: LanceDB's batches can be large; predicting in slices keeps cancel and progress responsive.
      for (let start = 0; start < b.numRows; start += step) {
        if (opts.signal?.aborted) break outer;
        const ids: string[] = [];
        const X: Float32Array[] = [];
        for (let i = start; i < Math.min(b.numRows, start + step); i++) {
          const id = sid.get(i) as string;
          if (done.has(id) || !store.index.has(id) || !include(id)) continue;
          done.add(id);
          ids.push(id);
          X.push(vec.get(i).toArray() as Float32Array);
        }
        if (!ids.length) continue;
        const p = classifier.predictProba(X);
        for (let i = 0; i < ids.length; i++)
          pending.push({ sample_id: ids[i], model_id: modelId, prob: p[i], created_at: at });
        scored += ids.length;
        if (pending.length >= 20_000) await flush();
        opts.onProgress?.({ phase: 'score', done: scored, total });
      }
    }
  } finally {
    await flush();
  }
  if (scored && !opts.scoresTable) await store.compact(['scores']);
  return {
    modelId,
    scored,
    alreadyScored: already,
    embedded: emb.embedded,
    cancelled: Boolean(opts.signal?.aborted),
    seconds: (Date.now() - t0) / 1000,
  };
}

async function* readAll(tables: lancedb.Table[]) {
  for (const t of tables) yield* t.query().select(['sample_id', 'vector']);
}
