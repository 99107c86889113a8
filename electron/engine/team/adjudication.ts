import { randomUUID } from 'node:crypto';
import type { LabelRecord } from '../../../shared/domain.js';
import { CodedError } from '../../../shared/errors.js';
import type { DatasetStore } from '../store/dataset-store.js';
import { currentVotes } from './consensus.js';
import { currentGuidelineVersion } from './guidelines.js';
import { TeamInputError } from './assignments.js';

/**
 * A reviewer's final score for a sample: a human label with origin `adjudication` that names the
 * labels it settles (each annotator's current label at that moment). It wins over the consensus
 * rule until it is retracted (undo), after which the rule applies again.
 */
export async function adjudicate(
  store: DatasetStore,
  i: { sampleId: string; score: number; annotator: string; note: string | null },
): Promise<LabelRecord> {
  const r = store.index.row(i.sampleId);
  if (r === undefined) throw new CodedError('not_found', `no sample with id ${i.sampleId}`);
  const votes = currentVotes(store.index.humanHistory.get(r) ?? []);
  if (!votes.length)
    throw new TeamInputError(`sample ${i.sampleId} has no human label to adjudicate; label it instead`);
  const rec: LabelRecord = {
    labelId: randomUUID(),
    sampleId: i.sampleId,
    kind: 'human',
    score: i.score,
    keep: i.score >= store.config.keepThreshold,
    rationale: null,
    agent: i.annotator,
    origin: 'adjudication',
    note: i.note,
    retracts: null,
    details: {
      settles: votes.map((v) => v.labelId),
      guidelineVersion: await currentGuidelineVersion(store),
    },
    createdAt: new Date().toISOString(),
  };
  await store.appendLabels([rec]);
  return rec;
}
