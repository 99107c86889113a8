import type { Command } from 'commander';
import { resolveEmbedder, embedderById } from '../engine/embed/embedder-spec.js';
import { formatBenchmarkError } from '../engine/curate/benchmarks.js';
import { decontaminateStore } from '../engine/curate/contamination-check.js';
import { globals, openPool, printJson, withEngine, workersOption } from './common.js';
import { addDecontaminationOptions, cosineOption, splitList } from './decontaminate-options.js';
import { createProgress } from './progress.js';
import { parseShard } from '../engine/shards/shard-spec.js';
import { decontaminateShard } from '../engine/shards/decontaminate-shard.js';

/** `tbs decontaminate`: check every sample against benchmarks and store the flags. */
export function registerDecontaminateCommand(program: Command): void {
  addDecontaminationOptions(
    program
      .command('decontaminate')
      .description('flag samples that copy a benchmark item (13-gram, syntax-normalized, embedding); stores the flags')
      .requiredOption(
        '--benchmarks <files>',
        'benchmark files or folders, comma-separated; name=path to name one',
        splitList,
      )
      .option('--shard <K/N>', 'check only the samples whose id hashes to K of N, into shards/ (fold with `tbs merge`)')
      .addOption(workersOption()),
  ).action(async (o, cmd: Command) => {
    const g = globals(cmd);
    const shard = o.shard ? parseShard(o.shard) : null;
    const res = await withEngine(
      cmd,
      async (engine, signal) => {
        const store = engine.store;
        const embedderId = store.config.defaultEmbedder;
        const cosine = cosineOption(o.decontaminateCosine);
        const embedder =
          cosine === null
            ? null
            : embedderId
              ? await embedderById(store, embedderId)
              : (await resolveEmbedder(store)).embedder;
        const bar = createProgress(g.progress);
        await using pool = await openPool(o.workers);
        const run = shard
          ? (x: Parameters<typeof decontaminateStore>[1]) => decontaminateShard(store, shard, x)
          : (x: Parameters<typeof decontaminateStore>[1]) => decontaminateStore(store, x);
        const r = await run({
          benchmarks: o.benchmarks,
          fields: o.benchmarkFields,
          allowErrors: Boolean(o.allowBenchmarkErrors),
          ngram: o.decontaminateNgram,
          cosine,
          ast: o.decontaminateAst !== false,
          embedder,
          signal,
          pool: pool.pool,
          onProgress: (d, t) => bar.update('decontaminate', d, t),
        });
        bar.end();
        return r;
      },
      // NOTE: a shard only reads the dataset and writes shards/decontaminate-K-of-N/; no writer lock.
      { access: shard ? 'read' : 'write' },
    );
    const out = {
      checked: res.checked,
      flagged: res.flagged,
      by_method: res.by_method,
      errors: res.errors.map((e) => ({ ...e })),
      rechecked: res.rechecked,
      benchmarks: res.benchmarks.map((b) => ({ name: b.name, items: b.items, files: b.files })),
      ...(shard ? { shard: `${shard.k}/${shard.n}` } : {}),
    };
    if (g.json) return printJson(out);
    console.log(
      `checked ${res.checked} samples (${res.rechecked} newly) against ${res.benchmarks.map((b) => `${b.name} (${b.items} items)`).join(', ')}`,
    );
    console.log(
      `flagged ${res.flagged}: ngram ${res.by_method.ngram}, ast ${res.by_method.ast}, embedding ${res.by_method.embedding}`,
    );
    if (shard) console.log(`shard ${shard.k}/${shard.n}: stored in the shard folder; fold with tbs merge`);
    for (const e of res.errors) console.log(`${e.fatal ? 'error' : 'warning'}: ${formatBenchmarkError(e)}`);
  });
}
