#!/usr/bin/env node
import { pathToFileURL } from 'node:url';
import { Command, CommanderError, Option } from 'commander';
import { createProgress } from './progress.js';
import { createCpuPool } from '../engine/workers/cpu-pool.js';
import { capNativeThreads } from '../engine/workers/native-threads.js';
import { globals, openPool, parsePositiveInt, printJson, withEngine, workersOption } from './common.js';
import { IMPORT_FORMATS, CHUNK_MODES } from '../../shared/enums.js';
import { SORT_FIELD_NAMES } from '../../shared/api.js';
import { registerLabelCommands } from './label-commands.js';
import { registerModelCommands } from './model-commands.js';
import { registerExportCommand } from './export-command.js';
import { registerDecontaminateCommand } from './decontaminate-command.js';
import { registerDemoCommand } from './demo-command.js';
import { registerServeCommand } from './serve-command.js';
import { inputList, registerShardCommands } from './shard-commands.js';
import { parseShard } from '../engine/shards/shard-spec.js';
import type { ImportOptions } from '../engine/ingest/importer.js';
import { registerTeamCommands } from './team-commands.js';
import { registerSynthCommands } from './synth-commands.js';
import { registerHygieneCommands } from './hygiene-commands.js';

/**
 * `tbs`: the command-line host. Each command opens the dataset folder through the same Engine
 * the app uses, runs, prints (JSON with --json), and closes the dataset cleanly, also on Ctrl-C.
 */
const program = new Command('tbs')
  .description('Textbook Studio: curate code-training data the phi-1 way')
  .option('--db <dir>', 'dataset folder', process.env.TBS_DB || './textbook-studio-db')
  .option('--json', 'machine-readable output on stdout')
  .addOption(new Option('--progress <mode>', 'progress display on stderr').choices(['bar', 'json', 'none']))
  .showHelpAfterError()
  .exitOverride()
  // An explicit `--workers N` bounds LanceDB's index-build threads too (native-threads.ts), set
  // before the action opens anything. The default is left to Rayon: Node's core count ignores a
  // container's CPU quota, Rayon's does not.
  .hook('preAction', (_program, action) => {
    const w = (action.opts() as { workers?: unknown }).workers;
    if (typeof w === 'number') capNativeThreads(action.getOptionValueSource('workers') === 'default' ? null : w);
  });

program
  .command('import')
  .description('import files, folders, JSONL(.gz), Parquet or CSV into the dataset')
  .argument('[paths...]', 'files or folders')
  .option('--files-from <list>', 'also import the paths listed in this file, one per line')
  .option('--shard <K/N>', 'import only block K of N of the inputs into shards/ (fold with `tbs merge`)')
  .addOption(new Option('--format <f>', 'input format (default: from the file name)').choices([...IMPORT_FORMATS]))
  .option('--text-field <name>', 'column holding the code (default: content, text or code)')
  .addOption(
    new Option('--chunk <mode>', 'whole files or top-level functions/classes')
      .choices([...CHUNK_MODES])
      .default('file'),
  )
  .option(
    '--lang <lang>',
    "language of every sample (default: from the extension, else the row's lang/language field, else the content)",
  )
  .option(
    '--max-file-bytes <n>',
    'skip files/rows larger than this',
    (v) => parsePositiveInt(v, '--max-file-bytes'),
    2 << 20,
  )
  .addOption(workersOption())
  .option('--follow-symlinks', 'follow symbolic links inside folders (each real folder once)')
  .option('--no-scan', 'skip the secret / PII scan, license detection and metadata indexing (run `tbs scan` later)')
  .option('--meta-fields <keys>', 'also index these metadata keys for --where (comma-separated)', (v: string) =>
    v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  )
  .action(async (args: string[], o, cmd: Command) => {
    const g = globals(cmd);
    const paths = await inputList(args, o.filesFrom);
    const shard = o.shard ? parseShard(o.shard) : null;
    const r = await withEngine(
      cmd,
      async (engine, signal) => {
        const { importSamples } = await import('../engine/use-cases/pipeline-steps.js');
        const { importShard } = await import('../engine/shards/shard-run.js');
        const bar = createProgress(g.progress, 'bytes');
        const pool = await createCpuPool(o.workers);
        let res;
        try {
          const run = shard
            ? (opts: ImportOptions) => importShard(engine.store, paths, shard, opts)
            : (opts: ImportOptions) => importSamples(engine.store, paths, opts);
          res = await run({
            pool,
            format: o.format,
            textField: o.textField,
            chunk: o.chunk,
            lang: o.lang,
            maxFileBytes: o.maxFileBytes,
            followSymlinks: Boolean(o.followSymlinks),
            hygiene: o.scan !== false,
            metaFields: o.metaFields,
            signal,
            onProgress: (p) =>
              bar.update(
                'import',
                p.doneBytes,
                p.totalBytes,
                `${p.imported.toLocaleString('en-US')} samples, ${p.duplicates} dup, ${p.errors} errors`,
              ),
          });
        } finally {
          await pool.close();
        }
        bar.end();
        return res;
      },
      // A shard only reads the dataset: `tbs slurm import` creates it before submitting.
      // NOTE: shards never take the writer lock (they run side by side); only `tbs merge` does.
      { create: !shard, access: shard ? 'read' : 'write' },
    );
    if (g.json)
      printJson({
        imported: r.imported,
        duplicates: r.duplicates,
        errors: r.errors,
        errorCount: r.errorCount,
        skipped: r.skipped,
        cancelled: r.cancelled,
        files: r.files,
        bytes: r.bytes,
      });
    else {
      console.log(
        `${r.cancelled ? 'cancelled: ' : ''}imported ${r.imported.toLocaleString('en-US')} samples from ${r.files} inputs (${(r.bytes / 1e6).toFixed(1)} MB); ${r.duplicates} duplicates skipped; ${r.skipped} empty files skipped; ${r.errorCount} errors`,
      );
      for (const e of r.errors.slice(0, 20))
        console.log(`  ${e.file}${e.line ? `:${e.line}` : ''}${e.field ? ` [${e.field}]` : ''}: ${e.message}`);
      if (r.errorCount > 20) console.log(`  ... and ${r.errorCount - 20} more (tbs import-errors)`);
    }
    if (r.cancelled) process.exitCode = 130;
    // Nothing imported and something refused: a script must not read that as success.
    else if (r.errorCount > 0 && r.imported === 0 && r.duplicates === 0) process.exitCode = 1;
  });

