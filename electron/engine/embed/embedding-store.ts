import { CodedError } from '../../../shared/errors.js';
import { createHash } from 'node:crypto';
import type * as lancedb from '@lancedb/lancedb';
import { Field, FixedSizeList, Float32, Schema, Utf8 } from 'apache-arrow';
import type { DatasetStore } from '../store/dataset-store.js';
import type { Embedder } from './embedder.js';
import { ensureVectorIndex, type VectorIndexResult } from './vector-index.js';

/**
 * Vectors per embedder, one LanceDB table each (`emb_<hash of embedder id>`), registered in
 * config.json. Embedding is incremental: only samples without a vector for that embedder are
 * embedded, in batches streamed to the table, with progress and cancel.
 */
export function embeddingTableName(embedderId: string): string {
  return 'emb_' + createHash('sha256').update(embedderId).digest('hex').slice(0, 16);
}

export async function embeddingTable(
  store: DatasetStore,
  embedder: { id: string; dims: number },
  spec: Record<string, unknown> = {},
): Promise<lancedb.Table> {
  const name = embeddingTableName(embedder.id);
  const reg = store.config.embedders[embedder.id];
  if (reg && reg.dims !== embedder.dims)
    throw new CodedError(
      'conflict',
      `embedder ${embedder.id} is registered with ${reg.dims} dims, got ${embedder.dims}`,
    );
  const names = await store.folder.db.tableNames();
  if (!names.includes(name)) {
    const schema = new Schema([
      new Field('sample_id', new Utf8(), false),
      new Field('vector', new FixedSizeList(embedder.dims, new Field('item', new Float32(), true)), false),
    ]);
    await store.folder.db.createEmptyTable(name, schema, { existOk: true });
  }
  if (!reg) {
    await store.folder.saveConfig({
      ...store.config,
      embedders: {
        ...store.config.embedders,
        [embedder.id]: { table: name, dims: embedder.dims, spec, createdAt: new Date().toISOString() },
      },
      defaultEmbedder: store.config.defaultEmbedder ?? embedder.id,
    });
  }
  return store.folder.db.openTable(name);
}

export async function embeddedIds(table: lancedb.Table): Promise<Set<string>> {
  const out = new Set<string>();
  for await (const b of table.query().select(['sample_id'])) {
    const c = b.getChild('sample_id')!;
    for (let i = 0; i < b.numRows; i++) out.add(c.get(i));
  }
  return out;
}

export interface EmbedRunSummary {
  embedderId: string;
  embedded: number;
  alreadyEmbedded: number;
  total: number;
  cancelled: boolean;
  seconds: number;
  /** What happened to the ANN index after this run (absent after a cancel). */
  vectorIndex?: VectorIndexResult;
}

/** Embeds every sample that has no vector for `embedder` yet. */
export async function embedDataset(
  store: DatasetStore,
  embedder: Embedder,
  opts: {
    batchSize?: number;
    signal?: AbortSignal;
    spec?: Record<string, unknown>;
    onProgress?: (p: { done: number; total: number }) => void;
  } = {},
): Promise<EmbedRunSummary> {
  const t0 = Date.now();
  const table = await embeddingTable(store, embedder, opts.spec);
  const have = await embeddedIds(table);
  const total = store.index.size;
  const todo = total - [...have].filter((id) => store.index.has(id)).length;
  const batchSize = opts.batchSize ?? 256;
  const writeEvery = 4096;
  let pending: { sample_id: string; vector: number[] }[] = [];
  let embedded = 0;
  let inputs: { id: string; text: string; language: string; astCounts: Record<string, number> }[] = [];
  const embedBatch = async () => {
    if (!inputs.length) return;
    const vecs = await embedder.embed(inputs, opts.signal);
    for (let i = 0; i < inputs.length; i++) pending.push({ sample_id: inputs[i].id, vector: Array.from(vecs[i]) });
    embedded += inputs.length;
    inputs = [];
    if (pending.length >= writeEvery) await flush();
    opts.onProgress?.({ done: embedded, total: todo });
  };
  const flush = async () => {
    if (pending.length) {
      await table.add(pending);
      pending = [];
    }
  };
  const samples = await store.table('samples');
  opts.onProgress?.({ done: 0, total: todo });
  try {
    for await (const b of samples.query().select(['id', 'text', 'language', 'ast_counts'])) {
      const id = b.getChild('id')!;
      const text = b.getChild('text')!;
      const lang = b.getChild('language')!;
      const ast = b.getChild('ast_counts')!;
      for (let i = 0; i < b.numRows; i++) {
        const sid = id.get(i) as string;
        if (have.has(sid)) continue;
        have.add(sid);
        inputs.push({ id: sid, text: text.get(i), language: lang.get(i), astCounts: JSON.parse(ast.get(i) || '{}') });
        if (inputs.length >= batchSize) await embedBatch();
        if (opts.signal?.aborted) break;
      }
      if (opts.signal?.aborted) break;
    }
    if (!opts.signal?.aborted) await embedBatch();
  } finally {
    // NOTE: whatever was embedded before a cancel is kept; the next run only does the rest.
    await flush();
  }
  if (embedded > 0) await table.optimize({ cleanupOlderThan: new Date(Date.now() - 60_000) });
  // NOTE: builds the tuned ANN index once the table is large (see vector-index.ts): a no-op below
  // the threshold or when a fitting index exists (also catches tables embedded before indexing
  // existed), skipped after a cancel. Search works without it, so a failed build is only reported.
  let vectorIndex: VectorIndexResult | undefined;
  if (!opts.signal?.aborted) {
    try {
      vectorIndex = await ensureVectorIndex(table, { dims: embedder.dims });
    } catch (e) {
      vectorIndex = { action: 'failed', rows: 0, plan: null, seconds: 0, error: (e as Error).message };
    }
  }
  return {
    embedderId: embedder.id,
    embedded,
    alreadyEmbedded: total - todo,
    total,
    cancelled: Boolean(opts.signal?.aborted),
    seconds: (Date.now() - t0) / 1000,
    vectorIndex,
  };
}

/** Reads the vectors of `ids` (all when omitted) for an embedder. */
export async function readVectors(table: lancedb.Table, ids?: Set<string>): Promise<Map<string, Float32Array>> {
  const out = new Map<string, Float32Array>();
  for await (const b of table.query().select(['sample_id', 'vector'])) {
    const sid = b.getChild('sample_id')!;
    const vec = b.getChild('vector')!;
    for (let i = 0; i < b.numRows; i++) {
      const id = sid.get(i) as string;
      if (ids && !ids.has(id)) continue;
      const v = vec.get(i);
      out.set(id, v.toArray ? Float32Array.from(v.toArray()) : Float32Array.from(v));
    }
  }
  return out;
}
