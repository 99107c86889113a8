import type * as lancedb from '@lancedb/lancedb';
import type { LabelRecord } from '../../../shared/domain.js';
import { stringCells } from './arrow-strings.js';

/** What the index needs of a label (rationale and details stay on disk). */
export type LabelCore = Pick<
  LabelRecord,
  'labelId' | 'sampleId' | 'kind' | 'score' | 'keep' | 'agent' | 'origin' | 'retracts' | 'createdAt'
>;

/** Every label's core columns, read column-wise (string columns decoded a batch at a time). */
/** `where`: a filter on the labels table (e.g. only human labels). */
export async function readLabelCores(labels: lancedb.Table, where?: string): Promise<LabelCore[]> {
  const all: LabelCore[] = [];
  const q = labels.query();
  for await (const b of (where ? q.where(where) : q).select([
    'label_id',
    'sample_id',
    'kind',
    'score',
    'keep',
    'agent',
    'origin',
    'retracts',
    'created_at',
  ])) {
    const [labelId, sampleId, kind, agent, origin, retracts, createdAt] = [
      'label_id',
      'sample_id',
      'kind',
      'agent',
      'origin',
      'retracts',
      'created_at',
    ].map((n) => stringCells(b.getChild(n)!));
    const score = b.getChild('score')!;
    const keep = b.getChild('keep')!;
    for (let i = 0; i < b.numRows; i++) {
      all.push({
        labelId: labelId(i)!,
        sampleId: sampleId(i)!,
        kind: kind(i) as LabelRecord['kind'],
        score: score.get(i) ?? null,
        keep: Boolean(keep.get(i)),
        agent: agent(i)!,
        origin: (origin(i) ?? null) as LabelRecord['origin'],
        retracts: retracts(i) ?? null,
        createdAt: createdAt(i)!,
      });
    }
  }
  return all;
}
