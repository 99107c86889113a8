import { CodedError } from '../../../shared/errors.js';
import type { SampleRow } from '../../../shared/domain.js';
import type { DatasetStore } from '../store/dataset-store.js';
import { sqlString } from '../store/dataset-store.js';
import { existingEmbeddingTable } from '../embed/embedding-store.js';
import type { Embedder } from '../embed/embedder.js';
import { tunedVectorSearch } from '../embed/vector-index.js';
import { hash53 } from '../label/selection.js';

/**
 * "What to label next": review queues ranked by where a label teaches the most.
 * - uncertainty: classifier probability nearest its threshold, no human label yet;
 * - disagreement: classifier, LLM and human keep verdicts differ (any pair);
 * - diversity: unlabeled samples whose nearest labeled neighbours (LanceDB vector search) are far.
 */
export type QueueKind = 'uncertainty' | 'disagreement' | 'diversity';

export async function reviewQueue(
  store: DatasetStore,
  kind: QueueKind,
  opts: { threshold: number | null; limit?: number; embedder?: Embedder; seed?: number },
): Promise<SampleRow[]> {
  const idx = store.index;
  const limit = opts.limit ?? 100;
  const rows: { r: number; key: number }[] = [];
  const thr = opts.threshold ?? 0.5;
  if (kind === 'uncertainty') {
    for (let r = 0; r < idx.size; r++)
      if (!Number.isNaN(idx.cls[r]) && idx.humanKeep[r] === -1) rows.push({ r, key: Math.abs(idx.cls[r] - thr) });
  } else if (kind === 'disagreement') {
    const k = store.config.keepThreshold;
    for (let r = 0; r < idx.size; r++) {
      const votes: number[] = [];
      if (!Number.isNaN(idx.cls[r])) votes.push(idx.cls[r] >= thr ? 1 : 0);
      if (idx.llmKeep[r] !== -1) votes.push(Number.isNaN(idx.llm[r]) ? idx.llmKeep[r] : idx.llm[r] >= k ? 1 : 0);
      if (idx.humanKeep[r] !== -1)
        votes.push(Number.isNaN(idx.human[r]) ? idx.humanKeep[r] : idx.human[r] >= k ? 1 : 0);
      if (votes.length >= 2 && votes.some((v) => v !== votes[0])) {
        // Prefer samples without a human label and with the widest LLM-vs-classifier gap.
        const gap = !Number.isNaN(idx.cls[r]) && !Number.isNaN(idx.llm[r]) ? Math.abs(idx.cls[r] - idx.llm[r] / 5) : 0;
        rows.push({ r, key: (idx.humanKeep[r] === -1 ? 0 : 10) - gap });
      }
    }
  } else {
    if (!opts.embedder) throw new CodedError('invalid_input', 'the diversity queue needs an embedder');
    // NOTE: a read: never registers an embedder (an entry without its spec would break training).
    const table = await existingEmbeddingTable(store, opts.embedder.id);
    if (!table)
      throw new CodedError('conflict', `no ${opts.embedder.id} vectors yet: run \`tbs embed\` (or train) first`);
    const labeled = (r: number) => idx.humanKeep[r] !== -1 || idx.llmKeep[r] !== -1;
    const pool: number[] = [];
    for (let r = 0; r < idx.size; r++) if (!labeled(r)) pool.push(r);
    const seed = opts.seed ?? 0;
    pool.sort((a, b) => hash53(idx.ids[a], seed) - hash53(idx.ids[b], seed));
    // NOTE: a bounded candidate pool keeps this to a few hundred vector searches.
    for (const r of pool.slice(0, Math.max(limit * 4, 200))) {
      const v = await table
        .query()
        .where(`sample_id = ${sqlString(idx.ids[r])}`)
        .select(['vector'])
        .limit(1)
        .toArray();
      if (!v.length) continue;
      const hits = await (
        await tunedVectorSearch(
          table,
          table
            .vectorSearch(Array.from(v[0].vector.toArray() as Float32Array))
            .distanceType('cosine')
            .limit(20)
            .select(['sample_id', '_distance']),
          20,
        )
      ).toArray();
      let nearest = 2;
      for (const h of hits) {
        const hr = idx.row(h.sample_id as string);
        if (hr !== undefined && labeled(hr)) {
          nearest = h._distance as number;
          break;
        }
      }
      rows.push({ r, key: -nearest });
    }
  }
  rows.sort((a, b) => a.key - b.key || (idx.ids[a.r] < idx.ids[b.r] ? -1 : 1));
  return rows.slice(0, limit).map(({ r }) => idx.rowView(r));
}

/** Nearest neighbours of a sample by cosine distance on an embedder's vectors. */
export async function similarSamples(
  store: DatasetStore,
  embedder: Embedder,
  id: string,
  k = 10,
): Promise<{ row: SampleRow; distance: number }[]> {
  const table = await existingEmbeddingTable(store, embedder.id);
  if (!table) throw new CodedError('conflict', `no ${embedder.id} vectors yet: run \`tbs embed\` first`);
  const v = await table
    .query()
    .where(`sample_id = ${sqlString(id)}`)
    .select(['vector'])
    .limit(1)
    .toArray();
  if (!v.length) throw new CodedError('conflict', `sample ${id} has no ${embedder.id} vector: run \`tbs embed\` first`);
  const query = table
    .vectorSearch(Array.from(v[0].vector.toArray() as Float32Array))
    .distanceType('cosine')
    .limit(k + 1)
    .select(['sample_id', '_distance']);
  // With an ANN index (large tables), its tuned nprobes / ef / refineFactor: recall@10 >= 0.95, exact distances.
  const hits = await (await tunedVectorSearch(table, query, k + 1)).toArray();
  return hits
    .filter((h) => h.sample_id !== id && store.index.has(h.sample_id as string))
    .slice(0, k)
    .map((h) => ({
      row: store.index.rowView(store.index.row(h.sample_id as string)!),
      distance: h._distance as number,
    }));
}
