import { classifierCut, type DecisionTier, type ExportCandidate, type ExportRule } from './candidate.js';

export type FilterReason = 'source' | 'language' | 'min-tokens' | 'max-tokens';
export type SelectReason = 'unlabeled' | 'below-threshold';

export interface Decision {
  keep: boolean;
  /** The tier that decided; null when no tier in the precedence had a value ('unlabeled'). */
  tier: DecisionTier | null;
  /**
   * The value the deciding tier acted on: a 0-5 score, a classifier probability, or for a
   * binary verdict `rule.minScore` when kept (see NOTE in `tierValue`) and null when dropped.
   */
  value: number | null;
  /** Why it was dropped; null when kept. */
  reason: SelectReason | null;
}

/** A kept sample with the facts ranking needs; every later step works on these. */
export interface RankedCandidate {
  candidate: ExportCandidate;
  tier: DecisionTier;
  /** Position of `tier` in the rule's precedence: lower ranks first. */
  tierIndex: number;
  value: number;
}

interface TierVerdict {
  keep: boolean;
  value: number | null;
}

function labelVerdict(score: number | null, keep: boolean | null, rule: ExportRule): TierVerdict | null {
  if (score !== null && Number.isFinite(score)) return { keep: score >= rule.minScore, value: score };
  // NOTE: a binary template says only "meets the bar or not", so a kept verdict acts as a score of
  // exactly minScore: it ranks below every explicit score above the bar and ties with scores at it.
  if (keep !== null) return { keep, value: keep ? rule.minScore : null };
  return null;
}

function tierValue(c: ExportCandidate, tier: DecisionTier, rule: ExportRule): TierVerdict | null {
  switch (tier) {
    case 'human':
      return labelVerdict(c.humanScore, c.humanKeep, rule);
    case 'llm':
      return labelVerdict(c.llmScore, c.llmKeep, rule);
    case 'classifier': {
      const cut = classifierCut(rule);
      // Without a cut the probability cannot be turned into a verdict, so the tier has no value
      // and the next tier (or 'unlabeled') decides; runExport warns about it.
      if (c.classifierScore === null || !Number.isFinite(c.classifierScore) || cut === null) return null;
      return { keep: c.classifierScore >= cut, value: c.classifierScore };
    }
  }
}

/** The first tier in precedence that has a value decides; a lower tier never overrides it. */
export function decideSample(c: ExportCandidate, rule: ExportRule): Decision {
  for (const tier of rule.precedence) {
    const verdict = tierValue(c, tier, rule);
    if (verdict === null) continue;
    return { keep: verdict.keep, tier, value: verdict.value, reason: verdict.keep ? null : 'below-threshold' };
  }
  return { keep: false, tier: null, value: null, reason: 'unlabeled' };
}

/** Metadata filters, checked before labels; returns the first failing filter or null. */
export function filterSample(c: ExportCandidate, rule: ExportRule): FilterReason | null {
  if (rule.sources && rule.sources.length > 0 && !rule.sources.includes(c.source)) return 'source';
  if (rule.languages && rule.languages.length > 0 && !rule.languages.includes(c.language)) return 'language';
  if (rule.minTokens !== undefined && c.tokens < rule.minTokens) return 'min-tokens';
  if (rule.maxTokens !== undefined && c.tokens > rule.maxTokens) return 'max-tokens';
  return null;
}

/** Filter + decide in one go; returns a RankedCandidate when kept. */
export function selectCandidate(
  c: ExportCandidate,
  rule: ExportRule,
): { kept: RankedCandidate } | { dropped: FilterReason | SelectReason } {
  const filtered = filterSample(c, rule);
  if (filtered) return { dropped: filtered };
  const d = decideSample(c, rule);
  if (!d.keep || d.tier === null || d.value === null) return { dropped: d.reason ?? 'below-threshold' };
  return { kept: { candidate: c, tier: d.tier, tierIndex: rule.precedence.indexOf(d.tier), value: d.value } };
}

/**
 * The one ranking used everywhere: deciding tier's precedence index asc, value desc, id asc.
 * Ids are unique content hashes, so this is a total order and results never depend on input order.
 */
export function compareRank(a: RankedCandidate, b: RankedCandidate): number {
  if (a.tierIndex !== b.tierIndex) return a.tierIndex - b.tierIndex;
  if (a.value !== b.value) return b.value - a.value;
  const x = a.candidate.id;
  const y = b.candidate.id;
  return x < y ? -1 : x > y ? 1 : 0;
}

export function sortByRank(items: RankedCandidate[]): RankedCandidate[] {
  return [...items].sort(compareRank);
}
