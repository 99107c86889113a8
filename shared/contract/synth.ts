import { z } from 'zod';
import { SYNTH_KINDS } from '../enums.js';

export const IMPORT_SCOPES = ['all', 'source', 'export'] as const;

export const ImportCountSchema = z.object({ module: z.string(), count: z.number().int() });

/** Statistics of generated data and the imports chart (implemented in electron/engine/commands/synth-handlers.ts). */
export const synthCommands = {
  'stats.imports': {
    input: z.object({
      /** Whole dataset, samples whose source contains `source`, or the latest curated export. */
      scope: z.enum(IMPORT_SCOPES).default('all'),
      source: z.string().optional(),
      minCount: z.number().int().min(1).default(10),
      /** Only samples in this language (scopes `all` and `source`). */
      language: z.string().optional(),
    }),
    output: z.object({
      rows: z.array(ImportCountSchema),
      /** Samples per language in the scope (before `language` narrows it): the chart's language choices. */
      languages: z.record(z.string(), z.number().int()).default({}),
      /** Samples the counts are over. */
      samples: z.number().int(),
      /** For scope `export`: which export (null when there is none, or it predates the chart). */
      export: z.object({ outDir: z.string(), createdAt: z.string() }).nullable(),
    }),
  },
  'stats.topics': {
    input: z.object({}),
    /** Generation outcomes per kind and topic: how well the topic list is covered. */
    output: z.array(
      z.object({
        kind: z.enum(SYNTH_KINDS),
        topic: z.string(),
        stored: z.number().int(),
        rejected: z.number().int(),
      }),
    ),
  },
} as const;
