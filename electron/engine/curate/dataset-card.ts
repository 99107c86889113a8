import type { ExportRule } from './candidate.js';
import type { ExportFormat, WrittenFile } from './writers.js';

export interface DatasetCardInput {
  title: string;
  format: ExportFormat;
  split: string;
  rule: ExportRule;
  /** Funnel rows as in the manifest: step, samples, tokens. */
  funnel: readonly { step: string; samples: number; tokens: number }[];
  dataFiles: readonly WrittenFile[];
  toolVersion: string;
  tokenEncoding: string;
  /** Imports of the kept samples (>= 10 samples each); the card embeds `imports.svg` drawn from them. */
  imports?: readonly { module: string; count: number }[] | null;
}

function sizeCategory(n: number): string {
  if (n < 1_000) return 'n<1K';
  if (n < 10_000) return '1K<n<10K';
  if (n < 100_000) return '10K<n<100K';
  if (n < 1_000_000) return '100K<n<1M';
  if (n < 10_000_000) return '1M<n<10M';
  return '10M<n<100M';
}

/**
 * The Hugging Face dataset card. The YAML front matter's `configs[].data_files` is what the Hub
 * and `load_dataset(<folder>)` read to find the shards.
 *
 * NOTE: deliberately no timestamp here (it lives in manifest.json only), so two exports of the
 * same inputs produce the same card and the card can be diffed between exports.
 */
export function renderDatasetCard(input: DatasetCardInput): string {
  const rows = input.dataFiles.reduce((a, f) => a + (f.rows ?? 0), 0);
  const last = input.funnel[input.funnel.length - 1];
  const builder = input.format === 'parquet' ? 'parquet' : 'json';
  const lines = [
    '---',
    'configs:',
    '- config_name: default',
    '  data_files:',
    `  - split: ${input.split}`,
    `    path: "data/${input.split}-*"`,
    'task_categories:',
    '- text-generation',
    'tags:',
    '- code',
    '- textbook-studio',
    'size_categories:',
    `- ${sizeCategory(rows)}`,
    '---',
    '',
    `# ${input.title}`,
    '',
    'Code samples curated with Textbook Studio in the style of phi-1 ("Textbooks Are All You Need"):',
    'LLM and human educational-value labels plus an embedding classifier decided what to keep, then',
    'exact and near-duplicates and benchmark overlaps were removed.',
    '',
    `- rows: ${rows}`,
    `- tokens (${input.tokenEncoding}): ${last?.tokens ?? 0}`,
    `- files: ${input.dataFiles.length} (${input.format}, loadable with the \`${builder}\` builder)`,
    `- rows are ordered by \`id\` (a content hash), i.e. a stable pseudo-random order`,
    `- tool: textbook-studio ${input.toolVersion}`,
    '',
    '## Columns',
    '',
    '| column | type | meaning |',
    '|---|---|---|',
    '| id | string | sha256 of the normalized content |',
    '| text | string | the code |',
    '| language | string | programming language |',
    '| source | string | where the sample came from |',
    '| repo | string? | repository, when known |',
    '| path | string? | path inside the repository |',
    '| tokens | int32 | token count |',
    '| effective_score | double | the value the deciding label acted on (0-5 score or classifier probability) |',
    '| decided_by | string | `human`, `llm` or `classifier` |',
    '| llm_score | double? | latest LLM score |',
    '| human_score | double? | latest human score |',
    '| classifier_score | double? | classifier probability of keep |',
    '',
    '## Funnel',
    '',
    '| step | samples | tokens |',
    '|---|---:|---:|',
    ...input.funnel.map((f) => `| ${f.step} | ${f.samples} | ${f.tokens} |`),
    '',
    ...(input.imports
      ? [
          '## Imports',
          '',
          'How many samples import each top-level module (from the syntax tree, anywhere in the sample),',
          "as in the phi-1 paper's audit of its exercises; modules imported by fewer than 10 samples are left out.",
          '',
          '![Imports: number of samples importing each module, log scale](imports.svg)',
          '',
          ...(input.imports.length
            ? [
                '| module | samples |',
                '|---|---:|',
                ...input.imports.slice(0, 30).map((r) => `| ${r.module} | ${r.count} |`),
              ]
            : ['No module is imported by 10 or more samples.']),
          '',
        ]
      : []),
    '## Selection rule',
    '',
    '```json',
    JSON.stringify(input.rule, null, 2),
    '```',
    '',
    'See `manifest.json` for label and model provenance, removed duplicate clusters,',
    'decontamination matches and file checksums.',
    '',
  ];
  return lines.join('\n');
}