program
  .command('stats')
  .description('what the dataset holds, in total and per language')
  .option('--lang <lang>', 'count only samples in this language')
  .action(async (o, cmd: Command) => {
    const g = globals(cmd);
    const s = await withEngine(cmd, (e) => e.stats({ language: o.lang }), { access: 'read' });
    if (g.json) return printJson(s);
    const n = (x: number) => x.toLocaleString('en-US');
    console.log(`samples     ${n(s.samples)}`);
    console.log(
      `tokens      ${n(s.tokens)} (${s.encoding}; ${s.tokensExact === s.samples ? 'exact' : `${n(s.tokensExact)} exact, rest estimated`})`,
    );
    console.log(`labels      llm ${n(s.labels.llm)}, human ${n(s.labels.human)}, classifier ${n(s.labels.classifier)}`);
    console.log(
      `languages   ${
        Object.entries(s.languages)
          .sort((a, b) => b[1] - a[1])
          .map(([k, v]) => `${k} ${n(v)}`)
          .join(', ') || '-'
      }`,
    );
    for (const [lang, v] of Object.entries(s.byLanguage).sort((a, b) => b[1].samples - a[1].samples))
      console.log(`  ${lang.padEnd(12)} ${n(v.samples).padStart(9)} samples ${n(v.tokens).padStart(13)} tokens`);
    console.log(`import errors ${n(s.importErrors)}`);
  });

