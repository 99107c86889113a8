import { normalizeLanguage } from '../engine/ingest/languages.js';
import { Command, Option } from 'commander';
import { exportFromStore } from '../engine/curate/store-export.js';
import { globals, openPool, parsePositiveInt, printJson, withEngine, workersOption } from './common.js';
import { createProgress } from './progress.js';
import { addHygieneOptions, hygieneRuleFromOptions } from './hygiene-options.js';
import { addDecontaminationOptions, cosineOption } from './decontaminate-options.js';
import { EXPORT_SUBSETS, parseSubsets } from '../engine/curate/subsets.js';

const prob = (flag: string) => (v: string) => {
  const n = Number(v);
  if (!(n >= -1 && n <= 1)) throw new Error(`${flag} expects a number in [-1, 1], got ${JSON.stringify(v)}`);
  return n;
};
const list = (v: string) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** `tbs export`: the curated training set, with a manifest. */
export function registerExportCommand(program: Command): void {
  const cmd = program
    .command('export')
    .description('write a curated, deduplicated, decontaminated training set with a manifest')
    .requiredOption('--out <dir>', 'output folder (refused when non-empty unless --overwrite)')
    .addOption(
      new Option('--format <f>', 'data file format').choices(['parquet', 'jsonl', 'jsonl.gz']).default('parquet'),
    )
    .option(
      '--min-score <n>',
      'human/LLM score that keeps a sample',
      (v) => parsePositiveInt(v, '--min-score', true),
      3,
    )
    .option(
      '--min-prob <p>',
      "classifier probability that keeps a sample (default: the model's threshold)",
      prob('--min-prob'),
    )
    .option('--precedence <tiers>', 'which label decides first', 'human,llm,classifier')
    .option('--near-dup <cos>', 'drop near-duplicates at embedding cosine >= this', prob('--near-dup'))
    .option(
      '--minhash <jaccard>',
      'also drop lexical near-duplicates (MinHash of word 5-grams) at Jaccard >= this',
      prob('--minhash'),
    )
    .option(
      '--decontaminate <files>',
      'benchmarks to remove copies of: .jsonl[.gz], .json, .parquet or folders, comma-separated; name=path to name one',
      list,
    )
    .option('--max-tokens <n>', 'token budget of the export (keeps the best-ranked first)', (v) =>
      parsePositiveInt(v, '--max-tokens'),
    )
    .addOption(new Option('--stratify <by>', 'spread the budget across').choices(['source', 'language']))
    .option(
      '--languages <list>',
      'only these languages (python,javascript,typescript,java,go,rust,c,cpp,...)',
      (v: string) => list(v).map(normalizeLanguage),
    )
    .option('--min-sample-tokens <n>', 'drop samples shorter than this', (v) =>
      parsePositiveInt(v, '--min-sample-tokens', true),
    )
    .option('--max-sample-tokens <n>', 'drop samples longer than this', (v) =>
      parsePositiveInt(v, '--max-sample-tokens'),
    )
    .option(
      '--subsets <names>',
      `write these subsets as separate configs (data/<name>/), each with its own funnel: ${EXPORT_SUBSETS.join(', ')}`,
      (v) => parseSubsets(list(v)),
    )
    .option('--shard-mb <n>', 'shard size in MB (uncompressed rows)', (v) => parsePositiveInt(v, '--shard-mb'), 256)
    .option('--overwrite', 'replace a non-empty output folder')
    .option('--dry-run', 'print the funnel and histogram; write nothing')
    .addOption(workersOption());
  addDecontaminationOptions(addHygieneOptions(cmd)).action(async (o, cmd: Command) => {
    const g = globals(cmd);
    const hygiene = hygieneRuleFromOptions(o);
    const res = await withEngine(
      cmd,
      async (engine, signal) => {
        const bar = createProgress(g.progress);
        // MinHash sketching runs on the worker threads.
        await using pool = await openPool(o.workers);
        const r = await exportFromStore(engine.store, {
          pool: pool.pool,
          outDir: o.out,
          format: o.format,
          overwrite: Boolean(o.overwrite),
          dryRun: Boolean(o.dryRun),
          signal,
          benchmarks: o.decontaminate ?? [],
          benchmarkFields: o.benchmarkFields,
          allowBenchmarkErrors: Boolean(o.allowBenchmarkErrors),
          shardBytes: o.shardMb * 1e6,
          ...(o.subsets ? { subsets: o.subsets as string[] } : {}),
          rule: {
            precedence: list(o.precedence) as ('human' | 'llm' | 'classifier')[],
            minScore: o.minScore,
            minProb: o.minProb ?? null,
            nearDup: o.nearDup ?? null,
            minhash: o.minhash !== undefined ? { threshold: o.minhash } : null,
            decontaminate: {
              ngram: o.decontaminateNgram,
              cosine: o.decontaminate?.length ? cosineOption(o.decontaminateCosine) : null,
              ast: o.decontaminateAst !== false,
            },
            budgetTokens: o.maxTokens ?? null,
            stratifyBy: o.stratify ?? null,
            languages: o.languages,
            minTokens: o.minSampleTokens,
            maxTokens: o.maxSampleTokens,
          },
          hygiene,
          onProgress: (p) => bar.update(p.phase, p.done, p.total ?? p.done),
        });
        bar.end();
        return r;
        // NOTE: while another process holds the dataset, the export still reads it (read-only).
      },
      { access: 'prefer-write' },
    );
    if (g.json)
      return printJson({
        funnel: res.funnel,
        histogram: res.histogram,
        drop_reasons: res.dropReasons,
        removed_clusters: res.clusters.length,
        contaminated: res.contaminated,
        benchmark_errors: res.benchmarkErrors,
        hygiene: res.hygiene ?? null,
        benchmarks: res.benchmarkReport,
        warnings: res.warnings,
        ...(res.subsets ? { subsets: res.subsets } : {}),
        files: res.files,
        manifest: res.manifestPath,
      });
    console.log('step              samples      tokens');
    for (const f of res.funnel)
      console.log(
        `${f.step.padEnd(16)} ${String(f.samples).padStart(8)} ${String(f.tokens).padStart(11)}${f.removed ? `   -${f.removed}` : ''}`,
      );
    for (const s of res.subsets ?? []) {
      console.log(`\nsubset ${s.name}: ${s.rows} rows, ${s.tokens} tokens`);
      for (const f of s.funnel)
        console.log(
          `  ${f.step.padEnd(16)} ${String(f.samples).padStart(8)} ${String(f.tokens).padStart(11)}${f.removed ? `   -${f.removed}` : ''}`,
        );
    }
    for (const w of res.warnings) console.log(`warning: ${w}`);
    for (const e of res.benchmarkErrors) console.log(`benchmark error: ${e.file}:${e.line}: ${e.message}`);
    if (res.contaminated.length)
      console.log(`${res.contaminated.length} samples dropped as contaminated (see the manifest)`);
    if (!o.dryRun) console.log(`wrote ${res.files.length} files and ${res.manifestPath}`);
  });
}
