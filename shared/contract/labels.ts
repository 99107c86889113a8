import { z } from 'zod';
import { ImportErrorSchema, LabelRecordSchema } from '../domain.js';
import { HUMAN_ORIGINS } from '../enums.js';

/** Human labeling commands (LLM labeling runs are in contract/llm.ts). */
export const labelCommands = {
  'labels.addHuman': {
    input: z.object({
      sampleId: z.string(),
      score: z.number().int().min(0).max(5),
      annotator: z.string().min(1),
      origin: z.enum(HUMAN_ORIGINS).default('key'),
      note: z.string().nullable().default(null),
      /** Seconds the reviewer spent on the sample before this label (the app's timing; per-annotator stats). */
      seconds: z.number().min(0).max(86_400).optional(),
      /**
       * Client-generated id of this save attempt. A retry whose first attempt did land (the reply
       * was lost) returns the stored record instead of appending a duplicate.
       */
      requestId: z
        .string()
        .regex(/^[A-Za-z0-9_-]{8,64}$/)
        .optional(),
    }),
    output: LabelRecordSchema,
  },
  'labels.importHuman': {
    /** JSONL or CSV: sample id or text, score (or keep), annotator, note, rationale. */
    input: z.object({ path: z.string().min(1), annotator: z.string().min(1).optional() }),
    output: z.object({
      imported: z.number().int(),
      alreadyPresent: z.number().int(),
      errors: z.array(ImportErrorSchema),
    }),
  },
  'labels.export': {
    input: z.object({
      path: z.string().min(1),
      kind: z.enum(['llm', 'human']).optional(),
      /** Replace an existing file (never one inside the dataset folder). */
      overwrite: z.boolean().default(false),
    }),
    output: z.object({ path: z.string(), records: z.number().int() }),
  },
  'labels.retract': {
    input: z.object({ labelId: z.string(), annotator: z.string().min(1) }),
    output: LabelRecordSchema,
  },
} as const;
