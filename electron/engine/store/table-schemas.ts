import { Bool, Field, Float32, Float64, Int32, Schema, Utf8 } from 'apache-arrow';

/**
 * Arrow schemas of the dataset's LanceDB tables. JSON-valued columns (metadata, ast counts,
 * details) are stored as strings: they are read whole and never filtered on in the store.
 */
const str = (name: string, nullable = false) => new Field(name, new Utf8(), nullable);
const i32 = (name: string, nullable = false) => new Field(name, new Int32(), nullable);
const f32 = (name: string, nullable = false) => new Field(name, new Float32(), nullable);
const bool = (name: string, nullable = false) => new Field(name, new Bool(), nullable);

export const SAMPLES_SCHEMA = new Schema([
  str('id'),
  str('text'),
  str('language'),
  str('source'),
  str('repo', true),
  str('path', true),
  i32('start_line', true),
  i32('end_line', true),
  str('chunk'),
  i32('tokens'),
  bool('tokens_exact'),
  str('metadata'),
  str('ast_counts'),
  str('import_id'),
  str('imported_at'),
]);

export const LABELS_SCHEMA = new Schema([
  str('label_id'),
  str('sample_id'),
  str('kind'),
  i32('score', true),
  bool('keep'),
  str('rationale', true),
  str('agent'),
  str('origin', true),
  str('note', true),
  str('retracts', true),
  str('details'),
  str('created_at'),
]);

/** Failed LLM calls: recorded for diagnosis and retry, never counted as labels. */
export const ATTEMPTS_SCHEMA = new Schema([
  str('attempt_id'),
  str('sample_id'),
  str('label_key'),
  str('agent'),
  str('status'),
  str('error'),
  str('details'),
  str('created_at'),
]);

/** Exact o200k_base token counts filled by the background counter; overlays the import estimate. */
export const TOKEN_COUNTS_SCHEMA = new Schema([str('sample_id'), i32('tokens')]);

export const IMPORT_ERRORS_SCHEMA = new Schema([
  str('import_id'),
  str('file'),
  i32('line', true),
  str('field', true),
  str('message'),
  str('created_at'),
]);

export const JOBS_SCHEMA = new Schema([
  str('job_id'),
  str('kind'),
  str('status'),
  str('params'),
  str('summary'),
  str('created_at'),
  str('finished_at', true),
]);

export const TEMPLATES_SCHEMA = new Schema([
  str('template_hash'),
  str('template_id'),
  i32('version'),
  str('body'),
  str('created_at'),
]);

export const MODELS_SCHEMA = new Schema([
  str('model_id'),
  str('embedder_id'),
  str('algo'),
  str('record'),
  str('created_at'),
]);

export const SCORES_SCHEMA = new Schema([str('sample_id'), str('model_id'), f32('prob'), str('created_at')]);

export const EXPORTS_SCHEMA = new Schema([str('export_id'), str('out_dir'), str('manifest'), str('created_at')]);

/** Who labels which sample (issue 14). Append-only: a re-run of `tbs assign` only tops up. */
export const ASSIGNMENTS_SCHEMA = new Schema([str('sample_id'), str('annotator'), str('created_at')]);

/** The dataset's labeling rubric, one row per saved version (markdown). */
export const GUIDELINES_SCHEMA = new Schema([i32('version'), str('body'), str('author'), str('created_at')]);
/**
 * Top-level modules each sample imports (JSON array), from its syntax tree at import time; older
 * datasets get rows lazily (see stats/imports-stat.ts). Its own table so the samples schema of
 * existing datasets stays as it is.
 */
export const SAMPLE_IMPORTS_SCHEMA = new Schema([str('sample_id'), str('modules')]);

/**
 * Every generation call's outcome under its idempotence key (template hash, model, seed, index):
 * `stored` (sample_id set), `rejected` (reason = the first gate it failed) or `failed` (the call
 * itself; retried by the next run). The text is kept for stored and rejected results, so a crash
 * between this row and the sample row is repaired without paying again.
 */
export const SYNTH_RESULTS_SCHEMA = new Schema([
  str('result_id'),
  str('key'),
  str('kind'),
  i32('idx'),
  str('template_hash'),
  str('model'),
  i32('seed'),
  str('status'),
  str('reason', true),
  str('detail', true),
  str('sample_id', true),
  str('text', true),
  str('metadata'),
  str('created_at'),
]);

/**
 * Annotations (facts found by detectors) and the runs that produced them. A run's row is written
 * last, so annotations and coverage rows of a run that never finished are ignored on load.
 */
export const ANNOTATIONS_SCHEMA = new Schema([
  str('annotation_id'),
  str('sample_id'),
  str('kind'),
  str('method'),
  str('subject'),
  str('evidence'),
  str('run_id'),
  str('created_at'),
]);

export const ANNOTATION_RUNS_SCHEMA = new Schema([
  str('run_id'),
  str('kind'),
  str('scope'),
  str('params'),
  i32('checked'),
  str('created_at'),
]);

/** Which samples a run checked (including those where it found nothing). */
export const ANNOTATION_COVERAGE_SCHEMA = new Schema([str('run_id'), str('sample_id')]);

export const ANNOTATION_DECISIONS_SCHEMA = new Schema([
  str('decision_id'),
  str('sample_id'),
  str('kind'),
  str('subject'),
  str('verdict'),
  str('annotator'),
  str('note', true),
  str('created_at'),
]);

/**
 * The declared, indexed subset of import metadata (repo_stars, repo_name, ...; see
 * hygiene/meta-fields.ts): one row per sample and field, typed, so `--where` never parses JSON.
 */
export const SAMPLE_FIELDS_SCHEMA = new Schema([
  str('sample_id'),
  str('field'),
  new Field('num', new Float64(), true),
  str('str', true),
]);

/**
 * Heuristic text statistics per sample (hygiene/heuristic-values.ts), computed at import or by
 * `tbs scan`, so `--where "max_line_length > 1000"` reads a typed column instead of the text.
 */
export const SAMPLE_HEURISTICS_SCHEMA = new Schema([
  str('sample_id'),
  str('method'),
  ...[
    'lines',
    'chars',
    'max_line_length',
    'mean_line_length',
    'alnum_fraction',
    'blob_chars',
    'autogenerated',
    'comment_ratio',
  ].map((n) => new Field(n, new Float64(), false)),
]);

export const TABLES = {
  samples: SAMPLES_SCHEMA,
  labels: LABELS_SCHEMA,
  label_attempts: ATTEMPTS_SCHEMA,
  token_counts: TOKEN_COUNTS_SCHEMA,
  import_errors: IMPORT_ERRORS_SCHEMA,
  jobs: JOBS_SCHEMA,
  templates: TEMPLATES_SCHEMA,
  models: MODELS_SCHEMA,
  scores: SCORES_SCHEMA,
  exports: EXPORTS_SCHEMA,
  assignments: ASSIGNMENTS_SCHEMA,
  guidelines: GUIDELINES_SCHEMA,
  sample_imports: SAMPLE_IMPORTS_SCHEMA,
  synth_results: SYNTH_RESULTS_SCHEMA,
  annotations: ANNOTATIONS_SCHEMA,
  annotation_runs: ANNOTATION_RUNS_SCHEMA,
  annotation_coverage: ANNOTATION_COVERAGE_SCHEMA,
  annotation_decisions: ANNOTATION_DECISIONS_SCHEMA,
  sample_fields: SAMPLE_FIELDS_SCHEMA,
  sample_heuristics: SAMPLE_HEURISTICS_SCHEMA,
} as const;
export type TableName = keyof typeof TABLES;
