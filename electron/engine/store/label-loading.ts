/**
 * How an open gets its labels: the label journal over the labels table (a writer replays it on
 * open), and every stored or pending label applied to the index in time order.
 */
import { pushAll } from '../../../shared/arrays.js';
import type * as lancedb from '@lancedb/lancedb';
import { join } from 'node:path';
import type { LabelRecord } from '../../../shared/domain.js';
import type { DatasetStore } from './dataset-store.js';
import { DurableJournal } from './durable-journal.js';
import type { LlmLabels } from './llm-labels.js';
import { readRowSnapshot, writeRowSnapshot } from './row-snapshot.js';
import { labelToRow } from './row-mapping.js';
import { inChunks, sqlString } from './table-helpers.js';
import { readLabelCores, type LabelCore } from './label-cores.js';

/** The label journal of the dataset in `dir`, flushing to (and checking keys against) `labels`. */
export function createLabelJournal(dir: string, labels: lancedb.Table): DurableJournal<LabelRecord> {
  return new DurableJournal<LabelRecord>({
    dir: join(dir, 'journal'),
    name: 'labels',
    flushTo: async (recs) => {
      await labels.add(recs.map(labelToRow));
    },
    existingKeys: async (keys) => {
      const have = new Set<string>();
      await inChunks(keys, 500, async (chunk) => {
        const rows = await labels
          .query()
          .where(`label_id IN (${chunk.map(sqlString).join(',')})`)
          .select(['label_id'])
          .toArray();
        for (const r of rows) have.add(r.label_id as string);
      });
      return have;
    },
    keyOf: (r) => r.labelId,
  });
}

/** The store's own label state that loading fills in. */
export interface LabelState {
  /** Every LLM source's latest label per row. */
  llm: LlmLabels;
  /** Read-only opens: acknowledged labels read from the holder's journal, not yet in LanceDB. */
  readonlyPending: LabelRecord[];
  /** Applies one label to the index (and counts it in `labelsVersion`). */
  applyLabel: (r: LabelCore) => void;
}

/**
 * Applies every label in time order. LLM labels come from `labels-snapshot.bin` when it was
 * written for this index and this version of the labels table, and no journal record waits
 * to be merged; human labels are always read (a filtered scan) and applied on top.
 */
export async function loadLabels(
  store: DatasetStore,
  labels: lancedb.Table,
  journaled: LabelRecord[],
  state: LabelState,
): Promise<void> {
  const key = journaled.length ? null : await store.rowSnapshotKey(['labels']);
  const snap = key && (await readRowSnapshot(store.dir, 'labels', key));
  const extra = snap ? (snap.extra as { llmRows?: unknown; sources?: unknown } | null) : null;
  let all: LabelCore[];
  const fromSnapshot = Boolean(
    snap && typeof extra?.llmRows === 'number' && state.llm.load(snap.columns, extra.sources, store.index.size),
  );
  if (fromSnapshot) {
    all = await readLabelCores(labels, "kind = 'human'");
    store.labelsVersion += extra!.llmRows as number;
  } else {
    all = await readLabelCores(labels);
    if (journaled.length) {
      // A reader: journal records the table does not hold yet are pending labels.
      const stored = new Set(all.map((r) => r.labelId));
      const seen = new Set<string>();
      for (const r of journaled)
        if (!stored.has(r.labelId) && !seen.has(r.labelId)) {
          seen.add(r.labelId);
          state.readonlyPending.push(r);
        }
      pushAll(all, state.readonlyPending);
    }
    state.llm.sources.clear();
  }
  all.sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0));
  let llmRows = 0;
  for (const r of all) {
    if (r.kind !== 'human') llmRows++;
    state.applyLabel(r);
  }
  if (key && !fromSnapshot && !store.readOnly) {
    const { columns, sources } = state.llm.snapshot(store.index.size);
    await writeRowSnapshot(store.dir, 'labels', key, columns, { llmRows, sources });
  }
}
