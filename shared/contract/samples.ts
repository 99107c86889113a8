import { z } from 'zod';
import { ImportErrorSchema, SampleRowSchema, SampleSchema, LabelRecordSchema, StatsSchema } from '../domain.js';
import { CHUNK_MODES, IMPORT_FORMATS } from '../enums.js';
import { SampleHygieneSchema } from '../hygiene.js';

export const SORT_FIELD_NAMES = [
  'id',
  'source',
  'tokens',
  'llm_score',
  'human_score',
  'classifier_score',
  'disagreement',
] as const;
export const LABEL_STATES = ['any', 'unlabeled', 'llm', 'human', 'no-human', 'both', 'disagree'] as const;

export const ListQuerySchema = z.object({
  where: z.string().optional(),
  labelState: z.enum(LABEL_STATES).default('any'),
  source: z.string().optional(),
  text: z.string().optional(),
  sort: z.enum(SORT_FIELD_NAMES).default('id'),
  desc: z.boolean().default(false),
  offset: z.number().int().min(0).default(0),
  limit: z.number().int().min(1).max(10_000).default(50),
});
export type ListQuery = z.input<typeof ListQuerySchema>;

/** Dataset, import and browsing commands. */
export const sampleCommands = {
  'dataset.open': {
    input: z.object({ dir: z.string().min(1), create: z.boolean().default(true) }),
    output: z.object({ dir: z.string(), name: z.string(), samples: z.number().int(), keepThreshold: z.number().int() }),
  },
  'dataset.stats': {
    /** `language`: count only that language's samples (`languages` / `byLanguage` then have one key). */
    input: z.object({ language: z.string().optional() }),
    output: StatsSchema,
  },
  'samples.import': {
    input: z.object({
      paths: z.array(z.string().min(1)).min(1),
      format: z.enum(IMPORT_FORMATS).optional(),
      textField: z.string().optional(),
      chunk: z.enum(CHUNK_MODES).default('file'),
      lang: z.string().optional(),
      /** Follow symbolic links inside folders (each real folder once); by default they are skipped. */
      followSymlinks: z.boolean().default(false),
    }),
    output: z.object({
      jobId: z.string(),
      imported: z.number().int(),
      duplicates: z.number().int(),
      errorCount: z.number().int(),
      errors: z.array(ImportErrorSchema),
      cancelled: z.boolean(),
    }),
  },
  'samples.list': {
    input: ListQuerySchema,
    output: z.object({ total: z.number().int(), rows: z.array(SampleRowSchema) }),
  },
  'samples.get': {
    input: z.object({ id: z.string() }),
    output: z.object({
      sample: SampleSchema,
      labels: z.array(LabelRecordSchema),
      row: SampleRowSchema,
      /** Secret / PII spans in the original text (Review highlights them) and licenses. */
      hygiene: SampleHygieneSchema,
    }),
  },
} as const;
