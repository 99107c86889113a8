import { Command, Option } from 'commander';
import { resolveEmbedder, type EmbedderSpec } from '../engine/embed/embedder-spec.js';
import { agreementReport } from '../engine/classify/agreement.js';
import { reviewQueue, similarSamples, type QueueKind } from '../engine/classify/queues.js';
import { scoreDataset } from '../engine/classify/scoring.js';
import { embedDataset } from '../engine/embed/embedding-store.js';
import { embedderById } from '../engine/embed/embedder-spec.js';
import { activeModel, listModels, type LabelSource } from '../engine/classify/training.js';
import { trainClassifier } from '../engine/use-cases/pipeline-steps.js';
import { globals, openPool, parsePositiveInt, printJson, withEngine, workersOption } from './common.js';
import { createProgress } from './progress.js';
import { CodedError } from '../../shared/errors.js';
import { parseShard } from '../engine/shards/shard-spec.js';
import { embedShard, scoreShard } from '../engine/shards/shard-run.js';

const embedderOptions = (c: Command) =>
  c
    .addOption(
      new Option('--embedder <kind>', "embedder (default: the dataset's, else hash)").choices([
        'hash',
        'openai',
        'local',
      ]),
    )
    .option('--dims <n>', 'vector dimensions (hash: 128-4096, default 512)', (v) => parsePositiveInt(v, '--dims'))
    .option('--embed-model <m>', 'model id or local folder for openai/local embedders')
    .option('--base-url <url>', 'OpenAI-compatible endpoint for the openai embedder');

const specOf = (o: {
  embedder?: EmbedderSpec['kind'];
  dims?: number;
  embedModel?: string;
  baseUrl?: string;
}): Partial<EmbedderSpec> => ({ kind: o.embedder, dims: o.dims, model: o.embedModel, baseURL: o.baseUrl });

const fmt = (x: number | null | undefined, digits = 3) =>
  x === null || x === undefined || !Number.isFinite(x) ? '-' : x.toFixed(digits);

