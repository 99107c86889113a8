import * as lancedb from '@lancedb/lancedb';

/**
 * The ANN index of an embedding table (`vector`, cosine), and the search knobs that go with it.
 *
 * Below VECTOR_INDEX_MIN_ROWS there is no index: LanceDB's flat scan of 50k x 256 floats is exact
 * and fast enough. From there on an IVF_HNSW_SQ index (HNSW graphs over 8-bit scalar-quantized
 * vectors, one graph per IVF partition), chosen by measurement on hash embeddings of real Python
 * padded to 10^6 rows (tests/bench/ann-bench.ts), 2 cores:
 *
 * - LanceDB's default IVF_PQ (sqrt(n) partitions, dims/16 sub-vectors = 16 bytes per 256-dim
 *   vector) reached recall@10 0.06-0.28 on random data and ~0.8 on these vectors. IVF_PQ with
 *   dims/4 sub-vectors and refine 10 needs ~20% of the partitions probed for 0.95 (p50 ~12 ms),
 *   because the neighbours of a code sample spread over many IVF cells (high intrinsic dimension),
 *   and its PQ training costs ~95 s even at 60k rows.
 * - IVF_HNSW_SQ, 1 partition per 125k rows (8 at 10^6), m 16, efConstruction 100: built in
 *   90-125 s at 10^6 (~5 s at 60k); searched with all partitions, ef 160 and refine 10 it gave
 *   recall@10 0.993 (0.987 for real samples not in the table) at p50 ~7 ms, p95 ~10 ms.
 *
 * The refine step re-ranks limit x refineFactor candidates by exact distance, so `_distance` is the
 * exact cosine distance, as without an index. HNSW needs ef >= limit x refineFactor.
 * An index built for less than half of today's rows is rebuilt; rows added since the build are
 * indexed incrementally by `table.optimize()` (and unindexed rows are always scanned flat).
 */
export const VECTOR_INDEX_MIN_ROWS = 50_000;
const ROWS_PER_PARTITION = 125_000;
const INDEX_PREFIX = 'vector_hnsw_sq_n';

export interface VectorIndexPlan {
  numPartitions: number;
  m: number;
  efConstruction: number;
  distanceType: 'cosine';
}

export interface VectorSearchOptions {
  nprobes: number;
  refineFactor: number;
  ef: number;
}

export interface VectorIndexResult {
  /** `built`: trained now; `kept`: an index fit for this size exists; `none`: below the threshold; `failed`: see error. */
  action: 'built' | 'kept' | 'none' | 'failed';
  error?: string;
  rows: number;
  plan: VectorIndexPlan | null;
  seconds: number;
}

export function vectorIndexPartitions(rows: number): number {
  return Math.max(1, Math.round(rows / ROWS_PER_PARTITION));
}

/** The index to build for `rows` vectors; null when a flat scan is the better deal. */
export function planVectorIndex(dims: number, rows: number, minRows = VECTOR_INDEX_MIN_ROWS): VectorIndexPlan | null {
  if (rows < minRows || dims < 1) return null;
  return { numPartitions: vectorIndexPartitions(rows), m: 16, efConstruction: 100, distanceType: 'cosine' };
}

/**
 * Search knobs for the index built at `rows` rows (recall@10 >= 0.95 at 10^6 rows): every
 * partition probed, ef 160 (at least limit x refineFactor), refine 10.
 */
export function searchOptions(rows: number, limit = 10): VectorSearchOptions {
  const refineFactor = 10;
  // NOTE: ef is the smallest LanceDB accepts with the refine step (k x refineFactor candidates). At
  // 10^6 on a quiet machine (tests/bench/RESULTS.md, ann): ef 100 p50 9.3 ms at recall@10 0.982,
  // ef 160 10.9 ms at 0.990, ef 320 14.8 ms at 0.998; without the refine step recall was 0.96-0.97.
  return { nprobes: vectorIndexPartitions(rows), refineFactor, ef: Math.max(100, limit * refineFactor) };
}

/** The ANN index on `vector`, if any, with the row count it was built for (from its name). */
export async function vectorIndexInfo(
  table: lancedb.Table,
): Promise<{ name: string; builtRows: number | null } | null> {
  for (const ix of await table.listIndices()) {
    if (!ix.columns.includes('vector')) continue;
    const n = ix.name.startsWith(INDEX_PREFIX) ? Number(ix.name.slice(INDEX_PREFIX.length)) : NaN;
    return { name: ix.name, builtRows: Number.isFinite(n) ? n : null };
  }
  return null;
}

/**
 * Builds the tuned index when the table has reached the threshold and has no index fit for its
 * size (none yet, or one built for < 1/2 of today's rows), plus a BTREE on `sample_id`: the
 * lookup of a sample's own vector (similarSamples, the diversity queue) is otherwise a full scan
 * (~22 ms at 10^6 rows, ~1 ms with it). Idempotent; waits for the build.
 */
export async function ensureVectorIndex(
  table: lancedb.Table,
  o: { dims: number; rows?: number; minRows?: number; force?: boolean },
): Promise<VectorIndexResult> {
  const rows = o.rows ?? (await table.countRows());
  const plan = planVectorIndex(o.dims, rows, o.minRows);
  if (!plan) return { action: 'none', rows, plan: null, seconds: 0 };
  const t0 = Date.now();
  if (!(await table.listIndices()).some((ix) => ix.columns.includes('sample_id'))) {
    await table.createIndex('sample_id', { config: lancedb.Index.btree(), waitTimeoutSeconds: 600 });
  }
  const have = await vectorIndexInfo(table);
  if (!o.force && have && (have.builtRows === null || have.builtRows * 2 > rows))
    return { action: 'kept', rows, plan, seconds: (Date.now() - t0) / 1000 };
  const name = `${INDEX_PREFIX}${rows}`;
  await table.createIndex('vector', {
    config: lancedb.Index.hnswSq(plan),
    replace: true,
    name,
    waitTimeoutSeconds: 3600,
  });
  // NOTE: LanceDB keeps several indices on one column side by side; only the new one may stay.
  for (const ix of await table.listIndices())
    if (ix.columns.includes('vector') && ix.name !== name) await table.dropIndex(ix.name);
  return { action: 'built', rows, plan, seconds: (Date.now() - t0) / 1000 };
}

/**
 * Applies the tuned nprobes / refineFactor to a cosine vector search when the table has an ANN
 * index; without one LanceDB scans every vector (exact) and the query is left as it is.
 */
export async function tunedVectorSearch(
  table: lancedb.Table,
  query: lancedb.VectorQuery,
  limit: number,
): Promise<lancedb.VectorQuery> {
  const ix = await vectorIndexInfo(table);
  if (!ix) return query;
  const o = searchOptions(ix.builtRows ?? (await table.countRows()), limit);
  return query.nprobes(o.nprobes).ef(o.ef).refineFactor(o.refineFactor);
}
