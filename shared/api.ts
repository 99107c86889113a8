import { z } from 'zod';
import { ImportErrorSchema, LabelRecordSchema, SampleRowSchema, SampleSchema, StatsSchema } from './domain.js';
import { CHUNK_MODES, HUMAN_ORIGINS, IMPORT_FORMATS } from './enums.js';

/**
 * The command contract: every call the UI (or any host) can make, with zod schemas for its
 * argument object and its result. The engine implements it once; Electron IPC, the web server
 * and the CLI bind it. Types are derived from these schemas, never retyped.
 */
export const SORT_FIELD_NAMES = ['id', 'source', 'tokens', 'llm_score', 'human_score', 'classifier_score', 'disagreement'] as const;
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

export const commands = {
  'dataset.open': {
    input: z.object({ dir: z.string().min(1), create: z.boolean().default(true) }),
    output: z.object({ dir: z.string(), name: z.string(), samples: z.number().int(), keepThreshold: z.number().int() }),
  },
  'dataset.stats': { input: z.object({}), output: StatsSchema },
  'samples.import': {
    input: z.object({
      paths: z.array(z.string().min(1)).min(1),
      format: z.enum(IMPORT_FORMATS).optional(),
      textField: z.string().optional(),
      chunk: z.enum(CHUNK_MODES).default('file'),
      lang: z.string().optional(),
    }),
    output: z.object({
      jobId: z.string(), imported: z.number().int(), duplicates: z.number().int(), errorCount: z.number().int(),
      errors: z.array(ImportErrorSchema), cancelled: z.boolean(),
    }),
  },
  'samples.list': {
    input: ListQuerySchema,
    output: z.object({ total: z.number().int(), rows: z.array(SampleRowSchema) }),
  },
  'samples.get': {
    input: z.object({ id: z.string() }),
    output: z.object({ sample: SampleSchema, labels: z.array(LabelRecordSchema), row: SampleRowSchema }),
  },
  'labels.addHuman': {
    input: z.object({
      sampleId: z.string(), score: z.number().int().min(0).max(5), annotator: z.string().min(1),
      origin: z.enum(HUMAN_ORIGINS).default('key'), note: z.string().nullable().default(null),
    }),
    output: LabelRecordSchema,
  },
  'labels.retract': {
    input: z.object({ labelId: z.string(), annotator: z.string().min(1) }),
    output: LabelRecordSchema,
  },
} as const;

export type CommandName = keyof typeof commands;
export type CommandInput<N extends CommandName> = z.input<(typeof commands)[N]['input']>;
export type CommandOutput<N extends CommandName> = z.infer<(typeof commands)[N]['output']>;

/** Push events, typed like the commands. */
export const events = {
  'job-progress': z.object({ jobId: z.string(), kind: z.string(), phase: z.string(), done: z.number(), total: z.number() }),
  'samples-changed': z.object({ reason: z.string() }),
} as const;
export type EventName = keyof typeof events;
export type EventPayload<N extends EventName> = z.infer<(typeof events)[N]>;
