/**
 * Binary classification metrics on (label, score) pairs. A sample counts as predicted positive
 * when score >= threshold. Undefined quantities (ROC-AUC with a single class, AP without
 * positives) are NaN; ratios with an empty denominator are 0 (scikit-learn's zero_division=0).
 */
export interface Confusion {
  tp: number;
  fp: number;
  tn: number;
  fn: number;
}
export interface PrPoint {
  threshold: number;
  precision: number;
  recall: number;
}
export type ThresholdRule = { kind: 'max-f1' } | { kind: 'precision'; target: number };

export interface ThresholdChoice {
  threshold: number;
  precision: number;
  recall: number;
  f1: number;
  /** False when a precision target could not be reached (the most precise threshold is returned). */
  met: boolean;
}

type Labels = ArrayLike<number>;
type Scores = ArrayLike<number>;

function checkLengths(y: Labels, s: Scores): void {
  if (y.length !== s.length) throw new RangeError(`labels (${y.length}) and scores (${s.length}) differ in length`);
}

export function confusionAt(y: Labels, scores: Scores, threshold: number): Confusion {
  checkLengths(y, scores);
  const c: Confusion = { tp: 0, fp: 0, tn: 0, fn: 0 };
  for (let i = 0; i < y.length; i++) {
    const predicted = scores[i] >= threshold;
    if (y[i]) {
      if (predicted) c.tp++;
      else c.fn++;
    } else if (predicted) c.fp++;
    else c.tn++;
  }
  return c;
}

const div = (a: number, b: number) => (b > 0 ? a / b : 0);
export const accuracy = (c: Confusion) => div(c.tp + c.tn, c.tp + c.tn + c.fp + c.fn);
export const precision = (c: Confusion) => div(c.tp, c.tp + c.fp);
export const recall = (c: Confusion) => div(c.tp, c.tp + c.fn);
export const f1 = (c: Confusion) => div(2 * c.tp, 2 * c.tp + c.fp + c.fn);

/** Accuracy of always predicting the more frequent class. */
export function baselineAccuracy(y: Labels): number {
  let pos = 0;
  for (let i = 0; i < y.length; i++) if (y[i]) pos++;
  return div(Math.max(pos, y.length - pos), y.length);
}

/** ROC-AUC as the Mann-Whitney statistic, with tied scores given their average rank. */
export function rocAuc(y: Labels, scores: Scores): number {
  checkLengths(y, scores);
  const n = y.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a] - scores[b]);
  let pos = 0;
  let rankSumPos = 0;
  for (let i = 0; i < n;) {
    let j = i;
    while (j + 1 < n && scores[order[j + 1]] === scores[order[i]]) j++;
    const avgRank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++)
      if (y[order[k]]) {
        pos++;
        rankSumPos += avgRank;
      }
    i = j + 1;
  }
  const neg = n - pos;
  if (pos === 0 || neg === 0) return NaN;
  return (rankSumPos - (pos * (pos + 1)) / 2) / (pos * neg);
}

/** Cumulative counts at each distinct score, from the highest score down. */
function sweep(y: Labels, scores: Scores): { thresholds: number[]; tp: number[]; fp: number[]; positives: number } {
  checkLengths(y, scores);
  const order = Array.from({ length: y.length }, (_, i) => i).sort((a, b) => scores[b] - scores[a]);
  const thresholds: number[] = [];
  const tp: number[] = [];
  const fp: number[] = [];
  let t = 0;
  let f = 0;
  for (let k = 0; k < order.length; k++) {
    if (y[order[k]]) t++;
    else f++;
    if (k + 1 === order.length || scores[order[k + 1]] !== scores[order[k]]) {
      thresholds.push(scores[order[k]]);
      tp.push(t);
      fp.push(f);
    }
  }
  return { thresholds, tp, fp, positives: t };
}

