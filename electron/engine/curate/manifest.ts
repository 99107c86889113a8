import { readFileSync } from 'node:fs';
import { SCORE_MAX, SCORE_MIN, TOKEN_ENCODING, type DecisionTier } from '../../../shared/enums.js';
import type { BenchmarkError } from './benchmarks.js';
import type { BucketReport } from './budget.js';
import { classifierCut, type ExportRule } from './candidate.js';
import type { ContaminatedSample } from './decontaminate.js';
import type { RemovedCluster } from './dedup.js';
import type { RankedCandidate } from './select.js';
import type { ExportFormat, WrittenFile } from './writers.js';
import type { HygieneReport, HygieneStep } from '../hygiene/export-stage.js';

export const FUNNEL_STEPS = [
  'input',
  'filtered',
  'selected',
  'exact-dup',
  'near-dup',
  'decontaminated',
  'budget',
] as const;
/** Hygiene stages (license, drop-flagged, heuristic filters, redacted) sit between selected and exact-dup. */
export type FunnelStepName = (typeof FUNNEL_STEPS)[number] | HygieneStep;

/** Samples and tokens remaining AFTER the step, and what the step removed. */
export interface FunnelStep {
  step: FunnelStepName;
  samples: number;
  tokens: number;
  removed: number;
  removedTokens: number;
}

export interface HistogramBin {
  label: string;
  count: number;
}

/** Per deciding tier: 0-5 score bins (+ binary verdicts) for labels, tenths for the classifier. */
export type ScoreHistogram = Record<DecisionTier, { total: number; bins: HistogramBin[] }>;

export function buildHistogram(items: readonly RankedCandidate[]): ScoreHistogram {
  const scoreBins = () => [
    ...Array.from({ length: SCORE_MAX - SCORE_MIN + 1 }, (_, k) => ({ label: String(SCORE_MIN + k), count: 0 })),
    { label: 'binary', count: 0 },
  ];
  const probBins = () =>
    Array.from({ length: 10 }, (_, k) => ({ label: `${(k / 10).toFixed(1)}-${((k + 1) / 10).toFixed(1)}`, count: 0 }));
  const h: ScoreHistogram = {
    human: { total: 0, bins: scoreBins() },
    llm: { total: 0, bins: scoreBins() },
    classifier: { total: 0, bins: probBins() },
  };
  for (const r of items) {
    const t = h[r.tier];
    t.total++;
    if (r.tier === 'classifier') {
      t.bins[Math.min(9, Math.max(0, Math.floor(r.value * 10)))].count++;
      continue;
    }
    const score = r.tier === 'human' ? r.candidate.humanScore : r.candidate.llmScore;
    if (score === null) t.bins[t.bins.length - 1].count++;
    else t.bins[Math.min(SCORE_MAX, Math.max(SCORE_MIN, Math.floor(score))) - SCORE_MIN].count++;
  }
  return h;
}

/** Who and what produced the labels and the classifier; passed in by the caller (the store knows). */
export interface ExportProvenance {
  /** Overrides the version read from package.json (a packaged app knows its own). */
  toolVersion?: string;
  dataset?: string | null;
  embedderId?: string | null;
  promptTemplates?: { id: string; hash: string; text?: string | null }[];
  llmModels?: string[];
  classifier?: {
    modelId: string;
    embedderId?: string | null;
    threshold?: number | null;
    /** Held-out metrics as saved with the model (precision, recall, f1, auc, ...). */
    metrics?: Record<string, unknown>;
  } | null;
  extra?: Record<string, unknown>;
}

let cachedVersion: string | null = null;

/** The tool version from the repository's package.json; '0.0.0' when it cannot be found. */
export function readToolVersion(): string {
  if (cachedVersion !== null) return cachedVersion;
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
      version?: unknown;
    };
    cachedVersion = typeof pkg.version === 'string' ? pkg.version : '0.0.0';
  } catch {
    cachedVersion = '0.0.0';
  }
  return cachedVersion;
}

