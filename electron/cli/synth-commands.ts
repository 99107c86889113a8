import { Option, type Command } from 'commander';
import { SYNTH_KINDS } from '../../shared/enums.js';
import { createProgress } from './progress.js';
import { globals, parsePositiveInt, printJson, withEngine } from './common.js';
import { countImports, ensureImports, idsByLanguage } from '../engine/stats/imports-stat.js';
import { normalizeLanguage } from '../engine/ingest/languages.js';

/** `tbs imports` (the phi-1 imports chart as data) and `tbs synth` (synthetic textbooks and exercises). */
export function registerSynthCommands(program: Command): void {
  program
    .command('imports')
    .description('how many samples import each top-level module (from the syntax tree), most first')
    .option('--where <expr>', 'only samples matching, e.g. "source = \'synthetic:exercises\'"')
    .option('--source <text>', 'only samples whose source contains this text')
    .option(
      '--min-count <n>',
      'leave out modules imported by fewer samples',
      (v) => parsePositiveInt(v, '--min-count', true),
      10,
    )
    .option('--lang <lang>', 'only samples in this language (imports are counted per language anyway)')
    .option('--by-language', 'one list per language: {"python": [...], "go": [...]} with --json')
    .action(async (o, cmd: Command) => {
      const g = globals(cmd);
      const perLang = await withEngine(cmd, async (engine, signal) => {
        const bar = createProgress(g.progress, 'items');
        const { byId, computed } = await ensureImports(engine.store, {
          signal,
          onProgress: (d, t) =>
            bar.update('imports', d, t, 'computing imports of samples imported before this statistic'),
        });
        bar.end();
        if (computed) await engine.store.compact(['sample_imports']);
        if (signal.aborted) throw new Error('cancelled before every sample had its imports; run again to continue');
        const ids: string[] = [];
        for await (const r of engine.query.iterate({ where: o.where, source: o.source })) ids.push(r.id);
        if (!o.byLanguage) {
          const only = o.lang ? (idsByLanguage(engine.store, ids).get(normalizeLanguage(o.lang)) ?? []) : ids;
          return { '': countImports(byId, only, o.minCount) };
        }
        const split = [...idsByLanguage(engine.store, ids)].sort((a, b) => b[1].length - a[1].length);
        const wanted = o.lang ? normalizeLanguage(o.lang) : null;
        return Object.fromEntries(
          split
            .filter(([l]) => wanted === null || l === wanted)
            .map(([l, list]) => [l, countImports(byId, list, o.minCount)]),
        );
      });
      // NOTE: without --by-language the JSON stays the flat list it always was.
      if (g.json) return printJson(o.byLanguage ? perLang : perLang['']);
      for (const [lang, rows] of Object.entries(perLang)) {
        if (lang) console.log(`${lang}:`);
        if (!rows.length) console.log(`${lang ? '  ' : ''}no module is imported by ${o.minCount} or more samples`);
        const width = Math.max(6, ...rows.map((r) => r.module.length));
        for (const r of rows)
          console.log(`${lang ? '  ' : ''}${r.module.padEnd(width)}  ${r.count.toLocaleString('en-US')}`);
      }
    });

  const num = (flag: string) => (v: string) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0)
      throw new Error(`${flag} expects a non-negative number, got ${JSON.stringify(v)}`);
    return n;
  };
  program
    .command('synth')
    .description('generate phi-1-style synthetic textbook sections or exercises, gated before they are stored')
    .addOption(new Option('--kind <kind>', 'what to generate').choices([...SYNTH_KINDS]).makeOptionMandatory())
    .requiredOption('--count <n>', 'indices 0..n-1, one call each; raise it later to add more', (v) =>
      parsePositiveInt(v, '--count', true),
    )
    .option('--topics <file>', 'topics, one a line (default resources/synth/topics.txt)')
    .option('--audiences <file>', 'target audiences, one a line (default resources/synth/audiences.txt)')
    .option('--styles <file>', 'writing styles, one a line (default resources/synth/styles.txt)')
    .option('--template <t>', 'generation template id[@version] or a JSON file (default phi1-<kind>)')
    .option('--seed <n>', 'sampler and request seed', (v) => parsePositiveInt(v, '--seed', true), 0)
    .option('--model <m>', 'model', process.env.TBS_MODEL || 'gpt-4o-mini')
    .option('--base-url <url>', 'OpenAI-compatible endpoint (default $OPENAI_BASE_URL or api.openai.com)')
    .option('--concurrency <k>', 'requests in flight', (v) => parsePositiveInt(v, '--concurrency'), 8)
    .option('--max-cost <usd>', 'never spend more than this', num('--max-cost'))
    .option('--max-tokens <n>', 'max completion tokens (default 800 exercises, 2000 textbook)', (v) =>
      parsePositiveInt(v, '--max-tokens'),
    )
    .option('--temperature <t>', 'sampling temperature', num('--temperature'), 1)
    .option(
      '--decontaminate <files...>',
      'benchmark JSONL files (HumanEval, MBPP): reject results sharing a 13-gram (default: the benchmarks stored by the latest tbs decontaminate)',
    )
    .option(
      '--near-dup <j>',
      'Jaccard of word 5-grams at or above which a result is a near duplicate',
      num('--near-dup'),
      0.85,
    )
    .option('--run-tests', "run each exercise's doctests and asserts in a locked-down subprocess (off by default)")
    .option('--timeout <ms>', 'per-request timeout', (v) => parsePositiveInt(v, '--timeout'), 120_000)
    .option('--estimate', 'count the prompt tokens of the calls a run would make and price them; make no call')
    .action(async (o, cmd: Command) => {
      const g = globals(cmd);
      const { runSynth } = await import('../engine/synth/generator.js');
      const { estimateSynth } = await import('../engine/synth/synth-plan.js');
      const opts = {
        kind: o.kind,
        count: o.count,
        topics: o.topics,
        audiences: o.audiences,
        styles: o.styles,
        template: o.template,
        seed: o.seed,
        model: o.model,
        baseURL: o.baseUrl,
        // The URL its user typed: the environment's key goes there too (never to a URL from a file).
        ...(o.baseUrl && process.env.OPENAI_API_KEY ? { apiKey: process.env.OPENAI_API_KEY } : {}),
        concurrency: o.concurrency,
        maxCost: o.maxCost,
        maxTokens: o.maxTokens,
        temperature: o.temperature,
        decontaminate: o.decontaminate,
        nearDup: o.nearDup,
        runTests: Boolean(o.runTests),
        timeoutMs: o.timeout,
      };
      await withEngine(
        cmd,
        async (engine, signal) => {
          if (o.estimate) {
            const e = await estimateSynth(engine.store, opts);
            if (g.json) return printJson(e);
            const usd = (v: number | null) =>
              v === null ? 'unknown (no price for this model; set config.json "prices")' : `$${v.toFixed(4)}`;
            console.log(
              `${e.calls} calls (${e.alreadySettled} indices already settled) with ${e.template} @ ${e.model}`,
            );
            console.log(`prompt tokens ${e.prompt_tokens.toLocaleString('en-US')} (o200k_base, exact)`);
            console.log(
              `expected cost ${usd(e.cost_usd)}; worst case ${usd(e.max_cost_usd)} (every answer at --max-tokens)`,
            );
            return;
          }
          const bar = createProgress(g.progress, 'items');
          const s = await runSynth(engine.store, {
            ...opts,
            signal,
            onProgress: (p) =>
              bar.update(
                'synth',
                p.done,
                p.total,
                `${p.generated} stored, ${p.rejected} rejected, ${p.failed} failed, $${p.costUsd.toFixed(4)}`,
              ),
          });
          bar.end();
          await engine.store.compact(['samples', 'sample_imports', 'synth_results', 'templates']);
          if (g.json)
            printJson({
              generated: s.generated,
              rejected: s.rejected,
              failed: s.failed,
              prompt_tokens: s.prompt_tokens,
              completion_tokens: s.completion_tokens,
              cost_usd: s.cost_usd,
            });
          else {
            const r = Object.entries(s.rejected)
              .map(([k, v]) => `${k} ${v}`)
              .join(', ');
            console.log(
              `stored ${s.generated} synthetic ${o.kind}; rejected ${r}; failed ${s.failed}; ${s.skipped} indices already settled${s.notStarted ? `, ${s.notStarted} not started` : ''}; stopped: ${s.stoppedBy}`,
            );
            console.log(
              `${s.calls} calls, ${s.prompt_tokens.toLocaleString('en-US')} prompt + ${s.completion_tokens.toLocaleString('en-US')} completion tokens, $${s.cost_usd.toFixed(4)}${s.structuredFallback ? '; server rejected json_schema, used plain-text answers' : ''}${s.repaired ? `; ${s.repaired} samples restored from stored results` : ''}`,
            );
            console.log(
              s.benchmarks
                ? `decontaminated against ${s.benchmarks.names.join(', ')} (${s.benchmarks.items} items${s.benchmarks.from === 'stored' ? ', stored by tbs decontaminate' : ''})`
                : 'no benchmarks: give --decontaminate FILES or run tbs decontaminate first',
            );
            for (const x of s.rejections.slice(0, 10)) console.log(`  rejected #${x.index} (${x.reason}): ${x.detail}`);
            for (const f of s.failures.slice(0, 10)) console.log(`  failed #${f.index}: ${f.reason}`);
            if (s.sandbox)
              console.log(
                `  tests ran with network: ${s.sandbox.network}, user: ${s.sandbox.user}; ${s.sandbox.notes.join('; ')}`,
              );
          }
          for (const e of s.benchmarkErrors.slice(0, 20))
            process.stderr.write(`benchmark ${e.file}${e.line ? `:${e.line}` : ''}: ${e.message}\n`);
          if (g.json && s.stoppedBy !== 'done') process.stderr.write(`stopped: ${s.stoppedBy}\n`);
          if (s.stoppedBy === 'cancelled') process.exitCode = 130;
        },
        { create: true },
      );
    });
}