/** `tbs embed | train | score | models | agreement | similar | queue`. */
export function registerModelCommands(program: Command): void {
  embedderOptions(program.command('embed').description('embed every sample without a vector (incremental)'))
    .addOption(workersOption())
    .option('--shard <K/N>', 'embed only the samples whose id hashes to K of N, into shards/ (fold with `tbs merge`)')
    .action(async (o, cmd: Command) => {
      const g = globals(cmd);
      const shard = o.shard ? parseShard(o.shard) : null;
      const r = await withEngine(
        cmd,
        async (engine, signal) => {
          const bar = createProgress(g.progress);
          const { embedder, spec } = await resolveEmbedder(engine.store, specOf(o));
          await using pool = await openPool(o.workers);
          if (shard) {
            const s = await embedShard(engine.store, embedder, shard, {
              pool: pool.pool,
              signal,
              embedderSpec: spec as unknown as Record<string, unknown>,
              onProgress: (p) => bar.update('embed', p.done, p.total),
            });
            bar.end();
            return s;
          }
          const s = await embedDataset(engine.store, embedder, {
            pool: pool.pool,
            signal,
            spec: spec as unknown as Record<string, unknown>,
            onProgress: (p) => bar.update('embed', p.done, p.total),
          });
          bar.end();
          return s;
        },
        { access: shard ? 'read' : 'write' },
      );
      if (g.json) printJson(r);
      else
        console.log(
          `${r.cancelled ? 'cancelled: ' : ''}embedded ${r.embedded} samples with ${r.embedderId} (${r.alreadyEmbedded} already had vectors) in ${r.seconds.toFixed(1)} s`,
        );
      if (r.cancelled) process.exitCode = 130;
    });

  embedderOptions(program.command('train').description('train a keep/drop classifier on embeddings from the labels'))
    .addOption(new Option('--algo <a>', 'algorithm').choices(['forest', 'logistic']).default('forest'))
    .option('--sources <list>', 'label sources by precedence', 'human,llm')
    .option('--keep-threshold <n>', "keep = score >= n (default: the dataset's)", (v) =>
      parsePositiveInt(v, '--keep-threshold', true),
    )
    .option('--target-precision <p>', 'pick the decision threshold for this precision instead of max F1', Number)
    .option('--seed <n>', 'split and model seed', (v) => parsePositiveInt(v, '--seed', true), 42)
    .option('--trees <n>', 'forest size', (v) => parsePositiveInt(v, '--trees'), 100)
    .option('--shuffle-labels', 'sanity check: train on permuted labels')
    .action(async (o, cmd: Command) => {
      const g = globals(cmd);
      const rec = await withEngine(cmd, async (engine, signal) => {
        const sources = String(o.sources)
          .split(',')
          .map((s) => s.trim()) as LabelSource[];
        for (const s of sources)
          if (s !== 'human' && s !== 'llm')
            throw new Error(`--sources: unknown source ${JSON.stringify(s)} (human, llm)`);
        const bar = createProgress(g.progress);
        const r = await trainClassifier(engine.store, {
          embedder: specOf(o),
          signal,
          onProgress: bar.update,
          algo: o.algo,
          sources,
          keepThreshold: o.keepThreshold,
          seed: o.seed,
          shuffleLabels: Boolean(o.shuffleLabels),
          thresholdRule: o.targetPrecision ? { kind: 'precision', target: o.targetPrecision } : { kind: 'max-f1' },
          hyper: o.algo === 'forest' ? { nTrees: o.trees, seed: o.seed } : { seed: o.seed },
        });
        bar.end();
        return r;
      });
      if (g.json)
        return printJson({
          model_id: rec.modelId,
          threshold: rec.threshold,
          metrics: { ...rec.metrics, prCurve: undefined },
          pr_curve: rec.metrics.prCurve,
          baselines: rec.baselines,
          label_snapshot: rec.labelSnapshot,
          embedder_id: rec.embedderId,
          algo: rec.algo,
        });
      const m = rec.metrics;
      console.log(
        `model ${rec.modelId} (${rec.algo} on ${rec.embedderId}), ${rec.labelSnapshot.labeled} labels (${rec.labelSnapshot.positives} keep), held-out ${m.testSize}`,
      );
      console.log(
        `threshold ${rec.threshold.toFixed(3)} (${rec.thresholdSource}); F1 ${fmt(m.f1)} precision ${fmt(m.precision)} recall ${fmt(m.recall)} accuracy ${fmt(m.accuracy)} ROC-AUC ${fmt(m.rocAuc)} PR-AUC ${fmt(m.prAuc)}`,
      );
      console.log(
        `baselines on the same split: majority class accuracy ${fmt(rec.baselines.majorityAccuracy)} (F1 ${fmt(rec.baselines.majorityF1)}), always-keep F1 ${fmt(rec.baselines.alwaysKeepF1)}, length-only F1 ${fmt(rec.baselines.lengthOnlyF1)}`,
      );
      console.log(`confusion tp ${m.confusion.tp} fp ${m.confusion.fp} tn ${m.confusion.tn} fn ${m.confusion.fn}`);
    });

  program
    .command('score')
    .description('score every sample with a model (default: the active one); resumable')
    .option('--model <id>', 'model id')
    .addOption(workersOption())
    .option('--shard <K/N>', 'score only the samples whose id hashes to K of N, into shards/ (fold with `tbs merge`)')
    .action(async (o, cmd: Command) => {
      const g = globals(cmd);
      const shard = o.shard ? parseShard(o.shard) : null;
      const r = await withEngine(
        cmd,
        async (engine, signal) => {
          const rec = o.model
            ? (await listModels(engine.store)).find((m) => m.modelId === o.model)
            : await activeModel(engine.store);
          if (!rec)
            throw new CodedError('not_found', o.model ? `no model ${o.model}` : 'no model yet: run `tbs train` first');
          const embedder = await embedderById(engine.store, rec.embedderId);
          const bar = createProgress(g.progress);
          await using pool = await openPool(o.workers);
          const run = shard
            ? (x: Parameters<typeof scoreShard>[4]) => scoreShard(engine.store, embedder, rec.modelId, shard, x)
            : (x: Parameters<typeof scoreShard>[4]) => scoreDataset(engine.store, embedder, rec.modelId, x);
          const s = await run({
            pool: pool.pool,
            signal,
            onProgress: (p) => bar.update(p.phase, p.done, p.total),
          });
          bar.end();
          return s;
        },
        { access: shard ? 'read' : 'write' },
      );
      if (g.json) printJson(r);
      else
        console.log(
          `${r.cancelled ? 'cancelled: ' : ''}scored ${r.scored} samples with ${r.modelId} (${r.alreadyScored} already scored, ${r.embedded} newly embedded) in ${r.seconds.toFixed(1)} s`,
        );
      if (r.cancelled) process.exitCode = 130;
    });

  program
    .command('models')
    .description('trained models, newest first')
    .action(async (_o, cmd: Command) => {
      const g = globals(cmd);
      const models = await withEngine(cmd, (e) => listModels(e.store), { access: 'read' });
      if (g.json) return printJson(models);
      for (const m of models)
        console.log(
          `${m.modelId}  ${m.algo.padEnd(8)} ${m.embedderId}  labels ${m.labelSnapshot.labeled}  F1 ${fmt(m.metrics.f1)}  ROC-AUC ${fmt(m.metrics.rocAuc)}  thr ${m.threshold.toFixed(3)}  ${m.createdAt}`,
        );
      if (!models.length) console.log('no models yet: tbs train');
    });

  program
    .command('agreement')
    .description('LLM vs human vs classifier agreement (kappa, confusion)')
    .action(async (_o, cmd: Command) => {
      const g = globals(cmd);
      const r = await withEngine(
        cmd,
        async (e) => ({
          ...(await agreementReport(e.store, (await activeModel(e.store))?.threshold ?? null)),
          humans: await e.invoke('team.agreement', {}),
        }),
        { access: 'read' },
      );
      if (g.json) return printJson(r);
      for (const p of r.humans.pairs)
        console.log(
          `human:${p.a} vs human:${p.b}: n ${p.n}, quadratic kappa ${fmt(p.weighted_kappa)}, exact ${fmt(p.exact)}`,
        );
      if (r.humans.n_items)
        console.log(`humans: Krippendorff's alpha (interval) ${fmt(r.humans.alpha)} over ${r.humans.n_items} samples`);
      for (const a of r.humans.annotators)
        console.log(
          `  ${a.annotator.padEnd(16)} labels ${a.labels}, mean ${fmt(a.mean_score, 2)}, median ${fmt(a.median_seconds, 1)} s/label, keep agreement with consensus ${fmt(a.consensus_keep_agreement)} (n ${a.consensus_n})`,
        );
      for (const p of r.scores)
        console.log(
          `${p.pair}: n ${p.n}, quadratic kappa ${fmt(p.kappa)}, exact ${fmt(p.exact)}, mean |diff| ${fmt(p.meanAbsDiff)}`,
        );
      for (const p of r.keep)
        console.log(`${p.pair} (keep): n ${p.n}, kappa ${fmt(p.kappa)}, accuracy ${fmt(p.accuracy)}`);
      if (!r.scores.length && !r.keep.length)
        console.log('nothing to compare yet: needs samples with two kinds of label');
    });

  embedderOptions(program.command('similar').description('nearest neighbours of a sample').argument('<id>'))
    .option('-k <n>', 'neighbours', (v) => parsePositiveInt(v, '-k'), 10)
    .action(async (id: string, o, cmd: Command) => {
      const g = globals(cmd);
      const hits = await withEngine(cmd, async (e) =>
        similarSamples(e.store, (await resolveEmbedder(e.store, specOf(o))).embedder, id, o.k),
      );
      if (g.json) return printJson(hits.map((h) => ({ ...h.row, distance: h.distance })));
      for (const h of hits) console.log(`${h.distance.toFixed(4)}  ${h.row.id}  ${h.row.source}`);
    });

  program
    .command('queue')
    .description('what to label next')
    .addOption(
      new Option('--kind <k>')
        .choices(['uncertainty', 'disagreement', 'diversity', 'assigned', 'disagreements'])
        .default('uncertainty'),
    )
    .option('--annotator <name>', 'whose assignments (--kind assigned)')
    .option('--limit <n>', 'rows', (v) => parsePositiveInt(v, '--limit'), 20)
    .action(async (o, cmd: Command) => {
      const g = globals(cmd);
      if (o.kind === 'assigned' && !o.annotator) throw new Error('--kind assigned needs --annotator NAME');
      const rows = await withEngine(
        cmd,
        async (e) => {
          // Team queues (issue 14): no model needed.
          if (o.kind === 'assigned' || o.kind === 'disagreements')
            return e.invoke('team.queue', { kind: o.kind, annotator: o.annotator, limit: o.limit });
          const m = await activeModel(e.store);
          const embedder = o.kind === 'diversity' ? (await resolveEmbedder(e.store)).embedder : undefined;
          return reviewQueue(e.store, o.kind as QueueKind, {
            threshold: m?.threshold ?? null,
            limit: o.limit,
            embedder,
          });
        },
        { access: 'read' },
      );
      if (g.json) for (const r of rows) printJson(r);
      else
        for (const r of rows)
          console.log(
            `${r.id}  cls=${fmt(r.classifier_score)} llm=${r.llm_score ?? '-'} human=${r.human_score ?? '-'}  ${r.source}`,
          );
      if (!g.json && !rows.length)
        console.log(`the ${o.kind} queue is empty (it needs classifier scores and samples without a human label)`);
    });
}
