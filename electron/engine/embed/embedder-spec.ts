import { CodedError } from '../../../shared/errors.js';
import type { DatasetStore } from '../store/dataset-store.js';
import type { Embedder } from './embedder.js';
import { createHashEmbedder } from './hash-embedder.js';

/** How to rebuild an embedder: stored with its vectors so later runs use the same one. */
export interface EmbedderSpec {
  kind: 'hash' | 'openai' | 'local';
  dims?: number;
  model?: string;
  baseURL?: string;
}

export async function embedderFromSpec(spec: EmbedderSpec): Promise<Embedder> {
  if (!spec || typeof spec.kind !== 'string')
    throw new CodedError(
      'conflict',
      `the dataset's embedder entry has no spec (${JSON.stringify(spec)}): pick an embedder explicitly (tbs embed --embedder hash) or remove the entry from config.json`,
    );
  if (spec.kind === 'hash') return createHashEmbedder({ dims: spec.dims ?? 512 });
  // NOTE: neural embedders load lazily: onnxruntime and the openai client stay out of the default path.
  const mod = (await import('./index.js')) as { createEmbedder(spec: EmbedderSpec): Promise<Embedder> | Embedder };
  return mod.createEmbedder(spec);
}

/** The embedder a command should use: the one asked for, else the dataset's default, else hash-512. */
export async function resolveEmbedder(
  store: DatasetStore,
  asked?: Partial<EmbedderSpec>,
): Promise<{ embedder: Embedder; spec: EmbedderSpec }> {
  let spec: EmbedderSpec;
  if (asked?.kind) spec = { kind: asked.kind, dims: asked.dims, model: asked.model, baseURL: asked.baseURL };
  else {
    const def = store.config.defaultEmbedder ? store.config.embedders[store.config.defaultEmbedder] : undefined;
    spec = (def?.spec as unknown as EmbedderSpec | undefined) ?? { kind: 'hash', dims: 512 };
  }
  return { embedder: await embedderFromSpec(spec), spec };
}

/** The embedder a model was trained on, rebuilt from the registry. */
export async function embedderById(store: DatasetStore, embedderId: string): Promise<Embedder> {
  const reg = store.config.embedders[embedderId];
  if (!reg) throw new CodedError('not_found', `embedder ${embedderId} is not registered in this dataset`);
  const e = await embedderFromSpec(reg.spec as unknown as EmbedderSpec);
  if (e.id !== embedderId) throw new Error(`embedder spec rebuilt ${e.id}, expected ${embedderId}`);
  return e;
}
