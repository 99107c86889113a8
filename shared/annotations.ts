import { z } from 'zod';

/**
 * Annotations are facts about a sample found by a detector (a contamination match, a secret or
 * PII span, a license id), kept apart from labels (judgements). A person confirming or
 * overruling one appends a decision; the annotation itself is never edited.
 */
export const ANNOTATION_KINDS = ['contamination', 'secret', 'pii', 'license'] as const;
export type AnnotationKind = (typeof ANNOTATION_KINDS)[number];

export const ANNOTATION_VERDICTS = ['confirm', 'overrule'] as const;
export type AnnotationVerdict = (typeof ANNOTATION_VERDICTS)[number];

/** Contamination detectors, in the order a sample is tested (cheapest, most certain first). */
export const CONTAMINATION_METHODS = ['ngram', 'ast', 'embedding'] as const;
export type ContaminationMethod = (typeof CONTAMINATION_METHODS)[number];

export const AnnotationSchema = z.object({
  annotationId: z.string(),
  sampleId: z.string(),
  kind: z.enum(ANNOTATION_KINDS),
  /** Detector that found it (`ngram | ast | embedding` for contamination, a rule id for secrets). */
  method: z.string(),
  /**
   * What the annotation is about within its kind, stable across re-runs so a decision on it
   * survives them: `benchmark/item` for contamination, a license id, a secret's rule + span hash.
   */
  subject: z.string(),
  /** Detector-specific proof: the shared span, offsets, a similarity. */
  evidence: z.record(z.string(), z.unknown()),
  /** The check run that produced it. */
  runId: z.string(),
  createdAt: z.string(),
});
export type Annotation = z.infer<typeof AnnotationSchema>;

export const AnnotationRunSchema = z.object({
  runId: z.string(),
  kind: z.enum(ANNOTATION_KINDS),
  /**
   * Fingerprint of what the samples were checked against (e.g. the benchmark set's content hash).
   * A stored result is reused only when the scope matches; otherwise the sample is re-checked.
   */
  scope: z.string(),
  params: z.record(z.string(), z.unknown()),
  checked: z.number().int(),
  createdAt: z.string(),
});
export type AnnotationRun = z.infer<typeof AnnotationRunSchema>;

export const AnnotationDecisionSchema = z.object({
  decisionId: z.string(),
  sampleId: z.string(),
  kind: z.enum(ANNOTATION_KINDS),
  subject: z.string(),
  verdict: z.enum(ANNOTATION_VERDICTS),
  annotator: z.string(),
  note: z.string().nullable(),
  createdAt: z.string(),
});
export type AnnotationDecision = z.infer<typeof AnnotationDecisionSchema>;
