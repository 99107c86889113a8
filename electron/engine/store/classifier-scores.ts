import type { DatasetStore } from './dataset-store.js';
import { stringCells } from './arrow-strings.js';
import { readRowSnapshot, writeRowSnapshot } from './row-snapshot.js';
import { sqlString } from './table-helpers.js';

/**
 * A model's probabilities into the index's classifier column. With `snapshot` (at open) they come
 * from `scores-snapshot.bin` when it was written for this index, this model and this version of
 * the scores table; otherwise from the table, and a writer persists them for the next open.
 */
export async function loadClassifierScores(store: DatasetStore, modelId: string, snapshot: boolean): Promise<void> {
  const index = store.index;
  const key = snapshot ? await store.rowSnapshotKey(['scores'], { model: modelId }) : null;
  const snap = key && (await readRowSnapshot(store.dir, 'scores', key));
  if (snap && snap.columns.cls instanceof Float32Array && snap.columns.cls.length === index.size) {
    index.loadClassifier(snap.columns.cls);
    return;
  }
  const scores = await store.table('scores');
  for await (const b of scores
    .query()
    .where(`model_id = ${sqlString(modelId)}`)
    .select(['sample_id', 'prob'])) {
    const sid = stringCells(b.getChild('sample_id')!);
    const prob = b.getChild('prob')!;
    for (let i = 0; i < b.numRows; i++) {
      const r = index.row(sid(i)!);
      if (r !== undefined) index.setClassifier(r, prob.get(i));
    }
  }
  if (key && !store.readOnly) await writeRowSnapshot(store.dir, 'scores', key, { cls: index.cls.slice(0, index.size) });
}
