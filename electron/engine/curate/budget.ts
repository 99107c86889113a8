import { pushAll } from '../../../shared/arrays.js';
import { compareRank, sortByRank, type RankedCandidate } from './select.js';

export interface BucketReport {
  bucket: string;
  /** Tokens of this bucket's candidates before the budget. */
  availableTokens: number;
  quotaTokens: number;
  keptTokens: number;
  keptSamples: number;
}

export interface BudgetResult {
  /** In rank order. */
  kept: RankedCandidate[];
  tokens: number;
  /** Per bucket when stratified; empty otherwise. */
  buckets: BucketReport[];
}

/**
 * The best-ranked prefix whose tokens fit the budget.
 *
 * NOTE: it stops at the first sample that does not fit instead of skipping it to pack smaller,
 * lower-ranked ones: the export is then exactly "the top N by rank", which is what the funnel
 * and the manifest claim, at the cost of leaving less than one sample's tokens unused.
 */
function rankPrefix(ranked: readonly RankedCandidate[], budget: number): { kept: RankedCandidate[]; tokens: number } {
  const kept: RankedCandidate[] = [];
  let tokens = 0;
  for (const r of ranked) {
    if (tokens + r.candidate.tokens > budget) break;
    tokens += r.candidate.tokens;
    kept.push(r);
  }
  return { kept, tokens };
}

function bucketOf(r: RankedCandidate, by: 'source' | 'language'): string {
  return by === 'source' ? r.candidate.source : r.candidate.language;
}

/**
 * Integer quotas proportional to each bucket's token share, summing to exactly `budget`
 * (largest remainder; ties by bucket name so the split is deterministic).
 */
export function proportionalQuotas(shares: ReadonlyMap<string, number>, budget: number): Map<string, number> {
  const total = [...shares.values()].reduce((a, b) => a + b, 0);
  const names = [...shares.keys()].sort();
  const quotas = new Map<string, number>();
  if (total === 0) {
    for (const n of names) quotas.set(n, 0);
    return quotas;
  }
  const capped = Math.min(budget, total);
  const rema: { name: string; rem: number }[] = [];
  let assigned = 0;
  for (const n of names) {
    const exact = (capped * (shares.get(n) ?? 0)) / total;
    const q = Math.floor(exact);
    quotas.set(n, q);
    assigned += q;
    rema.push({ name: n, rem: exact - q });
  }
  rema.sort((a, b) => b.rem - a.rem || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (let k = 0; assigned < capped && k < rema.length; k++, assigned++) {
    quotas.set(rema[k].name, (quotas.get(rema[k].name) ?? 0) + 1);
  }
  return quotas;
}

/** Applies the token budget, optionally stratified so each bucket keeps its share of tokens. */
export function applyBudget(
  items: readonly RankedCandidate[],
  budgetTokens: number | null,
  stratifyBy: 'source' | 'language' | null,
): BudgetResult {
  const ranked = sortByRank([...items]);
  if (budgetTokens === null) {
    return { kept: ranked, tokens: ranked.reduce((a, r) => a + r.candidate.tokens, 0), buckets: [] };
  }
  if (stratifyBy === null) return { ...rankPrefix(ranked, budgetTokens), buckets: [] };

  const groups = new Map<string, RankedCandidate[]>();
  for (const r of ranked) {
    const b = bucketOf(r, stratifyBy);
    const list = groups.get(b);
    if (list) list.push(r);
    else groups.set(b, [r]);
  }
  const shares = new Map([...groups].map(([b, list]) => [b, list.reduce((a, r) => a + r.candidate.tokens, 0)]));
  const quotas = proportionalQuotas(shares, budgetTokens);
  const kept: RankedCandidate[] = [];
  const buckets: BucketReport[] = [];
  let tokens = 0;
  for (const name of [...groups.keys()].sort()) {
    const quota = quotas.get(name) ?? 0;
    const part = rankPrefix(groups.get(name) ?? [], quota);
    pushAll(kept, part.kept);
    tokens += part.tokens;
    buckets.push({
      bucket: name,
      availableTokens: shares.get(name) ?? 0,
      quotaTokens: quota,
      keptTokens: part.tokens,
      keptSamples: part.kept.length,
    });
  }
  kept.sort(compareRank);
  return { kept, tokens, buckets };
}