program
  .command('list')
  .description('list samples with their current scores (streams)')
  .option('--where <expr>', 'e.g. "llm_score >= 3 AND human_score IS NULL"')
  .addOption(new Option('--sort <field>', 'sort field').choices([...SORT_FIELD_NAMES]).default('id'))
  .option('--desc', 'descending order')
  .option('--limit <n>', 'at most n rows', (v) => parsePositiveInt(v, '--limit'))
  .option('--offset <n>', 'skip n rows', (v) => parsePositiveInt(v, '--offset', true), 0)
  .option('--with-text', 'include the code (as stored: not redacted)')
  .action(async (o, cmd: Command) => {
    const g = globals(cmd);
    await withEngine(
      cmd,
      async (engine) => {
        const q = { where: o.where, sort: o.sort, desc: Boolean(o.desc) };
        let emitted = 0;
        const out: string[] = [];
        const flushOut = async () => {
          if (out.length) {
            const ok = process.stdout.write(out.join(''));
            out.length = 0;
            if (!ok) await new Promise((r) => process.stdout.once('drain', r));
          }
        };
        for await (const row of engine.query.iterate(q)) {
          if (emitted++ < o.offset) continue;
          if (o.limit !== undefined && emitted - o.offset > o.limit) break;
          const rec: Record<string, unknown> = {
            ...row,
            flags: engine.store.hygiene.flagsOf(row.id),
            license: engine.store.hygiene.licensesOf(row.id).join(' OR ') || 'unknown',
          };
          if (o.withText) rec.text = (await engine.store.getSample(row.id))?.text ?? null;
          out.push(
            g.json
              ? JSON.stringify(rec) + '\n'
              : `${row.id}  ${String(row.tokens).padStart(6)}  llm=${row.llm_score ?? '-'} human=${row.human_score ?? '-'} cls=${row.classifier_score?.toFixed(3) ?? '-'}  ${rec.license}${(rec.flags as string[]).length ? `  [${(rec.flags as string[]).join(' ')}]` : ''}  ${row.source}\n`,
          );
          if (out.length >= 1000) await flushOut();
        }
        await flushOut();
      },
      { access: 'read' },
    );
  });

program
  .command('show')
  .description('one sample with all its label records')
  .argument('<id>', 'sample id')
  .action(async (id: string, _o, cmd: Command) => {
    const g = globals(cmd);
    const r = await withEngine(cmd, (e) => e.invoke('samples.get', { id }), { access: 'read' });
    if (g.json) return printJson(r);
    const s = r.sample;
    console.log(
      `${s.id}  ${s.language}  ${s.tokens} tokens${s.tokensExact ? '' : ' (est.)'}\n${s.source}${s.repo ? `  repo ${s.repo}` : ''}\n`,
    );
    console.log(s.text);
    console.log(`\nlabels (${r.labels.length}):`);
    for (const l of r.labels)
      console.log(
        `  ${l.createdAt} ${l.kind} ${l.retracts ? `retracts ${l.retracts}` : `score=${l.score ?? '-'} keep=${l.keep}`} by ${l.agent}${l.origin ? ` (${l.origin})` : ''}${l.rationale ? ` — ${l.rationale}` : ''}`,
      );
  });

program
  .command('tokens')
  .description("replace the import's token estimates with exact o200k_base counts (resumable)")
  .addOption(workersOption())
  .action(async (o, cmd: Command) => {
    const g = globals(cmd);
    const r = await withEngine(cmd, async (engine, signal) => {
      const { countTokensExactly } = await import('../engine/ingest/token-count.js');
      const bar = createProgress(g.progress);
      await using pool = await openPool(o.workers);
      const s = await countTokensExactly(engine.store, {
        pool: pool.pool,
        signal,
        onProgress: (p) => bar.update('tokens', p.done, p.total),
      });
      bar.end();
      return s;
    });
    if (g.json) printJson(r);
    else
      console.log(
        `${r.cancelled ? 'cancelled: ' : ''}counted ${r.counted.toLocaleString('en-US')} samples exactly (${(r.bytes / 1e6 / Math.max(r.seconds, 1e-3)).toFixed(1)} MB/s); ${r.alreadyExact.toLocaleString('en-US')} were already exact`,
      );
    if (r.cancelled) process.exitCode = 130;
  });

registerLabelCommands(program);
registerModelCommands(program);
registerExportCommand(program);
registerDecontaminateCommand(program);
registerDemoCommand(program);
registerServeCommand(program);
registerShardCommands(program);
registerTeamCommands(program);
registerSynthCommands(program);
registerHygieneCommands(program);

/** Runs the command line in `process.argv`; bin/tbs.mjs calls it after loading the bundle. */
export async function main() {
  try {
    await program.parseAsync(process.argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help')
        process.exit(0);
      if (e.code === 'tbs.usage') process.stderr.write(`error: ${e.message}\n`);
      process.exit(2);
    }
    process.stderr.write(`error: ${(e as Error).message}\n`);
    process.exit(1);
  }
}

// Started as a program: `node --import tsx electron/cli/tbs.ts`, or the bundle's tbs.mjs itself.
// NOTE: not by argv[1]'s name: through `npm link` it is the link's (`tbs`), and bin/tbs.mjs calls main().
const self = typeof __tbsBundleUrl === 'string' ? __tbsBundleUrl : import.meta.url;
if (process.argv[1] && (self === pathToFileURL(process.argv[1]).href || process.argv[1].endsWith('tbs.ts')))
  void main();
