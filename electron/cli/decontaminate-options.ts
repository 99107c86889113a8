import type { Command } from 'commander';
import { parseBenchmarkFields } from '../engine/curate/benchmarks.js';
import { DEFAULT_DECONTAMINATE_COSINE } from '../engine/curate/contamination-check.js';
import { parsePositiveInt } from './common.js';

/** Options shared by `tbs decontaminate` and `tbs export`'s decontamination step. */
export function addDecontaminationOptions(cmd: Command): Command {
  return cmd
    .option(
      '--benchmark-fields <roles>',
      'field roles for other layouts, e.g. id=pid,code=prompt+solution,tests=checks (default: HumanEval / MBPP)',
      parseBenchmarkFields,
    )
    .option(
      '--allow-benchmark-errors',
      'continue past unreadable, empty or mostly broken benchmark files (recorded in the manifest)',
    )
    .option(
      '--decontaminate-ngram <n>',
      'n-gram length of the exact match',
      (v) => parsePositiveInt(v, '--decontaminate-ngram'),
      13,
    )
    .option(
      '--decontaminate-cosine <cos|off>',
      `embedding match at cosine >= this; "off" disables it (default ${DEFAULT_DECONTAMINATE_COSINE}, calibrated for the hash embedder)`,
      (v: string) => {
        if (v === 'off') return 'off';
        const n = Number(v);
        if (!(n >= -1 && n <= 1))
          throw new Error(`--decontaminate-cosine expects a number in [-1, 1] or off, got ${JSON.stringify(v)}`);
        return n;
      },
      DEFAULT_DECONTAMINATE_COSINE,
    )
    .option('--no-decontaminate-ast', 'turn off the syntax-normalized match');
}

export const splitList = (v: string) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** The cosine option's value: a number, or null when "off". */
export const cosineOption = (v: number | 'off'): number | null => (v === 'off' ? null : v);
