import { CodedError } from '../../../shared/errors.js';
import { EXPORT_SUBSETS, type ExportSubset } from '../../../shared/enums.js';
import type { FunnelStep, FunnelStepName } from './manifest.js';
import type { RankedCandidate } from './select.js';

export { EXPORT_SUBSETS, type ExportSubset };

/** What each subset holds, for the card and the manifest. */
export const SUBSET_SOURCES: Record<ExportSubset, string> = {
  filtered: 'every non-synthetic source (imported code)',
  textbook: 'source `synthetic:textbook` (generated textbook sections)',
  exercises: 'source `synthetic:exercises` (generated exercises)',
};

/** The subset a sample's source belongs to; other `synthetic:*` sources belong to none. */
export function subsetOf(source: string): ExportSubset | null {
  if (source === 'synthetic:textbook') return 'textbook';
  if (source === 'synthetic:exercises') return 'exercises';
  return source.startsWith('synthetic:') ? null : 'filtered';
}

/** Validates a list of subset names (order kept, repeats dropped); an unknown name is an error. */
export function parseSubsets(names: readonly string[]): ExportSubset[] {
  const out: ExportSubset[] = [];
  for (const raw of names) {
    const n = raw.trim();
    if (!(EXPORT_SUBSETS as readonly string[]).includes(n))
      throw new CodedError(
        'invalid_input',
        `unknown subset ${JSON.stringify(n)}: expected a comma-separated list of ${EXPORT_SUBSETS.join(', ')}`,
      );
    if (!out.includes(n as ExportSubset)) out.push(n as ExportSubset);
  }
  if (!out.length) throw new CodedError('invalid_input', `subsets: name at least one of ${EXPORT_SUBSETS.join(', ')}`);
  return out;
}

type Count = { samples: number; tokens: number };

/**
 * One funnel per subset, step for step beside the whole export's: each row counts the subset's
 * own samples that are left after the step (the stages themselves run once, on the whole export).
 */
export class SubsetFunnels {
  readonly funnels: Map<ExportSubset, FunnelStep[]>;
  constructor(readonly names: readonly ExportSubset[]) {
    this.funnels = new Map(names.map((n) => [n, []]));
  }

  /** Records a step from per-subset counts (input, filtered) or from the items left after it. */
  push(step: FunnelStepName, items: readonly RankedCandidate[] | Map<ExportSubset, Count>): void {
    const counts = items instanceof Map ? items : countBySubset(items);
    for (const [name, funnel] of this.funnels) {
      const c = counts.get(name) ?? { samples: 0, tokens: 0 };
      const prev = funnel[funnel.length - 1];
      funnel.push({
        step,
        samples: c.samples,
        tokens: c.tokens,
        removed: prev ? prev.samples - c.samples : 0,
        removedTokens: prev ? prev.tokens - c.tokens : 0,
      });
    }
  }
}

export function countBySubset(items: readonly RankedCandidate[]): Map<ExportSubset, Count> {
  const m = new Map<ExportSubset, Count>();
  for (const r of items) {
    const s = subsetOf(r.candidate.source);
    if (!s) continue;
    const c = m.get(s) ?? { samples: 0, tokens: 0 };
    c.samples++;
    c.tokens += r.candidate.tokens;
    m.set(s, c);
  }
  return m;
}

/** Adds one sample to a per-subset tally (the read phase, before items exist as a list). */
export function tally(m: Map<ExportSubset, Count>, subset: ExportSubset, tokens: number): void {
  const c = m.get(subset) ?? { samples: 0, tokens: 0 };
  c.samples++;
  c.tokens += tokens;
  m.set(subset, c);
}

/** What the export reports per subset (manifest `subsets`, `--json`, the app's preview). */
export interface SubsetReport {
  name: ExportSubset;
  sources: string;
  funnel: FunnelStep[];
  rows: number;
  tokens: number;
  /** Data files of this config (`data/<name>/train-*`); empty on a dry run. */
  files: string[];
  warnings: string[];
}