/** Average precision: sum over thresholds of (R_k - R_{k-1}) * P_k, as scikit-learn defines it. */
export function averagePrecision(y: Labels, scores: Scores): number {
  const { tp, fp, positives } = sweep(y, scores);
  if (positives === 0) return NaN;
  let ap = 0;
  let prevRecall = 0;
  for (let k = 0; k < tp.length; k++) {
    const r = tp[k] / positives;
    ap += (r - prevRecall) * (tp[k] / (tp[k] + fp[k]));
    prevRecall = r;
  }
  return ap;
}

/** Precision/recall at each distinct threshold (high to low), evenly thinned to at most maxPoints. */
export function prCurve(y: Labels, scores: Scores, maxPoints = 100): PrPoint[] {
  const { thresholds, tp, fp, positives } = sweep(y, scores);
  const all = thresholds.map((threshold, k) => ({
    threshold,
    precision: div(tp[k], tp[k] + fp[k]),
    recall: div(tp[k], positives),
  }));
  if (all.length <= maxPoints) return all;
  const out: PrPoint[] = [];
  for (let q = 0; q < maxPoints; q++) out.push(all[Math.round((q * (all.length - 1)) / (maxPoints - 1))]);
  return out;
}

/**
 * Picks a decision threshold from scores on data the model did not fit (out-of-bag,
 * cross-validation or a validation split). The threshold sits halfway to the next lower score,
 * so samples scored between two seen values fall on the nearer side.
 */
export function selectThreshold(y: Labels, scores: Scores, rule: ThresholdRule): ThresholdChoice {
  const { thresholds, tp, fp, positives } = sweep(y, scores);
  if (thresholds.length === 0) return { threshold: 0.5, precision: 0, recall: 0, f1: 0, met: false };
  const at = (k: number, met: boolean): ThresholdChoice => {
    const p = div(tp[k], tp[k] + fp[k]);
    const r = div(tp[k], positives);
    const lower = k + 1 < thresholds.length ? thresholds[k + 1] : thresholds[k];
    return {
      threshold: (thresholds[k] + lower) / 2,
      precision: p,
      recall: r,
      f1: div(2 * tp[k], tp[k] + fp[k] + positives),
      met,
    };
  };
  if (rule.kind === 'max-f1') {
    let best = 0;
    let bestF1 = -1;
    for (let k = 0; k < thresholds.length; k++) {
      const v = div(2 * tp[k], tp[k] + fp[k] + positives);
      if (v > bestF1) {
        bestF1 = v;
        best = k;
      }
    }
    return at(best, true);
  }
  // Lowest threshold that still reaches the target precision = the most recall at that precision.
  let chosen = -1;
  for (let k = 0; k < thresholds.length; k++) if (div(tp[k], tp[k] + fp[k]) >= rule.target) chosen = k;
  if (chosen >= 0) return at(chosen, true);
  let best = 0;
  for (let k = 1; k < thresholds.length; k++) {
    const p = div(tp[k], tp[k] + fp[k]);
    const bp = div(tp[best], tp[best] + fp[best]);
    if (p > bp || (p === bp && tp[k] > tp[best])) best = k;
  }
  return at(best, false);
}

export interface BinaryMetrics {
  accuracy: number;
  precision: number;
  recall: number;
  f1: number;
  rocAuc: number;
  prAuc: number;
  confusion: Confusion;
  prCurve: PrPoint[];
  baselineAccuracy: number;
}

/** Everything the Train view shows for one model on one evaluation set. */
export function evaluateBinary(y: Labels, scores: Scores, threshold: number): BinaryMetrics {
  const confusion = confusionAt(y, scores, threshold);
  return {
    accuracy: accuracy(confusion),
    precision: precision(confusion),
    recall: recall(confusion),
    f1: f1(confusion),
    rocAuc: rocAuc(y, scores),
    prAuc: averagePrecision(y, scores),
    confusion,
    prCurve: prCurve(y, scores),
    baselineAccuracy: baselineAccuracy(y),
  };
}
