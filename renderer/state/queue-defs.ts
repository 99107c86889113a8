import type { ListQuery } from '../../shared/api.js';

/** The review queues. Keyset queues page by sample id (a content hash: an unbiased random order)
 *  so labeling, which drops samples out of the live filter, never shifts the pages still to come. */
export type QueueKind =
  | 'needs-review'
  | 'llm-unreviewed'
  | 'disagree'
  | 'contaminated'
  | 'sensitive'
  | 'all'
  | 'uncertainty'
  | 'diversity'
  | 'browse'
  | 'assigned'
  | 'disagreements';
export type QueueQuery = Omit<ListQuery, 'offset' | 'limit'>;

export interface QueueDef {
  kind: QueueKind;
  label: string;
  /** One line on what the queue holds, for the picker. */
  hint: string;
  query: QueueQuery;
  paging: 'keyset' | 'offset' | 'static';
  /** Command the queue needs (static queues come from queue.get). */
  requires?: string;
}

export const QUEUES: readonly QueueDef[] = [
  {
    kind: 'assigned',
    label: 'My assignments',
    hint: 'assigned to me and not labeled by me yet; blind: others’ scores stay hidden until I label',
    query: {},
    paging: 'static',
    requires: 'team.queue',
  },
  {
    kind: 'disagreements',
    label: 'Disagreements',
    hint: 'people disagree (scores 2+ apart, or keep vs drop): 0–5 adjudicates',
    query: {},
    paging: 'static',
    requires: 'team.adjudicate',
  },
  {
    kind: 'needs-review',
    label: 'Needs review',
    hint: 'samples without a human label, in random (hash) order',
    query: { labelState: 'no-human' },
    paging: 'keyset',
  },
  {
    kind: 'llm-unreviewed',
    label: 'LLM-scored, unreviewed',
    hint: 'check the LLM: Enter accepts its score',
    query: { labelState: 'no-human', where: 'llm_score IS NOT NULL' },
    paging: 'keyset',
  },
  {
    kind: 'disagree',
    label: 'LLM ≠ human',
    hint: 'keep/drop disagreements between the LLM and a person',
    query: { labelState: 'disagree' },
    paging: 'keyset',
  },
  {
    kind: 'uncertainty',
    label: 'Classifier unsure',
    hint: 'probabilities closest to the threshold',
    query: {},
    paging: 'static',
    requires: 'queue.get',
  },
  {
    kind: 'diversity',
    label: 'Diverse picks',
    hint: 'spread over the embedding space',
    query: {},
    paging: 'static',
    requires: 'queue.get',
  },
  {
    kind: 'contaminated',
    label: 'Contaminated',
    hint: 'benchmark matches to confirm (c) or overrule (o), beside the benchmark item',
    query: { where: 'contaminated' },
    paging: 'keyset',
  },
  {
    kind: 'sensitive',
    label: 'Sensitive',
    hint: 'secrets and PII the scan found, highlighted in the code (hover names the kind); exports redact them',
    query: { where: 'flagged = 1' },
    paging: 'keyset',
  },
  { kind: 'all', label: 'All samples', hint: 'everything, labeled or not', query: {}, paging: 'keyset' },
];

export const queueByKind = (kind: QueueKind) => QUEUES.find((q) => q.kind === kind);

/** A queue over a Browse result, opened at the row the user picked. */
export function browseQueue(query: QueueQuery): QueueDef {
  return {
    kind: 'browse',
    label: 'Browse selection',
    hint: 'the rows of the Browse view, in its order',
    query,
    paging: 'offset',
  };
}

/** AND-joins `where` clauses (the store's language is conjunctions only). */
export function andWhere(...clauses: (string | undefined | null)[]): string | undefined {
  const parts = clauses.map((c) => c?.trim()).filter((c): c is string => Boolean(c));
  return parts.length ? parts.join(' AND ') : undefined;
}
