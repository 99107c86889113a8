import { z } from 'zod';

/**
 * Hygiene facts as the UI sees them. The span offsets point into the sample's original text
 * (the dataset keeps it; redaction happens on the way out), so Review can highlight them.
 */
export const SENSITIVE_SPAN_KINDS = ['secret', 'private_key', 'email', 'ip'] as const;

export const SensitiveSpanViewSchema = z.object({
  kind: z.enum(SENSITIVE_SPAN_KINDS),
  /** The flag this span contributes, as `tbs list --json` prints it: `secret:github-token`, `pii:email`. */
  flag: z.string(),
  /** UTF-16 offsets into the sample text, end exclusive. */
  start: z.number().int(),
  end: z.number().int(),
});
export type SensitiveSpanView = z.infer<typeof SensitiveSpanViewSchema>;

/** A sample's hygiene: spans (null when never scanned), licenses (SPDX ids) and heuristic values. */
export const SampleHygieneSchema = z.object({
  spans: z.array(SensitiveSpanViewSchema).nullable(),
  licenses: z.array(z.string()),
});
export type SampleHygiene = z.infer<typeof SampleHygieneSchema>;
