import { Command, CommanderError, Option } from 'commander';
import { estimateLabeling, runLabeling, type LabelRunOptions } from '../engine/label/labeler.js';
import { exportLabels, importHumanLabels } from '../engine/label/label-io.js';
import { datasetTemplates, parseTemplate, saveTemplate } from '../engine/label/templates.js';
import { readFile } from 'node:fs/promises';
import { createProgress } from './progress.js';
import {
  globals,
  openPool,
  parsePositiveInt,
  printJson,
  withEngine,
  workersOption,
  type GlobalOpts,
} from './common.js';
import { parseShard, shardOfId, type ShardSpec } from '../engine/shards/shard-spec.js';
import { labelShard } from '../engine/shards/label-shard.js';
import type { DatasetStore } from '../engine/store/dataset-store.js';

const num = (flag: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${flag} expects a non-negative number, got ${JSON.stringify(v)}`);
  return n;
};

/** `tbs label`: LLM educational-value labels, budgeted, resumable, never paid twice. */
export function registerLabelCommands(program: Command): void {
  program
    .command('label')
    .description('label samples with an LLM (OpenAI or any compatible server)')
    .option('--base-url <url>', 'OpenAI-compatible endpoint (default $OPENAI_BASE_URL or api.openai.com)')
    .option('--model <m>', 'model', process.env.TBS_MODEL || 'gpt-4o-mini')
    .option('--template <t>', 'prompt template id[@version|@hash]', 'edu-additive')
    .option('--concurrency <k>', 'requests in flight', (v) => parsePositiveInt(v, '--concurrency'), 8)
    .option('--limit <n>', 'label the first n of the selection', (v) => parsePositiveInt(v, '--limit'))
    .option('--where <expr>', 'selection filter, e.g. "tokens < 2000"')
    .option('--ids <file>', 'label exactly these sample ids (one a line)')
    .option('--seed <n>', 'selection order seed (and request seed)', (v) => parsePositiveInt(v, '--seed', true), 0)
    .addOption(new Option('--stratify <field>', 'draw evenly across').choices(['source', 'language', 'repo-dir']))
    .option('--max-cost <usd>', 'never spend more than this', num('--max-cost'))
    .option(
      '--max-input-tokens <n>',
      'truncate samples to n tokens',
      (v) => parsePositiveInt(v, '--max-input-tokens'),
      1024,
    )
    .option('--max-tokens <n>', 'max completion tokens', (v) => parsePositiveInt(v, '--max-tokens'), 300)
    .option('--timeout <ms>', 'per-request timeout', (v) => parsePositiveInt(v, '--timeout'), 60_000)
    .option('--estimate', 'count tokens and price the run; make no call')
    .option('--batch', 'use the Batch API (half price; results within 24 h); a rerun resumes the pending batch')
    .option('--batch-id <id>', 'resume this batch')
    .option('--poll <ms>', 'batch polling interval', (v) => parsePositiveInt(v, '--poll'), 30_000)
    .addOption(workersOption())
    .option(
      '--shard <K/N>',
      'label only the samples whose id hashes to K of N, into shards/ (fold with `tbs merge`); --max-cost and --concurrency are split evenly',
    )
    .action(async (o, cmd: Command) => {
      const g = globals(cmd);
      const shard = o.shard ? parseShard(o.shard) : null;
      if (shard && (o.batch || o.batchId))
        throw new CommanderError(2, 'tbs.usage', '--shard runs live calls; the Batch API (--batch) is not sharded');
      const opts: LabelRunOptions = {
        baseURL: o.baseUrl,
        // The URL its user typed: the environment's key goes there too (never to a URL from a file).
        ...(o.baseUrl && process.env.OPENAI_API_KEY ? { apiKey: process.env.OPENAI_API_KEY } : {}),
        model: o.model,
        template: o.template,
        concurrency: o.concurrency,
        limit: o.limit,
        where: o.where,
        idsFile: o.ids,
        seed: o.seed,
        stratify: o.stratify,
        maxCost: o.maxCost,
        maxInputTokens: o.maxInputTokens,
        maxTokens: o.maxTokens,
        timeoutMs: o.timeout,
        include: shard ? (id) => shardOfId(id, shard.n) === shard.k : undefined,
      };
      // NOTE: a shard only reads the dataset (no writer lock, side by side); `tbs merge` folds its ledger.
      const access = shard || o.estimate ? 'read' : 'write';
      await withEngine(
        cmd,
        async (engine, signal) => {
          // Redaction, prompt building and exact token counts run on the worker threads.
          await using pool = await openPool(o.workers);
          opts.pool = pool.pool;
          if (shard && !o.estimate) return labelShardCommand(engine.store, shard, { ...opts, signal }, g);
          if (o.estimate) {
            const e = await estimateLabeling(engine.store, opts);
            if (g.json) return printJson(e);
            const usd = (v: number | null) =>
              v === null ? 'unknown (no price for this model; set config.json "prices")' : `$${v.toFixed(4)}`;
            console.log(
              `${e.selected} selected, ${e.alreadyLabeled} already labeled for ${e.template} @ ${e.model}: ${e.calls} calls`,
            );
            console.log(
              `prompt tokens ${e.prompt_tokens.toLocaleString('en-US')} (o200k_base, exact; ${e.truncated} samples truncated)`,
            );
            console.log(
              `expected cost ${usd(e.cost_usd)} (at ~80 completion tokens a call); worst case ${usd(e.max_cost_usd)} (every answer at --max-tokens)`,
            );
            console.log(`with the Batch API (--batch, half price): ${usd(e.batch_cost_usd)}`);
            return;
          }
          if (o.batch || o.batchId) {
            const { runBatchLabeling } = await import('../engine/label/batch.js');
            const b = await runBatchLabeling(engine.store, { ...opts, signal, pollMs: o.poll, batchId: o.batchId });
            if (g.json)
              return printJson({
                labeled: b.labeled,
                skipped: b.skipped,
                failed: b.failed,
                prompt_tokens: b.prompt_tokens,
                completion_tokens: b.completion_tokens,
                cost_usd: b.cost_usd,
                batch_id: b.batchId,
                resumed: b.resumed,
                status: b.status,
                submitted: b.submitted,
              });
            console.log(
              `batch ${b.batchId}${b.resumed ? ' (resumed)' : ''}: ${b.status}; ${b.submitted} requests; labeled ${b.labeled}, failed ${b.failed}, skipped ${b.skipped}; $${b.cost_usd.toFixed(4)} at batch prices`,
            );
            return;
          }
          const bar = createProgress(g.progress, 'items');
          const s = await runLabeling(engine.store, {
            ...opts,
            signal,
            onProgress: (p) =>
              bar.update(
                'label',
                p.done,
                p.total,
                `${p.failed} failed, $${p.costUsd.toFixed(4)}, concurrency ${p.concurrency}`,
              ),
          });
          bar.end();
          await engine.store.compact(['labels', 'label_attempts', 'templates']);
          if (g.json) {
            printJson({
              labeled: s.labeled,
              skipped: s.skipped,
              failed: s.failed,
              prompt_tokens: s.prompt_tokens,
              completion_tokens: s.completion_tokens,
              cost_usd: s.cost_usd,
              calls: s.calls,
              not_started: s.notStarted,
              stopped_by: s.stoppedBy,
              structured_fallback: s.structuredFallback,
            });
          } else {
            console.log(
              `labeled ${s.labeled}, skipped ${s.skipped} (already labeled), failed ${s.failed}${s.notStarted ? `, not started ${s.notStarted}` : ''}; stopped: ${s.stoppedBy}`,
            );
            console.log(
              `${s.calls} calls, ${s.prompt_tokens.toLocaleString('en-US')} prompt + ${s.completion_tokens.toLocaleString('en-US')} completion tokens, $${s.cost_usd.toFixed(4)}${s.structuredFallback ? '; server rejected json_schema, used plain-text answers' : ''}`,
            );
            for (const f of s.failures.slice(0, 10)) console.log(`  failed ${f.sampleId}: ${f.reason}`);
          }
          if (s.stoppedBy === 'cancelled') process.exitCode = 130;
        },
        { access },
      );
    });

  const labels = program.command('labels').description('label records made elsewhere, and all of ours');
  labels
    .command('import')
    .description('import human labels from JSONL or CSV (sample id or text, score, annotator, note)')
    .argument('<file>')
    .option('--annotator <name>', 'annotator for rows without one')
    .action(async (file: string, o, cmd: Command) => {
      const g = globals(cmd);
      const r = await withEngine(cmd, (e) => importHumanLabels(e.store, file, { annotator: o.annotator }));
      if (g.json) return printJson(r);
      console.log(
        `imported ${r.imported} human labels (${r.alreadyPresent} already present), ${r.errors.length} errors`,
      );
      for (const e of r.errors.slice(0, 20))
        console.log(`  ${e.file}:${e.line}${e.field ? ` [${e.field}]` : ''}: ${e.message}`);
    });
  labels
    .command('export')
    .description('every label record as JSONL (stdout or --out)')
    .option('--out <file>', 'output file (refused when it exists unless --overwrite, or inside the dataset)')
    .option('--overwrite', 'replace an existing --out file')
    .addOption(new Option('--kind <k>').choices(['llm', 'human']))
    .action(async (o, cmd: Command) => {
      const n = await withEngine(
        cmd,
        (e) => exportLabels(e.store, o.out ?? process.stdout, { kind: o.kind, overwrite: Boolean(o.overwrite) }),
        { access: 'read' },
      );
      if (o.out) process.stderr.write(`wrote ${n} label records to ${o.out}\n`);
    });

  const templates = program.command('templates').description("prompt templates (built-in and this dataset's)");
  templates
    .command('list')
    .description('every template with its content hash')
    .action(async (_o, cmd: Command) => {
      const g = globals(cmd);
      const all = await withEngine(cmd, (e) => datasetTemplates(e.store), { access: 'read' });
      if (g.json)
        return printJson(
          all.map((t) => ({
            id: t.template.id,
            version: t.template.version,
            hash: t.hash,
            output: t.template.output,
            builtin: t.builtin,
            description: t.template.description,
          })),
        );
      for (const t of all)
        console.log(
          `${t.template.id}@${t.template.version}  ${t.hash}  ${t.template.output.padEnd(6)} ${t.builtin ? 'built-in' : 'dataset '}  ${t.template.description}`,
        );
    });
  templates
    .command('add')
    .description('add a template from a JSON file (id, version, output, system, user with {{fenced_code}}, schema)')
    .argument('<file>')
    .action(async (file: string, _o, cmd: Command) => {
      const g = globals(cmd);
      const r = await withEngine(cmd, async (e) => {
        const t = parseTemplate(await readFile(file, 'utf8'), file);
        return { id: t.id, version: t.version, hash: await saveTemplate(e.store, t) };
      });
      if (g.json) return printJson(r);
      console.log(`added ${r.id}@${r.version} (${r.hash}); use it with: tbs label --template ${r.id}`);
    });
}

async function labelShardCommand(store: DatasetStore, shard: ShardSpec, opts: LabelRunOptions, g: GlobalOpts) {
  const bar = createProgress(g.progress, 'items');
  const s = await labelShard(store, shard, {
    ...opts,
    onProgress: (p) => bar.update('label', p.done, p.total, `${p.failed} failed, $${p.costUsd.toFixed(4)}`),
  });
  bar.end();
  if (g.json)
    printJson({
      shard: `${shard.k}/${shard.n}`,
      labeled: s.labeled,
      skipped: s.skipped,
      failed: s.failed,
      cost_usd: s.cost_usd,
      earlier_cost_usd: s.earlier_cost_usd,
      budget_usd: s.budget_usd,
      concurrency: s.concurrency,
      calls: s.calls,
      stopped_by: s.stoppedBy,
      resumed: s.resumed,
    });
  else
    console.log(
      `shard ${shard.k}/${shard.n}${s.resumed ? ' (resumed)' : ''}: labeled ${s.labeled}, skipped ${s.skipped}, failed ${s.failed}; $${s.cost_usd.toFixed(4)} now + $${s.earlier_cost_usd.toFixed(4)} earlier of this shard's ${s.budget_usd === null ? 'unlimited budget' : `$${s.budget_usd.toFixed(4)}`}; ${s.concurrency} in flight; stopped: ${s.stoppedBy}; fold with tbs merge`,
    );
  if (s.stoppedBy === 'cancelled') process.exitCode = 130;
}
