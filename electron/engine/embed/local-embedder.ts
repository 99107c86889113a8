import { CodedError } from '../../../shared/errors.js';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, isAbsolute, join, resolve } from 'node:path';
import {
  AutoModel,
  AutoTokenizer,
  env,
  type DataType,
  type PreTrainedModel,
  type PreTrainedTokenizer,
  type Tensor,
} from '@huggingface/transformers';
import type { EmbedInput, Embedder } from './embedder.js';

/**
 * A transformer encoder run in-process with @huggingface/transformers (ONNX Runtime, CPU).
 *
 * `model` is either a folder laid out like a transformers.js export:
 *   config.json              model_type, hidden_size, max_position_embeddings, ...
 *   tokenizer.json           the fast-tokenizer definition (model, normalizer, pre-tokenizer, post-processor)
 *   tokenizer_config.json    tokenizer_class, special tokens, model_max_length (required: without it
 *                            transformers.js finds no tokenizer files at all)
 *   onnx/model.onnx          fp32 weights; or model_quantized.onnx (q8), model_fp16.onnx, model_int8.onnx, ...
 * or a Hugging Face hub id, which offline must already sit in the cache folder. With a folder and
 * `offline` (the default) no network is touched.
 */
export const LOCAL_EMBEDDER_VERSION = 1;

export interface LocalEmbedderOptions {
  /** A model folder (absolute or relative path) or a hub id such as `Xenova/all-MiniLM-L6-v2`. */
  model: string;
  /** `mean`: average of the token vectors under the attention mask; `cls`: the first token's. */
  pooling?: 'mean' | 'cls';
  normalize?: boolean;
  /** Tokens per input (also capped by the tokenizer's model_max_length and the model's positions). */
  maxLength?: number;
  batchSize?: number;
  /** Never fetch: remote models are disabled and only local files (or the cache) are read. */
  offline?: boolean;
  /** Weight variant; default: for a folder, the first ONNX file present (fp32, then q8, ...); else fp32. */
  dtype?: DataType;
  /** Where hub models are cached (default: the library's own `.cache`). */
  cacheDir?: string;
}

export type LocalEmbedder = Embedder & { readonly model: string; dispose(): Promise<void> };

/** The ONNX file each dtype loads, as transformers.js names them (onnx/model<suffix>.onnx). */
const DTYPE_SUFFIX: [DataType, string][] = [
  ['fp32', ''],
  ['q8', '_quantized'],
  ['fp16', '_fp16'],
  ['int8', '_int8'],
  ['uint8', '_uint8'],
  ['q4', '_q4'],
  ['q4f16', '_q4f16'],
  ['bnb4', '_bnb4'],
];

function looksLikePath(model: string): boolean {
  return isAbsolute(model) || model.startsWith('.') || model.includes('\\') || existsSync(model);
}

/** Checks a model folder and picks its weight file; errors name what is missing. */
function inspectFolder(dir: string, dtype?: DataType): { dtype: DataType; onnxFile: string } {
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new CodedError('not_found', `local embedder: model folder not found: ${dir}`);
  const missing = ['config.json', 'tokenizer.json', 'tokenizer_config.json'].filter((f) => !existsSync(join(dir, f)));
  const candidates = dtype ? DTYPE_SUFFIX.filter(([d]) => d === dtype) : DTYPE_SUFFIX;
  const found = candidates.find(([, suffix]) => existsSync(join(dir, 'onnx', `model${suffix}.onnx`)));
  if (!found)
    missing.push(
      dtype
        ? `onnx/model${DTYPE_SUFFIX.find(([d]) => d === dtype)?.[1] ?? ''}.onnx`
        : 'onnx/model.onnx (or model_quantized.onnx, ...)',
    );
  if (missing.length) throw new CodedError('invalid_input', `local embedder: ${dir} lacks ${missing.join(', ')}`);
  return { dtype: found![0], onnxFile: join(dir, 'onnx', `model${found![1]}.onnx`) };
}

/** A fingerprint of what decides the vectors: the config, the weight file's size, and our settings. */
function fingerprint(configText: string, modelBytes: number | null, settings: unknown): string {
  return createHash('sha256')
    .update(configText)
    .update(`\n${modelBytes ?? '?'}\n`)
    .update(JSON.stringify(settings))
    .digest('hex')
    .slice(0, 12);
}

