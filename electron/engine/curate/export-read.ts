import type { ExportCandidate, ExportRule } from './candidate.js';
import { classifierCut } from './candidate.js';
import { throwIfAborted } from './hashing.js';
import { compareRank, selectCandidate, type RankedCandidate } from './select.js';
import { subsetOf, tally, type ExportSubset } from './subsets.js';
import type { ExportProgress } from './export-run.js';

/** What the export's read gave: the selected candidates in rank order and the funnel's first counts. */
export interface ReadOutcome {
  selected: RankedCandidate[];
  input: { samples: number; tokens: number };
  filtered: { samples: number; tokens: number };
  dropReasons: Record<string, number>;
  warnings: string[];
  /** Per subset: candidates read and candidates past the filters (subsets only). */
  subsetInput: Map<ExportSubset, { samples: number; tokens: number }>;
  subsetFiltered: Map<ExportSubset, { samples: number; tokens: number }>;
}

/** Streams candidates through filters and the precedence decision, keeping only the selected. */
export async function readAndSelect(
  opts: {
    candidates: AsyncIterable<ExportCandidate> | Iterable<ExportCandidate>;
    signal?: AbortSignal;
    onProgress?: (p: ExportProgress) => void;
  },
  rule: ExportRule,
  subsets: readonly ExportSubset[] | null,
): Promise<ReadOutcome> {
  const byId = new Map<string, RankedCandidate>();
  const input = { samples: 0, tokens: 0 };
  const filtered = { samples: 0, tokens: 0 };
  const dropReasons: Record<string, number> = {};
  const subsetInput: ReadOutcome['subsetInput'] = new Map();
  const subsetFiltered: ReadOutcome['subsetFiltered'] = new Map();
  let duplicateIds = 0;
  let classifierIgnored = 0;
  const noCut = classifierCut(rule) === null && rule.precedence.includes('classifier');
  for await (const c of opts.candidates) {
    if ((input.samples & 1023) === 0) {
      throwIfAborted(opts.signal);
      opts.onProgress?.({ phase: 'read', done: input.samples, total: null });
    }
    input.samples++;
    input.tokens += c.tokens;
    if (noCut && c.classifierScore !== null) classifierIgnored++;
    const subset = subsets ? subsetOf(c.source) : null;
    if (subsets) {
      if (!subset || !subsets.includes(subset)) {
        dropReasons['not-in-subsets'] = (dropReasons['not-in-subsets'] ?? 0) + 1;
        continue;
      }
      tally(subsetInput, subset, c.tokens);
    }
    const out = selectCandidate(c, rule);
    if ('dropped' in out) {
      dropReasons[out.dropped] = (dropReasons[out.dropped] ?? 0) + 1;
      if (out.dropped !== 'unlabeled' && out.dropped !== 'below-threshold') continue;
      filtered.samples++;
      filtered.tokens += c.tokens;
      if (subset) tally(subsetFiltered, subset, c.tokens);
      continue;
    }
    filtered.samples++;
    filtered.tokens += c.tokens;
    if (subset) tally(subsetFiltered, subset, c.tokens);
    // Ids are content hashes, unique in a store; a repeated id is the same content, so keep the
    // better-ranked copy (the first seen on a tie) and count it as a duplicate.
    const prev = byId.get(c.id);
    if (prev) {
      duplicateIds++;
      if (compareRank(out.kept, prev) < 0) byId.set(c.id, out.kept);
      continue;
    }
    byId.set(c.id, out.kept);
  }
  const warnings: string[] = [];
  if (classifierIgnored > 0) {
    warnings.push(`${classifierIgnored} classifier scores were ignored: no minProb and no model threshold`);
  }
  if (duplicateIds > 0) warnings.push(`${duplicateIds} candidates repeated an id already seen and were counted once`);
  if (duplicateIds > 0) dropReasons['duplicate-id'] = duplicateIds;
  return {
    selected: [...byId.values()].sort(compareRank),
    input,
    filtered,
    dropReasons,
    warnings,
    subsetInput,
    subsetFiltered,
  };
}