export interface DedupSummary {
  clusters: number;
  removed: number;
}

export interface ManifestInput {
  rule: ExportRule;
  format: ExportFormat;
  provenance: ExportProvenance;
  funnel: FunnelStep[];
  dropReasons: Record<string, number>;
  histogram: ScoreHistogram;
  clusters: RemovedCluster[];
  nearDupMode: 'exhaustive' | 'lsh' | null;
  benchmarks: { files: string[]; items: number; itemsTooShort: number; errors: BenchmarkError[] };
  contaminated: ContaminatedSample[];
  budgetBuckets: BucketReport[];
  files: WrittenFile[];
  warnings: string[];
  createdAt: Date;
  /** Licenses, drop-flagged, heuristic filters and redaction; absent when the export ran none. */
  hygiene?: HygieneReport | null;
}

/** How many of the largest clusters are inlined; the full list is in reports/removed-clusters.jsonl. */
export const MANIFEST_CLUSTER_SAMPLE = 100;

function summarize(clusters: readonly RemovedCluster[], method: RemovedCluster['method']): DedupSummary {
  const mine = clusters.filter((c) => c.method === method);
  return { clusters: mine.length, removed: mine.reduce((a, c) => a + c.removedIds.length, 0) };
}

export function buildManifest(input: ManifestInput) {
  const { rule, provenance } = input;
  const largest = [...input.clusters]
    .sort(
      (a, b) => b.removedIds.length - a.removedIds.length || (a.keptId < b.keptId ? -1 : a.keptId > b.keptId ? 1 : 0),
    )
    .slice(0, MANIFEST_CLUSTER_SAMPLE);
  return {
    manifestVersion: 1,
    tool: { name: 'textbook-studio', version: provenance.toolVersion ?? readToolVersion() },
    createdAt: input.createdAt.toISOString(),
    format: input.format,
    tokenEncoding: TOKEN_ENCODING,
    rule,
    precedence: rule.precedence,
    thresholds: {
      minScore: rule.minScore,
      minProb: rule.minProb,
      modelThreshold: rule.modelThreshold,
      /** The classifier cut actually applied (minProb ?? modelThreshold). */
      classifierCut: classifierCut(rule),
      nearDupCosine: rule.nearDup,
      minhashJaccard: rule.minhash?.threshold ?? null,
      decontaminationNgram: rule.decontaminate.ngram,
      decontaminationCosine: rule.decontaminate.cosine,
    },
    provenance: {
      dataset: provenance.dataset ?? null,
      embedderId: provenance.embedderId ?? null,
      promptTemplates: provenance.promptTemplates ?? [],
      llmModels: provenance.llmModels ?? [],
      classifier: provenance.classifier ?? null,
      extra: provenance.extra ?? {},
    },
    funnel: input.funnel,
    dropReasons: input.dropReasons,
    histogram: input.histogram,
    dedup: {
      exact: summarize(input.clusters, 'exact'),
      embedding: { ...summarize(input.clusters, 'embedding'), mode: input.nearDupMode },
      minhash: summarize(input.clusters, 'minhash'),
      largestClusters: largest,
      allClustersFile: 'reports/removed-clusters.jsonl',
    },
    decontamination: {
      benchmarks: input.benchmarks.files,
      items: input.benchmarks.items,
      itemsTooShortForNgrams: input.benchmarks.itemsTooShort,
      errors: input.benchmarks.errors,
      dropped: input.contaminated.length,
      matches: input.contaminated,
    },
    budget: { tokens: rule.budgetTokens, stratifyBy: rule.stratifyBy, buckets: input.budgetBuckets },
    hygiene: input.hygiene ?? null,
    files: input.files,
    warnings: input.warnings,
  };
}

export type ExportManifest = ReturnType<typeof buildManifest>;
