import type { CpuPool } from '../workers/cpu-pool.js';
import { CodedError } from '../../../shared/errors.js';
import { importPaths, type ImportOptions, type ImportResult } from '../ingest/importer.js';
import { embedDataset } from '../embed/embedding-store.js';
import { embedderById, resolveEmbedder, type EmbedderSpec } from '../embed/embedder-spec.js';
import { activeModel, listModels, trainModel, type ModelRecord, type TrainOptions } from '../classify/training.js';
import { scoreDataset } from '../classify/scoring.js';
import { DatasetStore } from '../store/dataset-store.js';

/**
 * The application layer: each pipeline step as one use-case that every host runs the same way
 * (the CLI's `tbs import|embed|train|score`, the app's samples.import / model.train /
 * model.score, the demo). Hosts only parse their input and print or return the result.
 */
export type ProgressFn = (phase: string, done: number, total: number) => void;

/** Imports, then compacts what the import appended (LanceDB prefers few large fragments). */
export async function importSamples(
  store: DatasetStore,
  paths: string[],
  opts: Omit<ImportOptions, 'onProgress'> & { onProgress?: ImportOptions['onProgress'] } = {},
): Promise<ImportResult> {
  const r = await importPaths(store, paths, opts);
  await store.compact(['samples', 'import_errors', 'sample_imports', ...DatasetStore.HYGIENE_TABLES]);
  return r;
}

/** Embeds every sample that has no vector of the (resolved) embedder yet. */
export async function embedSamples(
  store: DatasetStore,
  asked: Partial<EmbedderSpec> = {},
  opts: { signal?: AbortSignal; onProgress?: ProgressFn } = {},
) {
  const { embedder, spec } = await resolveEmbedder(store, asked);
  return embedDataset(store, embedder, {
    signal: opts.signal,
    spec: spec as unknown as Record<string, unknown>,
    onProgress: (p) => opts.onProgress?.('embed', p.done, p.total),
  });
}

/** Embeds what is missing, trains on the current labels, and makes the new scores visible. */
export async function trainClassifier(
  store: DatasetStore,
  o: TrainOptions & { embedder?: Partial<EmbedderSpec>; signal?: AbortSignal; onProgress?: ProgressFn },
): Promise<ModelRecord> {
  const { embedder, spec } = await resolveEmbedder(store, o.embedder ?? {});
  await embedDataset(store, embedder, {
    signal: o.signal,
    spec: spec as unknown as Record<string, unknown>,
    onProgress: (p) => o.onProgress?.('embed', p.done, p.total),
  });
  if (o.signal?.aborted) throw new CodedError('cancelled', 'training cancelled while embedding');
  o.onProgress?.('train', 0, 1);
  // trainModel makes the new model's scores "the" classifier column of the open store.
  const model = await trainModel(store, embedder, o);
  o.onProgress?.('train', 1, 1);
  return model;
}

/** The named model, else the active one; a clear error when there is none. */
export async function modelFor(store: DatasetStore, modelId?: string | null): Promise<ModelRecord> {
  const rec = modelId ? (await listModels(store)).find((m) => m.modelId === modelId) : await activeModel(store);
  if (!rec)
    throw modelId
      ? new CodedError('not_found', `no model ${modelId}`)
      : new CodedError('conflict', 'no model yet: train one first (tbs train)');
  return rec;
}

/** Scores every sample with a model (embedding what is missing first); resumable. */
export async function scoreSamples(
  store: DatasetStore,
  modelId: string | null | undefined,
  opts: { signal?: AbortSignal; onProgress?: ProgressFn; pool?: CpuPool } = {},
) {
  const rec = await modelFor(store, modelId);
  return scoreDataset(store, await embedderById(store, rec.embedderId), rec.modelId, {
    pool: opts.pool,
    signal: opts.signal,
    onProgress: (p) => opts.onProgress?.(p.phase, p.done, p.total),
  });
}
