import { normalizeLanguage } from '../ingest/languages.js';
import { CodedError } from '../../../shared/errors.js';
import { join } from 'node:path';
import { DEFAULT_DECONTAMINATE_COSINE } from '../curate/contamination-check.js';
import type { pipelineCommands } from '../../../shared/contract/pipeline.js';
import type { ModelSummary } from '../../../shared/contract/pipeline.js';
import { estimateLabeling, runLabeling } from '../label/labeler.js';
import { resolveEmbedder, embedderById } from '../embed/embedder-spec.js';
import { activeModel, listModels, type ModelRecord } from '../classify/training.js';
import { modelFor, scoreSamples, trainClassifier } from '../use-cases/pipeline-steps.js';
import { reviewQueue, similarSamples } from '../classify/queues.js';
import { exportFromStore } from '../curate/store-export.js';
import type { SubsetReport } from '../curate/subsets.js';
import { parseLicenseFilter } from '../hygiene/licenses.js';
import { runDemo } from '../pipeline/demo.js';
import type { HandlerFactory } from './handler-types.js';

const finite = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

export const pipelineHandlers: HandlerFactory<keyof typeof pipelineCommands> = (engine) => {
  const store = engine.store;
  const summary = (m: ModelRecord, activeId: string | null): ModelSummary => ({
    modelId: m.modelId,
    embedderId: m.embedderId,
    algo: m.algo,
    threshold: m.threshold,
    thresholdSource: m.thresholdSource,
    metrics: {
      ...m.metrics,
      accuracy: finite(m.metrics.accuracy),
      precision: finite(m.metrics.precision),
      recall: finite(m.metrics.recall),
      f1: finite(m.metrics.f1),
      rocAuc: finite(m.metrics.rocAuc),
      prAuc: finite(m.metrics.prAuc),
      baselineAccuracy: finite(m.metrics.baselineAccuracy),
    },
    baselines: {
      majorityF1: finite(m.baselines.majorityF1),
      majorityAccuracy: finite(m.baselines.majorityAccuracy),
      alwaysKeepF1: finite(m.baselines.alwaysKeepF1),
      lengthOnlyF1: finite(m.baselines.lengthOnlyF1),
    },
    labelSnapshot: m.labelSnapshot,
    shuffledLabels: m.shuffledLabels,
    createdAt: m.createdAt,
    active: m.modelId === activeId,
  });
  // The UI sends licenses as typed (`permissive`, `mit`): the same expansion as `tbs export --licenses`.
  const hygieneOf = <H extends { licenses?: string[] | null }>(h: H | undefined): H | undefined =>
    h?.licenses ? { ...h, licenses: parseLicenseFilter(h.licenses) } : h;
  const rule = (i: {
    precedence: ('human' | 'llm' | 'classifier')[];
    minScore: number;
    minProb: number | null;
    nearDup: number | null;
    budgetTokens: number | null;
    languages?: string[];
    benchmarks?: string[];
  }) => ({
    precedence: i.precedence,
    minScore: i.minScore,
    minProb: i.minProb,
    nearDup: i.nearDup,
    budgetTokens: i.budgetTokens,
    languages: i.languages?.map(normalizeLanguage),
    // The embedding match is on by default whenever benchmarks are named (as in the CLI).
    decontaminate: { cosine: i.benchmarks?.length ? DEFAULT_DECONTAMINATE_COSINE : null },
  });
  return {
    'llm.estimate': async (i) => estimateLabeling(store, i),
    'llm.run': async (i, host) => {
      // A host (app, browser mode) resolved the endpoint and its key from settings; the CLI passes none.
      const ep = host?.llmEndpoint ?? { baseURL: i.baseURL };
      const job = engine.jobs.start('llm-label', (ctx) =>
        engine.withPool((pool) =>
          runLabeling(store, {
            ...i,
            baseURL: ep.baseURL,
            apiKey: host?.llmEndpoint?.apiKey,
            pool,
            signal: ctx.signal,
            onProgress: (p) => ctx.progress('label', p.done, p.total),
          }),
        ),
      );
      const s = await job.result;
      return { jobId: job.jobId, ...s };
    },
    'model.train': async (i) => {
      const job = engine.jobs.start('train', (ctx) =>
        trainClassifier(store, {
          algo: i.algo,
          sources: i.sources,
          seed: i.seed,
          thresholdRule: i.targetPrecision ? { kind: 'precision', target: i.targetPrecision } : { kind: 'max-f1' },
          signal: ctx.signal,
          onProgress: ctx.progress,
        }),
      );
      const m = await job.result;
      return summary(m, store.activeModelId);
    },
    'model.list': async () => (await listModels(store)).map((m) => summary(m, store.activeModelId)),
    'model.activate': async (i) => {
      if (!(await listModels(store)).some((m) => m.modelId === i.modelId))
        throw new CodedError('not_found', `no model ${i.modelId}`);
      await store.folder.saveConfig({ ...store.config, activeModel: i.modelId });
      await store.reloadClassifierScores();
      return { modelId: i.modelId };
    },
    'model.score': async (i) => {
      const rec = await modelFor(store, i.modelId);
      const job = engine.jobs.start('score', (ctx) =>
        engine.withPool((pool) =>
          scoreSamples(store, rec.modelId, { pool, signal: ctx.signal, onProgress: ctx.progress }),
        ),
      );
      const s = await job.result;
      return { jobId: job.jobId, scored: s.scored, alreadyScored: s.alreadyScored, cancelled: s.cancelled };
    },
    'queue.get': async (i) => {
      const m = await activeModel(store);
      const embedder = i.kind === 'diversity' ? (await resolveEmbedder(store)).embedder : undefined;
      return reviewQueue(store, i.kind, { threshold: m?.threshold ?? null, limit: i.limit, embedder });
    },
    'samples.similar': async (i) => {
      if (!store.index.has(i.id)) throw new CodedError('not_found', `no sample ${i.id}`);
      const m = await activeModel(store);
      const embedder = m ? await embedderById(store, m.embedderId) : (await resolveEmbedder(store)).embedder;
      return (await similarSamples(store, embedder, i.id, i.k)).map((h) => ({ ...h.row, distance: h.distance }));
    },
    'export.preview': async (i) => {
      const r = await exportFromStore(store, {
        outDir: join(store.dir, '.preview'),
        format: 'jsonl',
        dryRun: true,
        rule: rule(i),
        benchmarks: i.benchmarks,
        ...(i.subsets ? { subsets: i.subsets } : {}),
        hygiene: hygieneOf(i.hygiene),
      });
      return {
        funnel: r.funnel,
        histogram: r.histogram as unknown as Record<
          string,
          { total: number; bins: { label: string; count: number }[] }
        >,
        dropReasons: r.dropReasons,
        warnings: r.warnings,
        ...(r.subsets ? { subsets: r.subsets.map(subsetSummary) } : {}),
      };
    },
    'export.run': async (i) => {
      const job = engine.jobs.start('export', (ctx) =>
        engine.withPool((pool) =>
          exportFromStore(store, {
            pool,
            outDir: i.outDir,
            format: i.format,
            overwrite: i.overwrite,
            rule: rule(i),
            benchmarks: i.benchmarks,
            hygiene: hygieneOf(i.hygiene),
            ...(i.subsets ? { subsets: i.subsets } : {}),
            signal: ctx.signal,
            onProgress: (p) => ctx.progress(p.phase, p.done, p.total ?? p.done),
          }),
        ),
      );
      const r = await job.result;
      return {
        jobId: job.jobId,
        funnel: r.funnel,
        manifestPath: r.manifestPath,
        files: r.files.length,
        ...(r.subsets ? { subsets: r.subsets.map(subsetSummary) } : {}),
      };
    },
    'demo.run': async (i) => {
      const outDir = i.outDir ?? join(store.dir, '..', `${store.config.name}-export`);
      const job = engine.jobs.start('demo', (ctx) =>
        runDemo(store, {
          outDir,
          stdlib: i.stdlib,
          signal: ctx.signal,
          onProgress: (p) => ctx.progress(p.phase, p.done, p.total),
        }),
      );
      const s = await job.result;
      return {
        jobId: job.jobId,
        demoSamples: s.demoSamples,
        stdlibSamples: s.stdlibSamples,
        stdlibKept: s.stdlibKept,
        modelId: s.model.modelId,
        f1: s.model.metrics.f1,
        outDir,
      };
    },
  };
};

const subsetSummary = (s: SubsetReport) => ({
  name: s.name,
  funnel: s.funnel,
  rows: s.rows,
  tokens: s.tokens,
  warnings: s.warnings,
});
