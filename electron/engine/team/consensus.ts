import type { ConsensusRule } from '../../../shared/enums.js';

/**
 * Resolves "the" human value of a sample from its human label history (issue 14):
 * an adjudicated label wins; otherwise the dataset's consensus rule over each annotator's
 * current label (their latest one that is not retracted); otherwise nothing.
 *
 * - median (default): the middle score; an even count averages the two middle scores, so 3.5
 *   is possible. Robust to one outlier among three annotators.
 * - majority: the most frequent score. NOTE: a tie goes to the most recently labeled of the
 *   tied scores, so the rule always yields one of the scores people actually gave.
 * - latest: the most recent annotator label (what the studio did before teams).
 * keep = resolved >= keep threshold; a history of binary-only (score-less) labels resolves by
 * the same rule over keep votes (median of 0/1, i.e. a majority with ties to keep).
 */
export interface HumanVote {
  labelId: string;
  /** The annotator (authenticated user, or the name given on the CLI / in an import). */
  agent: string;
  score: number | null;
  keep: boolean;
  origin: string | null;
  /** Set when a later record retracted this one (undo). */
  retracted: boolean;
}

export interface Resolution {
  score: number | null;
  keep: boolean;
  /** How many annotators have a current (non-adjudication) label. */
  count: number;
  /** max - min of those annotators' scores; null with fewer than one scored label. */
  spread: number | null;
  adjudicated: boolean;
  /** True when the annotators' current labels both keep and drop (by the keep threshold). */
  keepSplit: boolean;
}

/** Each annotator's current label (latest not retracted), oldest first; adjudications excluded. */
export function currentVotes(history: readonly HumanVote[]): HumanVote[] {
  const byAgent = new Map<string, HumanVote>();
  for (const h of history) {
    if (h.retracted || h.origin === 'adjudication') continue;
    byAgent.delete(h.agent); // re-insert so Map order is "last labeled" order
    byAgent.set(h.agent, h);
  }
  return [...byAgent.values()];
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Most frequent value; ties go to the value whose latest vote is most recent (`xs` oldest first). */
export function majority(xs: readonly number[]): number {
  const count = new Map<number, number>();
  const last = new Map<number, number>();
  xs.forEach((x, i) => {
    count.set(x, (count.get(x) ?? 0) + 1);
    last.set(x, i);
  });
  let best = xs[0];
  for (const [x, c] of count) {
    const bc = count.get(best)!;
    if (c > bc || (c === bc && last.get(x)! > last.get(best)!)) best = x;
  }
  return best;
}

export function applyRule(rule: ConsensusRule, xs: readonly number[]): number {
  if (rule === 'median') return median(xs);
  if (rule === 'majority') return majority(xs);
  return xs[xs.length - 1];
}

export function resolveHuman(
  history: readonly HumanVote[],
  rule: ConsensusRule,
  keepThreshold: number,
): Resolution | null {
  const votes = currentVotes(history);
  const scored = votes.filter((v) => v.score !== null).map((v) => v.score!);
  const keeps = votes.map((v) => (v.score !== null ? v.score >= keepThreshold : v.keep));
  const spread = scored.length ? Math.max(...scored) - Math.min(...scored) : null;
  const keepSplit = keeps.some((k) => k) && keeps.some((k) => !k);
  let adj: HumanVote | undefined;
  for (const h of history) if (!h.retracted && h.origin === 'adjudication') adj = h;
  const base = { count: votes.length, spread, keepSplit };
  if (adj) {
    const keep = adj.score !== null ? adj.score >= keepThreshold : adj.keep;
    return { ...base, score: adj.score, keep, adjudicated: true };
  }
  if (!votes.length) return null;
  if (scored.length) {
    const score = applyRule(rule, scored);
    return { ...base, score, keep: score >= keepThreshold, adjudicated: false };
  }
  const k = applyRule(
    rule,
    keeps.map((x) => (x ? 1 : 0)),
  );
  return { ...base, score: null, keep: k >= 0.5, adjudicated: false };
}

/** A sample for the Disagreements queue: human scores differ by >= 2, or keep/drop split; not adjudicated. */
export function isHumanDisagreement(r: Resolution | null): boolean {
  if (!r || r.adjudicated || r.count < 2) return false;
  return (r.spread ?? 0) >= 2 || r.keepSplit;
}
