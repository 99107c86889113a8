import type { z } from 'zod';
import { HygieneRuleSchema } from '../../../shared/hygiene.js';
import type { RankedCandidate } from '../curate/select.js';
import {
  HEURISTIC_STAGES,
  heuristicVerdict,
  textStats,
  type HeuristicRule,
  type HeuristicStage,
  type TextStats,
} from './heuristics.js';
import { licenseAllowed, UNKNOWN_LICENSE } from './licenses.js';
import { redactCandidateFields, type RedactedField } from './export-redact.js';
import { scanTexts, type Scanner } from './scan-text.js';
import { SENSITIVE_KINDS, redactText, type SensitiveKind, type SensitiveSpan } from './spans.js';

/**
 * The hygiene part of an export rule (schema in shared/hygiene.ts). Runs on the selected samples
 * (the ones whose text the export loads), in this order: license filter, drop-flagged, each
 * heuristic filter, then redaction of what is left. Every stage is one funnel step.
 */
export { HygieneRuleSchema };
export type HygieneRule = z.output<typeof HygieneRuleSchema>;
export type HygieneRuleInput = z.input<typeof HygieneRuleSchema>;

export const HYGIENE_STEPS = ['license', 'drop-flagged', ...HEURISTIC_STAGES, 'redacted'] as const;
export type HygieneStep = (typeof HYGIENE_STEPS)[number];

/** What the store knows about a sample; `spansOf` returns undefined for a sample never scanned. */
export interface HygieneFacts {
  spansOf(id: string): SensitiveSpan[] | undefined;
  licensesOf(id: string): string[];
  /**
   * Stored statistics of the sample's stored text (the text an export has before redaction), so
   * 10^6-sample exports do not compute them again (15 s of a 10^6 export); null: compute them.
   */
  statsOf?(id: string): TextStats | null;
}

export interface HygieneReport {
  rule: HygieneRule;
  /** Samples removed per stage. */
  removed: Record<HygieneStep, number>;
  /**
   * Samples whose text was redacted, the spans by kind, and per metadata column (`source`, `repo`,
   * `path`, `language`) the samples whose value was redacted.
   */
  redacted: { samples: number; spans: Record<SensitiveKind, number>; fields?: Record<RedactedField, number> };
  /** Samples scanned during the export because no stored scan existed for them. */
  scannedNow: number;
  /** License counts of the samples that passed the license stage (`unknown` when none). */
  licenseCounts: Record<string, number>;
}

export interface HygieneOutcome {
  kept: RankedCandidate[];
  /** After each stage, the samples still in, for the funnel. */
  steps: { step: HygieneStep; kept: RankedCandidate[] }[];
  report: HygieneReport;
}

export async function applyHygiene(
  items: RankedCandidate[],
  input: HygieneRuleInput,
  facts: HygieneFacts,
  signal?: AbortSignal,
  /** The secret / PII scan (a worker pool's, or inline). */
  scan: Scanner = scanTexts,
): Promise<HygieneOutcome> {
  const rule = HygieneRuleSchema.parse(input);
  const removed = Object.fromEntries(HYGIENE_STEPS.map((s) => [s, 0])) as Record<HygieneStep, number>;
  const steps: HygieneOutcome['steps'] = [];
  let cur = items;
  // Only the stages a rule turns on become funnel steps; the report lists all of them.
  const stage = (step: HygieneStep, keep: (r: RankedCandidate) => boolean, active = true) => {
    if (!active) return;
    const next = cur.filter(keep);
    removed[step] = cur.length - next.length;
    steps.push({ step, kept: next });
    cur = next;
  };

  const licenseCounts: Record<string, number> = {};
  const allowed = rule.licenses;
  stage(
    'license',
    (r) => allowed === null || licenseAllowed(facts.licensesOf(r.candidate.id), allowed),
    allowed !== null,
  );
  for (const r of cur) {
    const ls = facts.licensesOf(r.candidate.id);
    const key = ls.length ? ls.join(' OR ') : UNKNOWN_LICENSE;
    licenseCounts[key] = (licenseCounts[key] ?? 0) + 1;
  }

  // NOTE: a sample without a stored scan (imported before scanning existed, or by a shard that
  // skipped it) is scanned here, so no export depends on `tbs scan` having run.
  const spans = new Map<string, SensitiveSpan[]>();
  const unscanned: RankedCandidate[] = [];
  for (const r of cur) {
    const s = facts.spansOf(r.candidate.id);
    if (s) spans.set(r.candidate.id, s);
    else unscanned.push(r);
  }
  for (let i = 0; i < unscanned.length; i += 2000) {
    if (signal?.aborted) throw signal.reason ?? new Error('cancelled');
    const batch = unscanned.slice(i, i + 2000);
    const res = await scan(batch.map((r) => r.candidate.text));
    batch.forEach((r, k) => spans.set(r.candidate.id, res[k].spans));
  }
  const drop = new Set(rule.dropFlagged);
  stage('drop-flagged', (r) => !(spans.get(r.candidate.id) ?? []).some((s) => drop.has(s.kind)), drop.size > 0);

  const verdicts = new Map<string, HeuristicStage | null>();
  for (const r of cur)
    verdicts.set(
      r.candidate.id,
      heuristicVerdict(
        facts.statsOf?.(r.candidate.id) ?? textStats(r.candidate.text, r.candidate.language),
        rule.heuristics,
      ),
    );
  const on = heuristicsOn(rule);
  for (const h of HEURISTIC_STAGES) stage(h, (r) => verdicts.get(r.candidate.id) !== h, on.has(h));

  const redacted = {
    samples: 0,
    spans: Object.fromEntries(SENSITIVE_KINDS.map((k) => [k, 0])),
  } as HygieneReport['redacted'];
  if (rule.redact) {
    cur = cur.map((r) => {
      const s = spans.get(r.candidate.id) ?? [];
      if (!s.length) return r;
      redacted.samples++;
      for (const x of s) redacted.spans[x.kind]++;
      const c = r.candidate;
      return { ...r, candidate: { ...c, text: redactText(c.text, s), originalText: c.originalText ?? c.text } };
    });
    // The metadata columns the export writes are scanned here, where no stored scan covers them.
    const meta = await redactCandidateFields(cur, signal, scan);
    cur = meta.kept;
    redacted.fields = meta.fields;
  }
  if (rule.redact) steps.push({ step: 'redacted', kept: cur });
  return { kept: cur, steps, report: { rule, removed, redacted, scannedNow: unscanned.length, licenseCounts } };
}

/** The heuristic stages a rule turns on. */
export function heuristicsOn(rule: { heuristics: HeuristicRule }): Set<HeuristicStage> {
  const h = rule.heuristics;
  const on = new Set<HeuristicStage>();
  if (h.autogenerated) on.add('autogenerated');
  if (h.maxLineLength !== null) on.add('max-line-length');
  if (h.meanLineLength !== null) on.add('mean-line-length');
  if (h.minAlnumFraction !== null) on.add('alnum-fraction');
  if (h.dataBlobs) on.add('data-blobs');
  if (h.minLines !== null) on.add('min-lines');
  if (h.maxLines !== null) on.add('max-lines');
  if (h.minCommentRatio !== null || h.maxCommentRatio !== null) on.add('comment-ratio');
  return on;
}
