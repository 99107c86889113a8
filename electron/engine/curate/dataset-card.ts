import type { ExportRule } from './candidate.js';
import { benchmarkTableMarkdown, type BenchmarkReportRow } from './contamination-report.js';
import type { ExportFormat, WrittenFile } from './writers.js';
import { SUBSET_SCOPE } from './subset-output.js';

/** One config of a multi-config export: its own section of the card. */
export interface SubsetCardSection {
  name: string;
  sources: string;
  funnel: readonly { step: string; samples: number; tokens: number }[];
  rows: number;
  tokens: number;
  dataFiles: number;
  imports: readonly { module: string; count: number }[] | null;
  importsSvg: string | null;
  warnings: readonly string[];
}

export interface DatasetCardInput {
  title: string;
  format: ExportFormat;
  split: string;
  rule: ExportRule;
  /** Funnel rows as in the manifest: step, samples, tokens. */
  funnel: readonly { step: string; samples: number; tokens: number }[];
  dataFiles: readonly WrittenFile[];
  /** Per-benchmark decontamination rows; the section is left out when empty. */
  benchmarkReport?: readonly BenchmarkReportRow[];
  toolVersion: string;
  tokenEncoding: string;
  /** Imports of the kept samples (>= 10 samples each); the card embeds `imports.svg` drawn from them. */
  imports?: readonly { module: string; count: number }[] | null;
  /** Subsets written as separate configs (`data/<name>/`); absent: one `default` config. */
  subsets?: readonly SubsetCardSection[];
}

function configsYaml(split: string, subsets: readonly SubsetCardSection[] | undefined): string[] {
  const one = (name: string, path: string) => [
    `- config_name: ${name}`,
    '  data_files:',
    `  - split: ${split}`,
    `    path: "${path}/${split}-*"`,
  ];
  return subsets ? subsets.flatMap((s) => one(s.name, `data/${s.name}`)) : one('default', 'data');
}

function subsetSections(subsets: readonly SubsetCardSection[] | undefined): string[] {
  if (!subsets) return [];
  return [
    '## Subsets',
    '',
    `Each subset is its own config: \`load_dataset(<folder>, "${subsets[0]?.name ?? 'filtered'}")\`.`,
    SUBSET_SCOPE,
    '',
    ...subsets.flatMap((s) => [
      `### ${s.name}`,
      '',
      `- holds: ${s.sources}`,
      `- rows: ${s.rows}`,
      `- tokens: ${s.tokens}`,
      `- files: ${s.dataFiles} (\`data/${s.name}/\`)`,
      ...s.warnings.map((w) => `- **warning:** ${w}`),
      '',
      '| step | samples | tokens |',
      '|---|---:|---:|',
      ...s.funnel.map((f) => `| ${f.step} | ${f.samples} | ${f.tokens} |`),
      '',
      ...(s.importsSvg
        ? [
            `![Imports in ${s.name}: number of samples importing each module, log scale](${s.importsSvg})`,
            '',
            ...(s.imports?.length
              ? [
                  '| module | samples |',
                  '|---|---:|',
                  ...s.imports.slice(0, 10).map((r) => `| ${r.module} | ${r.count} |`),
                ]
              : ['No module is imported by 10 or more samples of this subset.']),
            '',
          ]
        : []),
    ]),
  ];
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
    ...configsYaml(input.split, input.subsets),
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
    ...subsetSections(input.subsets),
    ...(input.subsets ? ['## Funnel (whole export)'] : ['## Funnel']),
    '',
    '| step | samples | tokens |',
    '|---|---:|---:|',
    ...input.funnel.map((f) => `| ${f.step} | ${f.samples} | ${f.tokens} |`),
    '',
    ...benchmarkTableMarkdown(input.benchmarkReport ?? []),
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
