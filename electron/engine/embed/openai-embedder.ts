import { scanTexts } from '../hygiene/scan-text.js';
import { redactText } from '../hygiene/spans.js';
import { CodedError } from '../../../shared/errors.js';
import { clientAuth } from '../label/client-auth.js';
import { createHash } from 'node:crypto';
import OpenAI from 'openai';
import type { EmbedInput, Embedder } from './embedder.js';
import { costUsd, priceOf, type Price } from '../label/pricing.js';
import { encoder } from '../label/prompt.js';
import { abortableSleep, backoffMs, RateGate } from '../label/rate-gate.js';

/**
 * Embeddings through the OpenAI API or any compatible server (vLLM, Ollama, llama.cpp, Azure).
 * Batched, retried with the server's own pacing, cost-counted, and cached in memory by text hash
 * for the life of the instance; the durable cache is the embeddings table (one vector per sample
 * and embedder id), so a re-run only ever asks for samples it has not embedded yet.
 */
export const OPENAI_EMBEDDER_VERSION = 1;

/** Native output sizes; a model not listed here needs `dims`. */
const NATIVE_DIMS: Record<string, number> = {
  'text-embedding-3-small': 1536,
  'text-embedding-3-large': 3072,
  'text-embedding-ada-002': 1536,
};

export interface OpenAIEmbedderOptions {
  baseURL?: string;
  apiKey?: string;
  model?: string;
  /** Output size. For text-embedding-3-* it is sent as `dimensions` (Matryoshka shortening). */
  dims?: number;
  /** Inputs per request; OpenAI allows up to 2048 and 300k tokens per request. */
  batchSize?: number;
  /** Longer inputs keep their first this-many o200k tokens (the API rejects > 8192). */
  maxInputTokens?: number;
  /** USD per 1M tokens; defaults to the shipped price table. `null`: cost unknown, counted as 0. */
  price?: Price | null;
  /** In-memory cache: `true` (default, 100k vectors), a max entry count, or `false`. */
  cache?: boolean | number;
  /** Requests in flight at once (shrinks on 429). */
  concurrency?: number;
  maxAttempts?: number;
  /** Base of the exponential backoff in ms (tests shorten it). */
  backoffBaseMs?: number;
  timeoutMs?: number;
  /** A ready client (tests, or a host that already built one); otherwise built from baseURL/apiKey/env. */
  client?: OpenAI;
}

export interface EmbeddingUsage {
  /** Tokens billed, as reported by the server (estimated with o200k when it reports none). */
  promptTokens: number;
  costUsd: number;
  /** HTTP requests sent, retries included. */
  requests: number;
  cacheHits: number;
  /** Inputs cut to maxInputTokens. */
  truncated: number;
}

export type OpenAIEmbedder = Embedder & { readonly model: string; readonly usage: EmbeddingUsage };

