import { z } from 'zod';
import { DECISION_TIERS, DEFAULT_KEEP_THRESHOLD, type DecisionTier } from '../../../shared/enums.js';

/**
 * One sample as the export sees it: the current label of each kind already resolved by the
 * store (latest record wins), plus the embedding of the dataset's active embedder.
 */
export interface ExportCandidate {
  id: string;
  text: string;
  language: string;
  source: string;
  repo: string | null;
  path: string | null;
  tokens: number;
  /** Latest LLM score on the 0-5 rubric; null when unlabeled or labeled by a binary template. */
  llmScore: number | null;
  humanScore: number | null;
  /** Binary verdicts; only consulted when the matching score is null. */
  llmKeep: boolean | null;
  humanKeep: boolean | null;
  /** Classifier probability of "keep" in [0, 1]. */
  classifierScore: number | null;
  embedding: Float32Array | null;
  metadata: Record<string, unknown>;
  /** The stored text when redaction replaced `text` (what decontamination matches and quotes). */
  originalText?: string;
}

export const MinhashRuleSchema = z.object({
  /** Jaccard similarity of word 5-gram shingle sets at or above which two samples are near-dups. */
  threshold: z.number().min(0).max(1).default(0.85),
  ngram: z.number().int().min(1).default(5),
  numPerm: z.number().int().min(8).max(1024).default(128),
});

export const DecontaminateRuleSchema = z.object({
  /** Token n-gram length; 13 follows GPT-3 / phi-1 practice. */
  ngram: z.number().int().min(4).default(13),
  /** Embedding cosine against benchmark items at or above which a sample is dropped; null = n-grams only. */
  cosine: z.number().min(-1).max(1).nullable().default(null),
  /** Syntax-normalized match (renamed / reformatted copies); on by default. */
  ast: z.boolean().default(true),
});

export const ExportRuleSchema = z
  .object({
    /** Which label kind decides first; the first tier that has a value for a sample decides it. */
    precedence: z
      .array(z.enum(DECISION_TIERS))
      .min(1)
      .refine((tiers) => new Set(tiers).size === tiers.length, 'precedence lists a tier twice')
      .default([...DECISION_TIERS]),
    /** human / llm scores keep at or above this. */
    minScore: z.number().default(DEFAULT_KEEP_THRESHOLD),
    /** Classifier probability cut; null = use `modelThreshold` (the model's saved threshold). */
    minProb: z.number().min(0).max(1).nullable().default(null),
    modelThreshold: z.number().min(0).max(1).nullable().default(null),
    sources: z.array(z.string()).optional(),
    languages: z.array(z.string()).optional(),
    minTokens: z.number().int().min(0).optional(),
    /** Per-sample token cap (not the budget). */
    maxTokens: z.number().int().min(0).optional(),
    /** Embedding cosine at or above which two samples are near-duplicates; null = off. */
    nearDup: z.number().min(-1).max(1).nullable().default(null),
    minhash: MinhashRuleSchema.nullable().default(null),
    decontaminate: DecontaminateRuleSchema.prefault({}),
    /** Total token budget of the export; null = no budget. */
    budgetTokens: z.number().int().min(0).nullable().default(null),
    stratifyBy: z.enum(['source', 'language']).nullable().default(null),
  })
  .strict();

export type ExportRule = z.output<typeof ExportRuleSchema>;
/** What callers may pass: every field with a default is optional. */
export type ExportRuleInput = z.input<typeof ExportRuleSchema>;
export type MinhashRule = z.output<typeof MinhashRuleSchema>;

/** Parses and fills defaults; throws a ZodError naming the bad field. */
export function parseExportRule(input: ExportRuleInput = {}): ExportRule {
  return ExportRuleSchema.parse(input);
}

/** The classifier cut in force: the rule's explicit probability, else the model's threshold. */
export function classifierCut(rule: ExportRule): number | null {
  return rule.minProb ?? rule.modelThreshold;
}

export type { DecisionTier };
