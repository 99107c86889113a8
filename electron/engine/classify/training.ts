import { CodedError } from '../../../shared/errors.js';
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DatasetStore } from '../store/dataset-store.js';
import { sqlString } from '../store/dataset-store.js';
import { embeddingTable, readVectors } from '../embed/embedding-store.js';
import type { Embedder } from '../embed/embedder.js';
import {
  loadClassifier,
  trainAndEvaluate,
  type ClassifierAlgo,
  type ClassifierHyper,
  type TrainMetrics,
} from './classifier.js';
import { LogisticRegression } from './logistic-regression.js';
import { mulberry32, shuffleInPlace } from './prng.js';
import { evaluateBinary, selectThreshold } from './metrics.js';

/** Where training targets come from, in precedence order (human over LLM by default). */
export type LabelSource = 'human' | 'llm';

export interface TrainOptions {
  algo: ClassifierAlgo;
  sources?: LabelSource[];
  /** keep = score >= this (default: the dataset's keep threshold). */
  keepThreshold?: number;
  seed?: number;
  testFraction?: number;
  thresholdRule?: { kind: 'max-f1' } | { kind: 'precision'; target: number };
  hyper?: ClassifierHyper;
  /** Replace the labels with a seeded permutation (a sanity check: metrics must collapse). */
  shuffleLabels?: boolean;
  /**
   * Cancels before the fit and, since the fit itself is one synchronous step, after it: a
   * cancelled training saves no model.
   */
  signal?: AbortSignal;
}

export interface ModelRecord {
  modelId: string;
  embedderId: string;
  algo: ClassifierAlgo;
  hyper: ClassifierHyper;
  threshold: number;
  thresholdSource: string;
  metrics: TrainMetrics;
  /** Held-out F1 of trivial predictors on the same split, for honesty. */
  baselines: { majorityF1: number; majorityAccuracy: number; alwaysKeepF1: number; lengthOnlyF1: number };
  labelSnapshot: {
    sources: LabelSource[];
    keepThreshold: number;
    /** How human targets were resolved: adjudication first, then this consensus rule. */
    humanConsensusRule?: string;
    labeled: number;
    positives: number;
    sha256: string;
    bySource: Record<string, number>;
  };
  seed: number;
  shuffledLabels: boolean;
  createdAt: string;
  file: string;
}

/** The keep/drop target of each sample that has one, by source precedence. */
export function trainingTargets(store: DatasetStore, sources: LabelSource[], keepThreshold: number) {
  const idx = store.index;
  const ids: string[] = [];
  const y: number[] = [];
  const from: LabelSource[] = [];
  for (let r = 0; r < idx.size; r++) {
    for (const src of sources) {
      const score = src === 'human' ? idx.human[r] : idx.llm[r];
      const keep = src === 'human' ? idx.humanKeep[r] : idx.llmKeep[r];
      if (keep === -1) continue;
      ids.push(idx.ids[r]);
      y.push(Number.isNaN(score) ? keep : score >= keepThreshold ? 1 : 0);
      from.push(src);
      break;
    }
  }
  return { ids, y: Uint8Array.from(y), from };
}

function seededShuffle(y: Uint8Array, seed: number): Uint8Array {
  return Uint8Array.from(shuffleInPlace(Array.from(y), mulberry32(seed)));
}

