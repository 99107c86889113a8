import { CodedError } from '../../../shared/errors.js';
import { LogisticRegression, type LogisticJSON, type LogisticOptions } from './logistic-regression.js';
import { evaluateBinary, selectThreshold, type BinaryMetrics, type ThresholdRule } from './metrics.js';
import type { ForestJSON, ForestOptions } from './forest-options.js';
import { RandomForest } from './random-forest.js';
import { stratifiedKFold, stratifiedSplit } from './split.js';

export type ClassifierAlgo = 'forest' | 'logistic';
/** Hyper-parameters of either algorithm; each ignores the other's keys. */
export type ClassifierHyper = ForestOptions & LogisticOptions;

/** A keep/drop model on embedding rows: predictProba gives P(keep). */
export interface Classifier {
  readonly algo: ClassifierAlgo;
  fit(X: Float32Array[], y: Uint8Array, opts?: ClassifierHyper): void;
  predictProba(X: Float32Array[]): Float32Array;
  /** Compact, JSON-safe; `loadClassifier` restores a model that predicts identically. */
  toJSON(): unknown;
}

class ForestClassifier implements Classifier {
  readonly algo = 'forest' as const;
  constructor(private model: RandomForest | null = null) {}
  get forest(): RandomForest {
    if (!this.model) throw new Error('forest classifier used before fit');
    return this.model;
  }
  fit(X: Float32Array[], y: Uint8Array, opts: ClassifierHyper = {}): void {
    this.model = RandomForest.fit(X, y, opts);
  }
  predictProba(X: Float32Array[]): Float32Array {
    return this.forest.predictProba(X);
  }
  toJSON(): ForestJSON {
    return this.forest.toJSON();
  }
}

class LogisticClassifier implements Classifier {
  readonly algo = 'logistic' as const;
  constructor(private model: LogisticRegression | null = null) {}
  get logistic(): LogisticRegression {
    if (!this.model) throw new Error('logistic classifier used before fit');
    return this.model;
  }
  fit(X: Float32Array[], y: Uint8Array, opts: ClassifierHyper = {}): void {
    this.model = LogisticRegression.fit(X, y, opts);
  }
  predictProba(X: Float32Array[]): Float32Array {
    return this.logistic.predictProba(X);
  }
  toJSON(): LogisticJSON {
    return this.logistic.toJSON();
  }
}

export function createClassifier(algo: ClassifierAlgo): Classifier {
  if (algo === 'forest') return new ForestClassifier();
  if (algo === 'logistic') return new LogisticClassifier();
  throw new Error(`unknown classifier algorithm: ${String(algo)}`);
}

export function loadClassifier(json: unknown): Classifier {
  const algo = (json as { algo?: unknown } | null)?.algo;
  if (algo === 'forest') return new ForestClassifier(RandomForest.fromJSON(json as ForestJSON));
  if (algo === 'logistic') return new LogisticClassifier(LogisticRegression.fromJSON(json as LogisticJSON));
  throw new Error(`not a saved classifier (algo: ${String(algo)})`);
}

export interface TrainRequest {
  /** Sample ids, one per row: they make the split independent of row order. */
  ids: string[];
  X: Float32Array[];
  /** 1 = keep (score >= keep threshold), 0 = drop. */
  y: Uint8Array;
  algo: ClassifierAlgo;
  seed?: number;
  /** Share held out for the reported metrics; default 0.2. */
  testFraction?: number;
  thresholdRule?: ThresholdRule;
  hyper?: ClassifierHyper;
}

export interface TrainMetrics extends BinaryMetrics {
  trainSize: number;
  testSize: number;
  /** Keep labels in the whole labeled set. */
  positives: number;
}

export interface TrainResult {
  /** Fitted on the training split only, so the metrics describe exactly this model. */
  model: Classifier;
  threshold: number;
  /** Where the threshold was chosen: never on the test rows it is judged on. */
  thresholdSource: 'out-of-bag' | 'cross-validation' | 'training';
  metrics: TrainMetrics;
  trainIds: string[];
  testIds: string[];
}

const pick = <T>(rows: readonly T[], idx: number[]) => idx.map((i) => rows[i]);
const pickLabels = (y: Uint8Array, idx: number[]) => Uint8Array.from(idx, (i) => y[i]);

function countPositives(y: Uint8Array): number {
  let p = 0;
  for (let i = 0; i < y.length; i++) if (y[i]) p++;
  return p;
}

/**
 * Scores for the training rows from models that did not see them: the forest's out-of-bag
 * votes, else 3-fold cross-validation. Falls back to in-sample scores when a class is too
 * small to fold (the threshold is then optimistic, and says so).
 */
function calibrationScores(
  req: TrainRequest,
  model: Classifier,
  ids: string[],
  X: Float32Array[],
  y: Uint8Array,
  seed: number,
): { scores: Float32Array; labels: Uint8Array; source: TrainResult['thresholdSource'] } {
  if (model instanceof ForestClassifier && model.forest.oobProba) {
    const oob = model.forest.oobProba;
    const keep = Array.from(oob.keys()).filter((i) => !Number.isNaN(oob[i]));
    const labels = pickLabels(y, keep);
    const pos = countPositives(labels);
    if (pos > 0 && pos < labels.length)
      return { scores: Float32Array.from(keep, (i) => oob[i]), labels, source: 'out-of-bag' };
  }
  const pos = countPositives(y);
  if (Math.min(pos, y.length - pos) >= 3) {
    const scores = new Float32Array(y.length);
    for (const fold of stratifiedKFold(ids, y, { k: 3, seed })) {
      const m = createClassifier(req.algo);
      m.fit(pick(X, fold.train), pickLabels(y, fold.train), { ...req.hyper, seed });
      const p = m.predictProba(pick(X, fold.test));
      fold.test.forEach((row, k) => {
        scores[row] = p[k];
      });
    }
    return { scores, labels: y, source: 'cross-validation' };
  }
  return { scores: model.predictProba(X), labels: y, source: 'training' };
}

/** Stratified split, fit on train, threshold from held-out-of-fit scores, metrics on test. */
export function trainAndEvaluate(req: TrainRequest): TrainResult {
  const { ids, X, y } = req;
  if (ids.length !== X.length || y.length !== X.length)
    throw new RangeError(`ids (${ids.length}), rows (${X.length}) and labels (${y.length}) must align`);
  const positives = countPositives(y);
  if (positives === 0 || positives === y.length)
    throw new CodedError('conflict', 'training needs both keep and drop labels');
  const seed = req.seed ?? req.hyper?.seed ?? 1;
  const split = stratifiedSplit(ids, y, { testFraction: req.testFraction ?? 0.2, seed });
  const trainIds = pick(ids, split.train);
  const trainX = pick(X, split.train);
  const trainY = pickLabels(y, split.train);
  const model = createClassifier(req.algo);
  model.fit(trainX, trainY, { ...req.hyper, seed });

  const cal = calibrationScores(req, model, trainIds, trainX, trainY, seed);
  const choice = selectThreshold(cal.labels, cal.scores, req.thresholdRule ?? { kind: 'max-f1' });
  const testY = pickLabels(y, split.test);
  const testScores = split.test.length > 0 ? model.predictProba(pick(X, split.test)) : new Float32Array(0);
  const metrics = evaluateBinary(testY, testScores, choice.threshold);
  return {
    model,
    threshold: choice.threshold,
    thresholdSource: cal.source,
    metrics: { ...metrics, trainSize: split.train.length, testSize: split.test.length, positives },
    trainIds,
    testIds: pick(ids, split.test),
  };
}