export async function createLocalEmbedder(o: LocalEmbedderOptions): Promise<LocalEmbedder> {
  const pooling = o.pooling ?? 'mean';
  const normalize = o.normalize ?? true;
  const batchSize = o.batchSize ?? 16;
  const offline = o.offline ?? true;
  if (!(batchSize >= 1) || !((o.maxLength ?? 512) >= 2))
    throw new RangeError('local embedder: batchSize >= 1 and maxLength >= 2');
  const isFolder = looksLikePath(o.model);
  // NOTE: an absolute path is never a valid hub id, so transformers.js reads it as-is and neither
  // `env.localModelPath` nor the hub are consulted; a relative path would be joined to
  // localModelPath, hence resolve().
  const source = isFolder ? resolve(o.model) : o.model;
  const folder = isFolder ? inspectFolder(source, o.dtype) : null;
  const dtype = folder?.dtype ?? o.dtype ?? 'fp32';

  // NOTE: `env` is process-global. `local_files_only` alone is not enough offline: the tokenizer's
  // file probe ignores it and would ask the hub about a hub id, so remote models are switched off.
  env.allowRemoteModels = !offline;
  env.allowLocalModels = true;
  if (o.cacheDir) env.cacheDir = o.cacheDir;
  const loadOpts = { local_files_only: offline, ...(o.cacheDir ? { cache_dir: o.cacheDir } : {}) };
  let tokenizer: PreTrainedTokenizer;
  let model: PreTrainedModel;
  try {
    tokenizer = await AutoTokenizer.from_pretrained(source, loadOpts);
    model = await AutoModel.from_pretrained(source, { ...loadOpts, dtype, device: 'cpu' });
  } catch (e) {
    // A hub id missing from the cache surfaces as an unrelated TypeError deep in the library.
    const where = isFolder
      ? source
      : `${source} (offline: only a model already in ${o.cacheDir ?? env.cacheDir} can load)`;
    throw new CodedError('invalid_input', `local embedder: cannot load ${where}: ${(e as Error).message}`, {
      cause: e,
    });
  }

  const config = model.config as unknown as Record<string, unknown>;
  const positions = typeof config.max_position_embeddings === 'number' ? config.max_position_embeddings : Infinity;
  // Past the position table a BERT-style graph fails (Gather out of range), so never feed more.
  const maxLength = Math.min(o.maxLength ?? 512, positions);

  const runBatch = async (texts: string[]): Promise<Float32Array[]> => {
    const enc = tokenizer(texts, { padding: true, truncation: true, max_length: maxLength });
    const out = await model(enc);
    const hidden = (out.last_hidden_state ?? out.token_embeddings) as Tensor | undefined;
    if (!hidden || hidden.dims.length !== 3)
      throw new Error(
        `local embedder: the model has no [batch, seq, hidden] output (got ${Object.keys(out).join(', ')})`,
      );
    const [b, s, h] = hidden.dims;
    const data = hidden.data as Float32Array;
    const mask = (enc.attention_mask as Tensor).data as BigInt64Array;
    const vecs: Float32Array[] = [];
    for (let i = 0; i < b; i++) {
      const v = new Float32Array(h);
      if (pooling === 'cls') {
        v.set(data.subarray(i * s * h, i * s * h + h));
      } else {
        // Mean over real tokens only: padded positions carry outputs too, and must not count.
        const acc = new Float64Array(h);
        let n = 0;
        for (let t = 0; t < s; t++) {
          if (mask[i * s + t] === 0n) continue;
          n++;
          const off = (i * s + t) * h;
          for (let k = 0; k < h; k++) acc[k] += data[off + k];
        }
        for (let k = 0; k < h; k++) v[k] = acc[k] / Math.max(1, n);
      }
      if (normalize) {
        let sq = 0;
        for (let k = 0; k < h; k++) sq += v[k] * v[k];
        const inv = sq > 0 ? 1 / Math.sqrt(sq) : 0;
        for (let k = 0; k < h; k++) v[k] *= inv;
      }
      vecs.push(v);
    }
    return vecs;
  };

  const embedTexts = async (texts: string[], signal?: AbortSignal): Promise<Float32Array[]> => {
    // Similar lengths batched together waste less compute on padding; results go back in order.
    const order = texts.map((_, i) => i).sort((a, b) => texts[a].length - texts[b].length);
    const out = new Array<Float32Array>(texts.length);
    for (let i = 0; i < order.length; i += batchSize) {
      // NOTE: an ONNX run cannot be interrupted, so cancellation takes effect between batches.
      if (signal?.aborted) throw signal.reason;
      const idx = order.slice(i, i + batchSize);
      const vecs = await runBatch(idx.map((j) => texts[j]));
      idx.forEach((j, k) => {
        out[j] = vecs[k];
      });
    }
    return out;
  };

  // The output size is whatever the network produces: ask it once rather than trust config.json.
  const dims = (await runBatch(['def probe(): pass']))[0].length;
  const configText = folder ? readFileSync(join(source, 'config.json'), 'utf8') : JSON.stringify(config);
  const modelBytes = folder ? statSync(folder.onnxFile).size : cachedSize(o.cacheDir ?? env.cacheDir, source, dtype);
  const fp = fingerprint(configText, modelBytes, { pooling, normalize, maxLength, dtype });
  const name = (isFolder ? basename(source) : source).replaceAll(':', '_');

  return {
    id: `local:${name}:${dims}:${fp}:v${LOCAL_EMBEDDER_VERSION}`,
    dims,
    model: source,
    async embed(batch: EmbedInput[], signal?: AbortSignal) {
      if (signal?.aborted) throw signal.reason;
      if (batch.length === 0) return [];
      return embedTexts(
        batch.map((x) => x.text),
        signal,
      );
    },
    async dispose() {
      await model.dispose();
    },
  };
}

/** Size of a hub model's weight file in the transformers.js file cache, if it is there. */
function cachedSize(cacheDir: string | null, hubId: string, dtype: DataType): number | null {
  const suffix = DTYPE_SUFFIX.find(([d]) => d === dtype)?.[1] ?? '';
  const p = cacheDir ? join(cacheDir, hubId, 'onnx', `model${suffix}.onnx`) : null;
  try {
    return p ? statSync(p).size : null;
  } catch {
    return null;
  }
}
