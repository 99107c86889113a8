/**
 * A dataset's label records one at a time: a label by id, a sample's label history (both merged
 * with the unflushed journal), and the retraction of a human label.
 */
import { CodedError } from '../../../shared/errors.js';
import { randomUUID } from 'node:crypto';
import type { LabelRecord } from '../../../shared/domain.js';
import type { DatasetStore } from './dataset-store.js';
import { labelFromRow } from './row-mapping.js';
import { sqlString } from './table-helpers.js';

/** One label record by id, from LanceDB or the unflushed journal. */
export async function findLabelRecord(store: DatasetStore, labelId: string): Promise<LabelRecord | null> {
  const pending = store.pendingLabels().find((p) => p.labelId === labelId);
  if (pending) return pending;
  const rows = await (
    await store.table('labels')
  )
    .query()
    .where(`label_id = ${sqlString(labelId)}`)
    .limit(1)
    .toArray();
  return rows.length ? labelFromRow(rows[0]) : null;
}

/** Undo: appends a record retracting a human label (the original stays in history). */
export async function retractLabel(store: DatasetStore, labelId: string, annotator: string): Promise<LabelRecord> {
  const found = await store.findLabel(labelId);
  if (!found) throw new CodedError('not_found', `no label with id ${labelId}`);
  if (found.kind !== 'human' || found.retracts)
    throw new CodedError('invalid_input', `label ${labelId} is not a human judgement; only those can be retracted`);
  const row = store.index.row(found.sampleId);
  const entry = row === undefined ? undefined : store.index.humanHistory.get(row)?.find((h) => h.labelId === labelId);
  if (entry?.retracted) throw new CodedError('conflict', `label ${labelId} is already retracted`);
  const rec: LabelRecord = {
    labelId: randomUUID(),
    sampleId: found.sampleId,
    kind: 'human',
    score: null,
    keep: false,
    rationale: null,
    agent: annotator,
    origin: 'key',
    note: null,
    retracts: labelId,
    details: {},
    createdAt: new Date().toISOString(),
  };
  await store.appendLabels([rec]);
  return rec;
}

/** Every label record of a sample, oldest first, including ones not yet flushed to LanceDB. */
export async function labelRecordsOf(store: DatasetStore, sampleId: string): Promise<LabelRecord[]> {
  // NOTE: pending first: a record leaves the pending list only once the table holds it.
  const pending = store.pendingLabels().filter((p) => p.sampleId === sampleId);
  const labels = await store.table('labels');
  const rows = await labels
    .query()
    .where(`sample_id = ${sqlString(sampleId)}`)
    .toArray();
  const out = rows.map((r) => labelFromRow(r));
  const seen = new Set(out.map((r) => r.labelId));
  for (const p of pending) if (!seen.has(p.labelId)) out.push(p);
  return out.sort((a, b) =>
    a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.labelId < b.labelId ? -1 : 1,
  );
}
