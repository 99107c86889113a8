import { z } from 'zod';
import { LabelRecordSchema, SampleRowSchema } from '../domain.js';
import { CONSENSUS_RULES, TEAM_ROLES } from '../enums.js';

/**
 * Team labeling (issue 14): consensus settings, assignments with overlap, the assigned and
 * Disagreements queues, adjudication, agreement between humans, and the dataset's guidelines.
 */
export const TeamSettingsSchema = z.object({
  consensusRule: z.enum(CONSENSUS_RULES),
  /** Hide other humans' and the LLM's scores on an assigned sample until I have labeled it. */
  blindAssignments: z.boolean(),
  keepThreshold: z.number().int(),
});

export const HumanPairSchema = z.object({
  a: z.string(),
  b: z.string(),
  /** Samples both labeled (with a score). */
  n: z.number().int(),
  /** Cohen's kappa, quadratic weights (i - j)^2 over the fixed 0-5 scale; null when undefined. */
  weighted_kappa: z.number().nullable(),
  /** Fraction of those samples with the same score. */
  exact: z.number().nullable(),
});

export const AnnotatorStatsSchema = z.object({
  annotator: z.string(),
  /** Samples with a current label by this annotator. */
  labels: z.number().int(),
  mean_score: z.number().nullable(),
  /** Median time on the sample before the label was saved (the app records it); null without timings. */
  median_seconds: z.number().nullable(),
  /** Over samples with >= 2 human labels: share whose keep verdict matches the resolved one. */
  consensus_keep_agreement: z.number().nullable(),
  /** Over the same samples: mean |own score - resolved score|. */
  consensus_mean_abs_diff: z.number().nullable(),
  consensus_n: z.number().int(),
});

export const HumansAgreementSchema = z.object({
  pairs: z.array(HumanPairSchema),
  /** Krippendorff's alpha, interval metric, over samples with >= 2 human labels; null when undefined. */
  alpha: z.number().nullable(),
  n_items: z.number().int(),
  annotators: z.array(AnnotatorStatsSchema),
});
export type HumansAgreement = z.infer<typeof HumansAgreementSchema>;

export const GuidelineSchema = z.object({
  version: z.number().int(),
  body: z.string(),
  author: z.string(),
  createdAt: z.string(),
});
export type Guideline = z.infer<typeof GuidelineSchema>;

export const teamCommands = {
  'team.settings': { input: z.object({}), output: TeamSettingsSchema },
  'team.setSettings': {
    input: z.object({
      consensusRule: z.enum(CONSENSUS_RULES).optional(),
      blindAssignments: z.boolean().optional(),
    }),
    output: TeamSettingsSchema,
  },
  'team.assign': {
    input: z.object({
      annotators: z.array(z.string().min(1)).min(1),
      overlap: z.number().int().min(1),
      limit: z.number().int().min(1).optional(),
      where: z.string().optional(),
    }),
    output: z.object({
      samples: z.number().int(),
      /** Per annotator: assignments among the selected samples (existing + new). */
      assigned: z.record(z.string(), z.number().int()),
      /** Assignments this run added (0 on a re-run with nothing to top up). */
      added: z.number().int(),
    }),
  },
  'team.queue': {
    input: z.object({
      kind: z.enum(['assigned', 'disagreements']),
      /** For `assigned`: whose queue (a served session always uses the signed-in user). */
      annotator: z.string().min(1).optional(),
      limit: z.number().int().min(1).max(100_000).default(1000),
    }),
    output: z.array(SampleRowSchema),
  },
  'team.adjudicate': {
    input: z.object({
      sampleId: z.string(),
      score: z.number().int().min(0).max(5),
      annotator: z.string().min(1),
      note: z.string().nullable().default(null),
    }),
    output: LabelRecordSchema,
  },
  'team.agreement': { input: z.object({}), output: HumansAgreementSchema },
  'guidelines.get': {
    /** A version; the current one when absent. */
    input: z.object({ version: z.number().int().min(1).optional() }),
    output: GuidelineSchema.extend({ versions: z.number().int() }),
  },
  'guidelines.save': {
    input: z.object({ body: z.string().min(1), author: z.string().min(1) }),
    output: GuidelineSchema,
  },
  'team.whoami': {
    input: z.object({}),
    output: z.object({
      /** null on the desktop app and a single-user server: labels use the annotator name in settings. */
      name: z.string().nullable(),
      role: z.enum(TEAM_ROLES),
      /** A team server: names on labels come from the sign-in, never from the client. */
      team: z.boolean(),
    }),
  },
} as const;
