/** Closed vocabularies shared by every layer. */
export const LABEL_KINDS = ['llm', 'human'] as const;
export type LabelKind = (typeof LABEL_KINDS)[number];

/** How a human label was made; `adjudication` is a reviewer's final word on a disagreement. */
export const HUMAN_ORIGINS = ['key', 'accept-llm', 'import', 'adjudication'] as const;
export type HumanOrigin = (typeof HUMAN_ORIGINS)[number];

/** How several annotators' current labels resolve to one human value (adjudication always wins). */
export const CONSENSUS_RULES = ['median', 'majority', 'latest'] as const;
export type ConsensusRule = (typeof CONSENSUS_RULES)[number];

/** Roles on a shared server: annotator < reviewer < owner. */
export const TEAM_ROLES = ['annotator', 'reviewer', 'owner'] as const;
export type TeamRole = (typeof TEAM_ROLES)[number];

export const CHUNK_MODES = ['file', 'function'] as const;
export type ChunkMode = (typeof CHUNK_MODES)[number];

export const IMPORT_FORMATS = ['jsonl', 'parquet', 'csv', 'files'] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

export const JOB_STATUSES = ['queued', 'running', 'done', 'failed', 'cancelled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/** Tiers that can decide whether a sample is kept, in default precedence order. */
export const DECISION_TIERS = ['human', 'llm', 'classifier'] as const;
export type DecisionTier = (typeof DECISION_TIERS)[number];

/** The token encoding named in stats and manifests. */
export const TOKEN_ENCODING = 'o200k_base';

/** Rubric scale bounds (FineWeb-Edu / Stack-Edu additive 0-5). */
export const SCORE_MIN = 0;
export const SCORE_MAX = 5;
export const DEFAULT_KEEP_THRESHOLD = 3;

/** What `tbs synth` generates: phi-1's CodeTextbook sections and CodeExercises functions. */
export const SYNTH_KINDS = ['textbook', 'exercises'] as const;
export type SynthKind = (typeof SYNTH_KINDS)[number];
/** Gates a generated result passes before it is stored, in order; a rejection counts under the first it fails. */
export const SYNTH_GATES = ['syntax', 'duplicate', 'contaminated', 'hygiene', 'tests'] as const;
export type SynthGate = (typeof SYNTH_GATES)[number];

/**
 * Subsets an export can write as separate Hugging Face configs: `filtered` (every non-synthetic
 * source), `textbook` (source `synthetic:textbook`), `exercises` (source `synthetic:exercises`).
 */
export const EXPORT_SUBSETS = ['filtered', 'textbook', 'exercises'] as const;
export type ExportSubset = (typeof EXPORT_SUBSETS)[number];
