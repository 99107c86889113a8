import { z } from 'zod';
import { ANNOTATION_VERDICTS, AnnotationDecisionSchema, CONTAMINATION_METHODS } from '../annotations.js';

const Span = z.tuple([z.number().int(), z.number().int()]).nullable();

/** One stored benchmark match of a sample, with the item's program for a side-by-side diff. */
export const ContaminationMatchSchema = z.object({
  /** `benchmark/item`: what a decision is about. */
  subject: z.string(),
  benchmark: z.string(),
  item: z.string(),
  method: z.enum(CONTAMINATION_METHODS),
  similarity: z.number().nullable(),
  /** The shared text (first shared 13-gram, or the sample's shared span for `ast`). */
  span: z.string().nullable(),
  /** Character range of the shared span in the sample text. */
  sampleSpan: Span,
  /** Character range of the shared span in `itemCode`. */
  itemSpan: Span,
  itemCode: z.string().nullable(),
  /** The latest reviewer decision on this subject, if any. */
  decision: AnnotationDecisionSchema.nullable(),
});
export type ContaminationMatchView = z.infer<typeof ContaminationMatchSchema>;

/** Decontamination review: a sample's matches and recorded confirm / overrule decisions. */
export const contaminationCommands = {
  'contamination.get': {
    input: z.object({ id: z.string() }),
    output: z.object({
      /** False when the sample was never checked against any benchmark. */
      checked: z.boolean(),
      matches: z.array(ContaminationMatchSchema),
    }),
  },
  'contamination.decide': {
    input: z.object({
      id: z.string(),
      subject: z.string(),
      verdict: z.enum(ANNOTATION_VERDICTS),
      annotator: z.string().min(1),
      note: z.string().nullable().default(null),
    }),
    output: AnnotationDecisionSchema,
  },
} as const;
