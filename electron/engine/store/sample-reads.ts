/** Reads of the samples table for one sample, or for the ids of samples with some text. */
import type { Sample } from '../../../shared/domain.js';
import type { DatasetStore } from './dataset-store.js';
import { sampleFromRow, type SampleRowRecord } from './row-mapping.js';
import { sqlString } from './table-helpers.js';

export async function readSample(store: DatasetStore, id: string): Promise<Sample | null> {
  const t = await store.table('samples');
  const rows = await t
    .query()
    .where(`id = ${sqlString(id)}`)
    .limit(1)
    .toArray();
  if (!rows.length) return null;
  const s = sampleFromRow(rows[0] as SampleRowRecord);
  const r = store.index.row(id);
  if (r !== undefined) {
    s.tokens = store.index.tokens[r];
    s.tokensExact = store.index.tokensExact[r] === 1;
  }
  return s;
}

/** Ids of samples whose text contains `needle` (case-insensitive), via LanceDB's scan. */
export async function sampleIdsWithText(store: DatasetStore, needle: string): Promise<Set<string>> {
  const t = await store.table('samples');
  const pattern = `%${needle.toLowerCase().replace(/[%_\\]/g, (c) => '\\' + c)}%`;
  const out = new Set<string>();
  for await (const batch of t
    .query()
    .where(`lower(text) LIKE ${sqlString(pattern)}`)
    .select(['id'])) {
    const col = batch.getChild('id')!;
    for (let i = 0; i < batch.numRows; i++) out.add(col.get(i));
  }
  return out;
}