export async function trainModel(store: DatasetStore, embedder: Embedder, o: TrainOptions): Promise<ModelRecord> {
  const sources = o.sources ?? ['human', 'llm'];
  const keepThreshold = o.keepThreshold ?? store.config.keepThreshold;
  const seed = o.seed ?? 42;
  const t = trainingTargets(store, sources, keepThreshold);
  if (t.ids.length < 10)
    throw new CodedError(
      'conflict',
      `only ${t.ids.length} labeled samples (from ${sources.join(', ')}); need at least 10 to train`,
    );
  const table = await embeddingTable(store, embedder);
  const vecs = await readVectors(table, new Set(t.ids));
  const missing = t.ids.filter((id) => !vecs.has(id));
  if (missing.length)
    throw new CodedError(
      'conflict',
      `${missing.length} labeled samples have no ${embedder.id} vector: run \`tbs embed\` first`,
    );
  const y = o.shuffleLabels ? seededShuffle(t.y, seed) : t.y;
  const positives = y.reduce((a, b) => a + b, 0);
  if (positives === 0 || positives === y.length)
    throw new CodedError(
      'conflict',
      `all ${y.length} labeled samples are ${positives ? 'keep' : 'drop'}: need both classes`,
    );
  const X = t.ids.map((id) => vecs.get(id)!);
  const cancelled = () => new CodedError('cancelled', 'training cancelled: no model was saved');
  if (o.signal?.aborted) throw cancelled();
  const res = trainAndEvaluate({
    ids: t.ids,
    X,
    y,
    algo: o.algo,
    seed,
    testFraction: o.testFraction ?? 0.2,
    thresholdRule: o.thresholdRule ?? { kind: 'max-f1' },
    hyper: o.hyper,
  });
  if (o.signal?.aborted) throw cancelled();
  const baselines = lengthAndMajorityBaselines(store, t.ids, y, res.trainIds, res.testIds);
  const modelId = `${o.algo}-${new Date()
    .toISOString()
    .replace(/[-:.TZ]/g, '')
    .slice(0, 14)}-${randomUUID().slice(0, 6)}`;
  const dir = join(store.dir, 'models');
  await mkdir(dir, { recursive: true });
  const file = join('models', `${modelId}.json`);
  await writeFile(join(store.dir, file), JSON.stringify(res.model.toJSON()));
  const snapshot = createHash('sha256')
    .update(t.ids.map((id, i) => `${id}:${y[i]}`).join('\n'))
    .digest('hex');
  const bySource: Record<string, number> = {};
  for (const s of t.from) bySource[s] = (bySource[s] ?? 0) + 1;
  const record: ModelRecord = {
    modelId,
    embedderId: embedder.id,
    algo: o.algo,
    hyper: o.hyper ?? {},
    threshold: res.threshold,
    thresholdSource: res.thresholdSource,
    metrics: res.metrics,
    baselines,
    seed,
    shuffledLabels: Boolean(o.shuffleLabels),
    createdAt: new Date().toISOString(),
    file,
    labelSnapshot: {
      sources,
      keepThreshold,
      humanConsensusRule: store.config.consensusRule,
      labeled: t.ids.length,
      positives,
      sha256: snapshot,
      bySource,
    },
  };
  const models = await store.table('models');
  await models.add([
    {
      model_id: modelId,
      embedder_id: embedder.id,
      algo: o.algo,
      record: JSON.stringify(record, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v)),
      created_at: record.createdAt,
    },
  ]);
  // The newest model becomes the active one (unless the config names one): the open store must
  // agree, or a `scoreDataset` in the same process would not update the index's classifier column.
  await store.reloadClassifierScores();
  return record;
}

/** Majority class and a logistic regression on log(tokens) alone, on the model's own split. */
function lengthAndMajorityBaselines(
  store: DatasetStore,
  ids: string[],
  y: Uint8Array,
  trainIds: string[],
  testIds: string[],
) {
  const pos = new Map(ids.map((id, i) => [id, i]));
  const feat = (id: string) => Float32Array.of(Math.log1p(store.index.tokens[store.index.row(id)!]) / 10);
  const trY = Uint8Array.from(trainIds.map((id) => y[pos.get(id)!]));
  const teY = Uint8Array.from(testIds.map((id) => y[pos.get(id)!]));
  const lr = LogisticRegression.fit(trainIds.map(feat), trY, { classWeight: 'balanced' });
  const trP = lr.predictProba(trainIds.map(feat));
  const thr = selectThreshold(trY, trP, { kind: 'max-f1' }).threshold;
  const lengthOnly = evaluateBinary(teY, lr.predictProba(testIds.map(feat)), thr);
  const majority = trY.reduce((a, b) => a + b, 0) * 2 >= trY.length ? 1 : 0;
  const maj = evaluateBinary(teY, new Float32Array(teY.length).fill(majority), 0.5);
  const all = evaluateBinary(teY, new Float32Array(teY.length).fill(1), 0.5);
  return { majorityF1: maj.f1, majorityAccuracy: maj.accuracy, alwaysKeepF1: all.f1, lengthOnlyF1: lengthOnly.f1 };
}

export async function listModels(store: DatasetStore): Promise<ModelRecord[]> {
  const rows = await (await store.table('models')).query().toArray();
  return rows
    .map((r) => JSON.parse(r.record as string) as ModelRecord)
    .sort((a, b) => (a.createdAt < b.createdAt ? 1 : -1));
}

/** The configured model, else the newest. */
export async function activeModel(store: DatasetStore): Promise<ModelRecord | null> {
  const all = await listModels(store);
  if (store.config.activeModel) return all.find((m) => m.modelId === store.config.activeModel) ?? null;
  return all.find((m) => !m.shuffledLabels) ?? null;
}

export async function loadModel(store: DatasetStore, modelId: string) {
  const rows = await (
    await store.table('models')
  )
    .query()
    .where(`model_id = ${sqlString(modelId)}`)
    .limit(1)
    .toArray();
  if (!rows.length) throw new CodedError('not_found', `no model ${modelId}`);
  const record = JSON.parse(rows[0].record as string) as ModelRecord;
  const classifier = loadClassifier(JSON.parse(await readFile(join(store.dir, record.file), 'utf8')));
  return { record, classifier };
}
