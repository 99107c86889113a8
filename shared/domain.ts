import { z } from 'zod';
import { ContaminationFlagSchema } from './annotations.js';
import { CHUNK_MODES, HUMAN_ORIGINS, LABEL_KINDS, SCORE_MAX, SCORE_MIN } from './enums.js';

/** A code sample as the UI and CLI see it. */
export const SampleSchema = z.object({
  /** sha256 (hex, 32 chars) of the normalized content; re-importing the same content yields the same id. */
  id: z.string(),
  text: z.string(),
  language: z.string(),
  /** Where it came from: file path or `dataset-file#row`. */
  source: z.string(),
  /** Repository name when known (folder import root, or The Stack's max_stars_repo_name). */
  repo: z.string().nullable(),
  /** Path inside the repo or import root. */
  path: z.string().nullable(),
  /** 1-based inclusive line range of a function chunk inside its file; null for whole files. */
  startLine: z.number().int().nullable(),
  endLine: z.number().int().nullable(),
  chunk: z.enum(CHUNK_MODES),
  /** Token count in o200k_base; an estimate until `tokensExact` is true. */
  tokens: z.number().int(),
  tokensExact: z.boolean(),
  /** Free metadata kept from the input row (license, stars, ...). */
  metadata: z.record(z.string(), z.unknown()),
  /** Counts of tree-sitter node kinds, computed once at import (the embedder's structural features). */
  astCounts: z.record(z.string(), z.number()),
  importedAt: z.string(),
});
export type Sample = z.infer<typeof SampleSchema>;

export const ScoreSchema = z.number().int().min(SCORE_MIN).max(SCORE_MAX);

/** Who produced an LLM label: model plus the exact prompt template. */
export const LlmAgentSchema = z.object({
  model: z.string(),
  templateId: z.string(),
  templateHash: z.string(),
});

/** One append-only label record. Records are never rewritten; undo appends a retraction. */
export const LabelRecordSchema = z.object({
  labelId: z.string(),
  sampleId: z.string(),
  kind: z.enum(LABEL_KINDS),
  /** 0-5 on the rubric scale; null for a binary template. */
  score: ScoreSchema.nullable(),
  /** score >= keep threshold, or the binary verdict. */
  keep: z.boolean(),
  rationale: z.string().nullable(),
  /** For llm: `model|templateId|templateHash`; for human: the annotator's name. */
  agent: z.string(),
  origin: z.enum(HUMAN_ORIGINS).nullable(),
  note: z.string().nullable(),
  /** labelId of the record this one retracts (undo); such a record carries no judgement of its own. */
  retracts: z.string().nullable(),
  /** JSON of extra facts: truncation, structured/plain path, injection flag, usage, params. */
  details: z.record(z.string(), z.unknown()),
  createdAt: z.string(),
});
export type LabelRecord = z.infer<typeof LabelRecordSchema>;

/** What a page row shows: the sample's current values, never the full text. */
export const SampleRowSchema = z.object({
  id: z.string(),
  source: z.string(),
  path: z.string().nullable(),
  language: z.string(),
  tokens: z.number().int(),
  llm_score: z.number().nullable(),
  /** The resolved human value: adjudication, else the dataset's consensus rule (3.5 is possible). */
  human_score: z.number().nullable(),
  classifier_score: z.number().nullable(),
  /** |llm - human| when both exist, else null. */
  disagreement: z.number().nullable(),
  /** Benchmark contamination from the last check (`tbs decontaminate` or an export); null = none found or never checked. */
  contamination: ContaminationFlagSchema.nullable(),
  /** Annotators with a current (not retracted, not adjudication) label. */
  human_labels: z.number().int(),
  /** max - min of those annotators' scores; null without a scored human label. */
  human_spread: z.number().nullable(),
  /** A reviewer's adjudication settles this sample's human value. */
  adjudicated: z.boolean(),
  /** For a function/class chunk, its head (`def decode`, `class Decoder`); set on the UI's pages only. */
  unit: z.string().nullable().optional(),
  /** Secret / PII flags (`secret:github-token`, `pii:email`); set on the UI's pages only. */
  flags: z.array(z.string()).optional(),
});
export type SampleRow = z.infer<typeof SampleRowSchema>;

export const ImportErrorSchema = z.object({
  file: z.string(),
  /** 1-based line (JSONL/CSV) or row (Parquet) number; null for whole-file errors. */
  line: z.number().int().nullable(),
  field: z.string().nullable(),
  message: z.string(),
});
export type ImportError = z.infer<typeof ImportErrorSchema>;

export const ImportSummarySchema = z.object({
  imported: z.number().int(),
  duplicates: z.number().int(),
  errors: z.array(ImportErrorSchema),
  files: z.number().int(),
  bytes: z.number().int(),
});
export type ImportSummary = z.infer<typeof ImportSummarySchema>;

export const StatsSchema = z.object({
  samples: z.number().int(),
  tokens: z.number().int(),
  tokensExact: z.number().int(),
  encoding: z.string(),
  labels: z.object({ llm: z.number().int(), human: z.number().int(), classifier: z.number().int() }),
  languages: z.record(z.string(), z.number().int()),
  /** Samples and tokens per language (the same samples as `languages`). */
  byLanguage: z.record(z.string(), z.object({ samples: z.number().int(), tokens: z.number().int() })).default({}),
  /** Set when the stats were asked for one language only. */
  language: z.string().optional(),
  importErrors: z.number().int(),
});
export type Stats = z.infer<typeof StatsSchema>;