export function createOpenAIEmbedder(opts: OpenAIEmbedderOptions = {}): OpenAIEmbedder {
  const model = opts.model ?? 'text-embedding-3-small';
  const dims = opts.dims ?? NATIVE_DIMS[model];
  if (!Number.isInteger(dims) || dims <= 0)
    throw new RangeError(`openai embedder: unknown output size for model ${model}: pass dims`);
  const batchSize = opts.batchSize ?? 256;
  const maxInputTokens = opts.maxInputTokens ?? 8000;
  if (!(batchSize >= 1 && maxInputTokens >= 1))
    throw new RangeError('openai embedder: batchSize and maxInputTokens must be >= 1');
  const price = opts.price === undefined ? priceOf(model) : opts.price;
  const maxAttempts = opts.maxAttempts ?? 5;
  const cacheMax = opts.cache === false ? 0 : typeof opts.cache === 'number' ? opts.cache : 100_000;
  // NOTE: only the text-embedding-3 family accepts `dimensions`; other servers may reject it, so
  // for them dims is a promise checked against every answer instead of a request.
  const sendDims = opts.dims !== undefined && /^text-embedding-3/.test(model);
  const client = opts.client ?? createEmbeddingsClient(opts);
  const gate = new RateGate(Math.max(1, opts.concurrency ?? 4));
  const cache = new Map<string, Float32Array>();
  const usage: EmbeddingUsage = { promptTokens: 0, costUsd: 0, requests: 0, cacheHits: 0, truncated: 0 };

  const remember = (key: string, v: Float32Array) => {
    if (cacheMax <= 0) return;
    // Map keeps insertion order: evicting the first key is FIFO, enough for a scan-once workload.
    if (cache.size >= cacheMax) cache.delete(cache.keys().next().value as string);
    cache.set(key, v);
  };

  /** The text actually sent: cut to maxInputTokens, never empty (the API rejects empty strings). */
  const prepare = (text: string): { text: string; tokens: number } => {
    if (text.length === 0) return { text: ' ', tokens: 1 };
    // NOTE: a token covers at least one UTF-8 byte, so short texts skip the (slow) encode.
    if (Buffer.byteLength(text) <= maxInputTokens) return { text, tokens: -1 };
    const toks = encoder().encode(text);
    if (toks.length <= maxInputTokens) return { text, tokens: toks.length };
    usage.truncated++;
    return { text: encoder().decode(toks.slice(0, maxInputTokens)), tokens: maxInputTokens };
  };

  const requestOnce = async (input: string[], signal?: AbortSignal) => {
    usage.requests++;
    const body = { model, input, encoding_format: 'base64' as const, ...(sendDims ? { dimensions: dims } : {}) };
    const { data, response } = await client.embeddings.create(body, { signal }).withResponse();
    const pause = RateGate.pauseFromHeaders(response.headers);
    if (pause > 0) gate.pause(pause);
    return data;
  };

  /** One request with retries: 429 pauses everyone for as long as the server asks; 5xx and
   *  connection errors back off; other 4xx are the caller's mistake and fail at once. */
  const request = async (input: string[], signal?: AbortSignal) => {
    let last: unknown;
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      await gate.acquire(signal);
      try {
        const data = await requestOnce(input, signal);
        gate.release();
        gate.onSuccess();
        return data;
      } catch (e) {
        gate.release();
        if (signal?.aborted) throw signal.reason ?? e;
        last = e;
        const err = e as InstanceType<typeof OpenAI.APIError>;
        if (err instanceof OpenAI.APIError && err.status === 429) {
          gate.onRateLimited();
          gate.pause(RateGate.pauseFromHeaders(err.headers) || backoffMs(attempt, opts.backoffBaseMs));
          continue;
        }
        const retriable =
          !(err instanceof OpenAI.APIError) ||
          err instanceof OpenAI.APIConnectionError ||
          (err.status ?? 500) >= 500 ||
          err.status === 408 ||
          err.status === 409;
        if (!retriable || attempt === maxAttempts) break;
        await abortableSleep(backoffMs(attempt, opts.backoffBaseMs), signal);
      }
    }
    throw last;
  };

  const embedBatch = async (
    keys: string[],
    texts: string[],
    signal?: AbortSignal,
  ): Promise<Map<string, Float32Array>> => {
    // Text leaves the machine here, so secrets and PII become placeholders first, as in prompts.
    const res = await scanTexts(texts);
    const prepared = texts.map((t, i) => prepare(redactText(t, res[i].spans)));
    const data = await request(
      prepared.map((p) => p.text),
      signal,
    );
    if (!Array.isArray(data.data) || data.data.length !== texts.length) {
      throw new CodedError(
        'unavailable',
        `embeddings: asked for ${texts.length} vectors, got ${data.data?.length ?? 0}`,
      );
    }
    const tokens =
      data.usage?.prompt_tokens ??
      prepared.reduce((n, p) => n + (p.tokens >= 0 ? p.tokens : encoder().encode(p.text).length), 0);
    usage.promptTokens += tokens;
    usage.costUsd += costUsd(price, tokens, 0);
    const out = new Map<string, Float32Array>();
    for (const [pos, item] of data.data.entries()) {
      const vec = decodeVector(item.embedding as unknown);
      if (vec.length !== dims)
        throw new CodedError(
          'invalid_input',
          `embeddings: model ${model} returned ${vec.length} dims, expected ${dims} (set dims to match)`,
        );
      // NOTE: servers are not obliged to keep order; `index` says which input a vector belongs to.
      const key = keys[item.index ?? pos];
      out.set(key, vec);
      remember(key, vec);
    }
    return out;
  };

  return {
    id: `openai:${model}:${dims}:v${OPENAI_EMBEDDER_VERSION}`,
    dims,
    model,
    usage,
    async embed(batch: EmbedInput[], signal?: AbortSignal): Promise<Float32Array[]> {
      if (signal?.aborted) throw signal.reason;
      const keys = batch.map((b) => sha256(b.text));
      const found = new Map<string, Float32Array>();
      const todo: { key: string; text: string }[] = [];
      const queued = new Set<string>();
      batch.forEach((b, i) => {
        const hit = cache.get(keys[i]);
        if (hit) {
          found.set(keys[i], hit);
          usage.cacheHits++;
        } else if (!queued.has(keys[i])) {
          queued.add(keys[i]);
          todo.push({ key: keys[i], text: b.text });
        }
      });
      const chunks: { key: string; text: string }[][] = [];
      for (let i = 0; i < todo.length; i += batchSize) chunks.push(todo.slice(i, i + batchSize));
      // Chunks run concurrently, paced by the gate; their answers are kept here, not read back
      // from the cache, which may be off or may already have evicted them.
      const results = await Promise.all(
        chunks.map((c) =>
          embedBatch(
            c.map((x) => x.key),
            c.map((x) => x.text),
            signal,
          ),
        ),
      );
      for (const r of results) for (const [k, v] of r) found.set(k, v);
      return keys.map((k) => {
        const v = found.get(k);
        if (!v) throw new CodedError('unavailable', 'embeddings: the server answered without a vector for some input');
        return v;
      });
    },
  };
}

/**
 * Same resolution as the labeler's client (options, then OPENAI_BASE_URL / OPENAI_API_KEY; a local
 * server needs no key). NOTE: not imported from label/labeler.ts, which would pull the LanceDB
 * store into every embedder user; retries are ours (shared pause, bounded attempts), so the
 * client's are off.
 */
function createEmbeddingsClient(o: { baseURL?: string; apiKey?: string; timeoutMs?: number }): OpenAI {
  const { baseURL, apiKey } = clientAuth(o);
  if (!apiKey)
    throw new Error(
      'openai embedder: no API key: set OPENAI_API_KEY, or a base URL for a local OpenAI-compatible server',
    );
  return new OpenAI({ baseURL, apiKey, maxRetries: 0, timeout: o.timeoutMs ?? 60_000 });
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** base64 little-endian float32 (what we ask for), or a plain number array (servers that ignore encoding_format). */
function decodeVector(e: unknown): Float32Array {
  if (typeof e === 'string') {
    const buf = Buffer.from(e, 'base64');
    const out = new Float32Array(buf.length >> 2);
    // NOTE: copied, not viewed: a pooled Buffer's byteOffset need not be 4-aligned. Assumes a
    // little-endian host, as every platform Node ships for is.
    new Uint8Array(out.buffer).set(buf.subarray(0, out.length * 4));
    return out;
  }
  if (Array.isArray(e)) return Float32Array.from(e as number[]);
  throw new CodedError('unavailable', 'embeddings: unrecognised embedding encoding');
}
