import { z } from 'zod';
import { SampleRowSchema } from '../domain.js';
import { DECISION_TIERS, EXPORT_SUBSETS } from '../enums.js';
import { HygieneRuleSchema } from '../hygiene.js';

/**
 * Labeling runs, embeddings, classifiers, queues and exports: the commands behind the Train,
 * Export and Review views. Long ones run as jobs (job-progress events; jobs.cancel stops them)
 * and resolve with their summary.
 */
const Metrics = z.object({
  accuracy: z.number().nullable(),
  precision: z.number().nullable(),
  recall: z.number().nullable(),
  f1: z.number().nullable(),
  rocAuc: z.number().nullable(),
  prAuc: z.number().nullable(),
  baselineAccuracy: z.number().nullable(),
  confusion: z.object({ tp: z.number(), fp: z.number(), tn: z.number(), fn: z.number() }),
  prCurve: z.array(z.object({ threshold: z.number(), precision: z.number(), recall: z.number() })),
  trainSize: z.number().int(),
  testSize: z.number().int(),
  positives: z.number().int(),
});

export const ModelSummarySchema = z.object({
  modelId: z.string(),
  embedderId: z.string(),
  algo: z.enum(['forest', 'logistic']),
  threshold: z.number(),
  thresholdSource: z.string(),
  metrics: Metrics,
  baselines: z.object({
    majorityF1: z.number().nullable(),
    majorityAccuracy: z.number().nullable(),
    alwaysKeepF1: z.number().nullable(),
    lengthOnlyF1: z.number().nullable(),
  }),
  labelSnapshot: z.object({
    sources: z.array(z.string()),
    keepThreshold: z.number(),
    /** Consensus rule that resolved human targets (absent on models trained before teams). */
    humanConsensusRule: z.string().optional(),
    labeled: z.number().int(),
    positives: z.number().int(),
    sha256: z.string(),
    bySource: z.record(z.string(), z.number()),
  }),
  shuffledLabels: z.boolean(),
  createdAt: z.string(),
  active: z.boolean(),
});
export type ModelSummary = z.infer<typeof ModelSummarySchema>;

const LlmRunInput = z.object({
  model: z.string().min(1).default('gpt-4o-mini'),
  template: z.string().default('edu-additive'),
  /** A configured endpoint's name (settings); the host sends that endpoint's own key, and only there. */
  endpoint: z.string().max(40).optional(),
  /** Must equal a configured endpoint's URL (kept for older callers); prefer `endpoint`. */
  baseURL: z.string().url().optional(),
  limit: z.number().int().min(1).optional(),
  where: z.string().optional(),
  seed: z.number().int().min(0).default(0),
  concurrency: z.number().int().min(1).max(256).default(8),
  maxCost: z.number().min(0).optional(),
  maxInputTokens: z.number().int().min(16).default(1024),
  maxTokens: z.number().int().min(16).default(300),
});

const ExportRuleInput = z.object({
  precedence: z
    .array(z.enum(DECISION_TIERS))
    .min(1)
    .default([...DECISION_TIERS]),
  minScore: z.number().int().min(0).max(5).default(3),
  minProb: z.number().min(0).max(1).nullable().default(null),
  nearDup: z.number().min(0).max(1).nullable().default(null),
  budgetTokens: z.number().int().min(1).nullable().default(null),
  languages: z.array(z.string()).optional(),
  benchmarks: z.array(z.string()).default([]),
  /** Write these as separate configs (data/<name>/), each with its own funnel; absent: one default config. */
  subsets: z.array(z.enum(EXPORT_SUBSETS)).min(1).optional(),
  /** Licenses, drop-flagged, heuristic filters, redaction; absent = the defaults (redact, basic filters). */
  hygiene: HygieneRuleSchema.optional(),
});

const Funnel = z.array(
  z.object({
    step: z.string(),
    samples: z.number().int(),
    tokens: z.number(),
    removed: z.number().int(),
    removedTokens: z.number(),
  }),
);

const SubsetFunnels = z
  .array(
    z.object({
      name: z.enum(EXPORT_SUBSETS),
      funnel: Funnel,
      rows: z.number().int(),
      tokens: z.number(),
      warnings: z.array(z.string()),
    }),
  )
  .optional();

export const pipelineCommands = {
  'llm.estimate': {
    input: LlmRunInput,
    output: z.object({
      selected: z.number().int(),
      alreadyLabeled: z.number().int(),
      calls: z.number().int(),
      prompt_tokens: z.number().int(),
      cost_usd: z.number().nullable(),
      max_cost_usd: z.number().nullable(),
      batch_cost_usd: z.number().nullable(),
      truncated: z.number().int(),
    }),
  },
  'llm.run': {
    input: LlmRunInput,
    output: z.object({
      jobId: z.string(),
      labeled: z.number().int(),
      skipped: z.number().int(),
      failed: z.number().int(),
      prompt_tokens: z.number().int(),
      completion_tokens: z.number().int(),
      cost_usd: z.number(),
      stoppedBy: z.string(),
    }),
  },
  'model.train': {
    input: z.object({
      algo: z.enum(['forest', 'logistic']).default('forest'),
      sources: z
        .array(z.enum(['human', 'llm']))
        .min(1)
        .default(['human', 'llm']),
      seed: z.number().int().default(42),
      targetPrecision: z.number().min(0).max(1).optional(),
    }),
    output: ModelSummarySchema,
  },
  'model.list': { input: z.object({}), output: z.array(ModelSummarySchema) },
  'model.activate': { input: z.object({ modelId: z.string() }), output: z.object({ modelId: z.string() }) },
  'model.score': {
    input: z.object({ modelId: z.string().optional() }),
    output: z.object({
      jobId: z.string(),
      scored: z.number().int(),
      alreadyScored: z.number().int(),
      cancelled: z.boolean(),
    }),
  },
  'queue.get': {
    input: z.object({
      kind: z.enum(['uncertainty', 'disagreement', 'diversity']),
      limit: z.number().int().min(1).max(1000).default(100),
    }),
    output: z.array(SampleRowSchema),
  },
  'samples.similar': {
    input: z.object({ id: z.string(), k: z.number().int().min(1).max(100).default(8) }),
    output: z.array(SampleRowSchema.extend({ distance: z.number() })),
  },
  'export.preview': {
    input: ExportRuleInput,
    output: z.object({
      funnel: Funnel,
      histogram: z.record(
        z.string(),
        z.object({ total: z.number().int(), bins: z.array(z.object({ label: z.string(), count: z.number().int() })) }),
      ),
      dropReasons: z.record(z.string(), z.number()),
      warnings: z.array(z.string()),
      subsets: SubsetFunnels,
    }),
  },
  'export.run': {
    input: ExportRuleInput.extend({
      outDir: z.string().min(1),
      format: z.enum(['parquet', 'jsonl', 'jsonl.gz']).default('parquet'),
      overwrite: z.boolean().default(false),
    }),
    output: z.object({
      jobId: z.string(),
      funnel: Funnel,
      manifestPath: z.string().nullable(),
      files: z.number().int(),
      subsets: SubsetFunnels,
    }),
  },
  'demo.run': {
    input: z.object({ stdlib: z.boolean().default(true), outDir: z.string().optional() }),
    output: z.object({
      jobId: z.string(),
      demoSamples: z.number().int(),
      stdlibSamples: z.number().int(),
      stdlibKept: z.number().int(),
      modelId: z.string(),
      f1: z.number(),
      outDir: z.string(),
    }),
  },
} as const;
