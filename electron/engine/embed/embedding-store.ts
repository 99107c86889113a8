import { CodedError } from '../../../shared/errors.js';
import { createHash } from 'node:crypto';
import type * as lancedb from '@lancedb/lancedb';
import { createRequire } from 'node:module';
import { Field, FixedSizeList, Float32, Schema, Utf8, type Table } from 'apache-arrow';
import type { DatasetStore } from '../store/dataset-store.js';
import type { Embedder } from './embedder.js';
import { ensureVectorIndex, type VectorIndexResult } from './vector-index.js';
import { InOrder, type CpuPool } from '../workers/cpu-pool.js';

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
    await store.folder.db.createEmptyTable(name, vectorSchema(embedder.dims), { existOk: true });
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

/** The dataset's vector table for an embedder, or null when none exists yet (never creates one). */
export async function existingEmbeddingTable(store: DatasetStore, embedderId: string): Promise<lancedb.Table | null> {
  const name = embeddingTableName(embedderId);
  return (await store.folder.db.tableNames()).includes(name) ? store.folder.db.openTable(name) : null;
}

export function vectorSchema(dims: number): Schema {
  return new Schema([
    new Field('sample_id', new Utf8(), false),
    new Field('vector', new FixedSizeList(dims, new Field('item', new Float32(), true)), false),
  ]);
}

/**
 * Rows of a vector table as one Arrow table, built straight from the Float32Arrays.
 * NOTE: `table.add` of plain objects converts every float through Arrow's row builders (about
 * 17 ms per 1,000 vectors of 256 dims on the writer's thread); one flat buffer costs a copy.
 */
// NOTE: LanceDB loads apache-arrow's CommonJS build. A Table made with the ESM build's classes is
// not `instanceof` that one's Table, and LanceDB's re-sanitizing of it fails, so rows are built
// with the same build LanceDB uses.
const arrowCjs = createRequire(import.meta.url)('apache-arrow') as typeof import('apache-arrow');

export function vectorRows(dims: number, rows: { sample_id: string; vector: Float32Array }[]): Table {
  const flat = new Float32Array(rows.length * dims);
  rows.forEach((r, i) => {
    if (r.vector.length !== dims)
      throw new RangeError(`vector of ${r.sample_id}: ${r.vector.length} dims, not ${dims}`);
    flat.set(r.vector, i * dims);
  });
  const A = arrowCjs;
  const listType = new A.FixedSizeList(dims, new A.Field('item', new A.Float32(), true));
  const schema = new A.Schema([new A.Field('sample_id', new A.Utf8(), false), new A.Field('vector', listType, false)]);
  const values = A.makeData({ type: new A.Float32(), length: flat.length, data: flat });
  const vector = A.makeData({ type: listType, length: rows.length, nullCount: 0, child: values });
  const ids = A.vectorFromArray(
    rows.map((r) => r.sample_id),
    new A.Utf8(),
  ).data[0];
  const struct = A.makeData({
    type: new A.Struct(schema.fields),
    length: rows.length,
    nullCount: 0,
    children: [ids, vector],
  });
  return new A.Table([new A.RecordBatch(schema, struct)]);
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
    /** Worker threads for CPU embedders (those with a workerSpec); default inline. */
    pool?: CpuPool;
    /** Only samples this predicate accepts (a shard's share); the default takes all. */
    include?: (id: string) => boolean;
    /**
     * A shard's private vector table: vectors go there, samples with a vector in the dataset's
     * table are skipped, and the dataset (config, tables, ANN index) is left untouched.
     */
    target?: lancedb.Table;
    onProgress?: (p: { done: number; total: number }) => void;
  } = {},
): Promise<EmbedRunSummary> {
  const t0 = Date.now();
  const table = opts.target ?? (await embeddingTable(store, embedder, opts.spec));
  const have = await embeddedIds(table);
  if (opts.target) {
    const shared = await existingEmbeddingTable(store, embedder.id);
    if (shared) for (const id of await embeddedIds(shared)) have.add(id);
  }
  const include = opts.include ?? (() => true);
  let total = 0;
  let alreadyHad = 0;
  for (const id of store.index.ids) {
    if (!include(id)) continue;
    total++;
    if (have.has(id)) alreadyHad++;
  }
  const todo = total - alreadyHad;
  const pooled = opts.pool && opts.pool.workers > 1 && embedder.workerSpec ? opts.pool : null;
  // NOTE: with a pool, a small run still gives every worker a few batches to embed.
  const batchSize =
    opts.batchSize ?? (pooled ? Math.min(1024, Math.max(64, Math.ceil(todo / (pooled.workers * 4)))) : 256);
  const writeEvery = 4096;
  let pending: { sample_id: string; vector: Float32Array }[] = [];
  let embedded = 0;
  let inputs: { id: string; text: string; language: string; ast: string }[] = [];
  // NOTE: with a pool, batches are embedded on worker threads and written in the order they were
  // read, so the table's rows are the same for any worker count.
  const inFlight = new InOrder<string[], Float32Array[]>(pooled ? pooled.workers * 2 : 0);
  const accept = async (ids: string[], vecs: Float32Array[]) => {
    for (let i = 0; i < ids.length; i++) pending.push({ sample_id: ids[i], vector: vecs[i] });
    embedded += ids.length;
    if (pending.length >= writeEvery) await flush();
    opts.onProgress?.({ done: embedded, total: todo });
  };
  const embedBatch = async () => {
    if (!inputs.length) return;
    const batch = inputs;
    inputs = [];
    const ids = batch.map((x) => x.id);
    const vecs = pooled
      ? pooled
          .embed({
            spec: embedder.workerSpec!,
            texts: batch.map((x) => x.text),
            languages: batch.map((x) => x.language),
            ast: batch.map((x) => x.ast),
          })
          .then((flat) => splitRows(flat, embedder.dims))
      : embedder.embed(
          batch.map((x) => ({ text: x.text, language: x.language, astCounts: JSON.parse(x.ast || '{}') })),
          opts.signal,
        );
    const done = await inFlight.push(ids, vecs);
    if (done) await accept(done.ctx, done.result);
  };
  const flush = async () => {
    if (pending.length) {
      await table.add(vectorRows(embedder.dims, pending));
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
        if (have.has(sid) || !include(sid)) continue;
        have.add(sid);
        inputs.push({ id: sid, text: text.get(i), language: lang.get(i), ast: ast.get(i) });
        if (inputs.length >= batchSize) await embedBatch();
        if (opts.signal?.aborted) break;
      }
      if (opts.signal?.aborted) break;
    }
    if (!opts.signal?.aborted) await embedBatch();
    for await (const done of inFlight.drain()) await accept(done.ctx, done.result);
  } finally {
    // NOTE: whatever was embedded before a cancel is kept; the next run only does the rest.
    await flush();
  }
  if (opts.target)
    return {
      embedderId: embedder.id,
      embedded,
      alreadyEmbedded: alreadyHad,
      total,
      cancelled: Boolean(opts.signal?.aborted),
      seconds: (Date.now() - t0) / 1000,
    };
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
    alreadyEmbedded: alreadyHad,
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

function splitRows(flat: Float32Array, dims: number): Float32Array[] {
  const out: Float32Array[] = [];
  for (let o = 0; o < flat.length; o += dims) out.push(flat.subarray(o, o + dims));
  return out;
}
