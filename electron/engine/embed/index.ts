import { CodedError } from '../../../shared/errors.js';
import type { Embedder } from './embedder.js';
import { createHashEmbedder, type HashEmbedderOptions } from './hash-embedder.js';
import type { LocalEmbedderOptions } from './local-embedder.js';
import type { OpenAIEmbedderOptions } from './openai-embedder.js';

export type { EmbedInput, Embedder } from './embedder.js';

/** Which embedder to build, with its options; what the CLI and the Train view pass around. */
export type EmbedderSpec =
  | ({ kind: 'hash' } & HashEmbedderOptions)
  | ({ kind: 'openai' } & OpenAIEmbedderOptions)
  | ({ kind: 'local' } & LocalEmbedderOptions);

/**
 * Builds an embedder. Async because a local model is loaded (and probed for its size) first.
 * NOTE: the local and OpenAI embedders are imported on demand: @huggingface/transformers and ONNX
 * Runtime take a second to load, the `openai` client half a second (in every worker thread), which
 * the default hash path should never pay.
 */
export async function createEmbedder(spec: EmbedderSpec): Promise<Embedder> {
  switch (spec.kind) {
    case 'hash': {
      const { kind: _, ...o } = spec;
      return createHashEmbedder(o);
    }
    case 'openai': {
      const { kind: _, ...o } = spec;
      const { createOpenAIEmbedder } = await import('./openai-embedder.js');
      return createOpenAIEmbedder(o);
    }
    case 'local': {
      const { kind: _, ...o } = spec;
      const { createLocalEmbedder } = await import('./local-embedder.js');
      return createLocalEmbedder(o);
    }
  }
}

/**
 * Parses the CLI's `--embedder` value: `hash[:DIMS]`, `openai[:MODEL[:DIMS]]`, `local:FOLDER_OR_HUB_ID`.
 * Everything else (keys, base URL, pooling) comes from other flags or the environment.
 */
export function parseEmbedderSpec(s: string): EmbedderSpec {
  const [kind, ...rest] = s.split(':');
  const int = (v: string | undefined) => {
    if (v === undefined || v === '') return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n <= 0)
      throw new CodedError('invalid_input', `--embedder ${s}: ${v} is not a positive integer`);
    return n;
  };
  if (kind === 'hash') return { kind, dims: int(rest[0]) };
  if (kind === 'openai') return { kind, model: rest[0] || undefined, dims: int(rest[1]) };
  // A Windows path keeps its drive colon: everything after the first `local:` is the model.
  if (kind === 'local' && rest.length) return { kind, model: rest.join(':') };
  throw new CodedError(
    'invalid_input',
    `--embedder ${s}: expected hash[:DIMS], openai[:MODEL[:DIMS]] or local:FOLDER_OR_HUB_ID`,
  );
}
