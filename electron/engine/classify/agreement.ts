import { pushAll } from '../../../shared/arrays.js';
import { llmSourceOf } from '../../../shared/agent.js';
import type { LabelRecord } from '../../../shared/domain.js';
import type { DatasetStore } from '../store/dataset-store.js';
import { labelFromRow } from '../store/row-mapping.js';

/**
 * Agreement between label sources: quadratic-weighted Cohen's kappa and the 6x6 confusion on the
 * 0-5 scale (LLM vs human), and binary keep agreement (kappa, accuracy) between the classifier
 * and each label source; broken down per LLM source (template@model) and per annotator.
 */
export function quadraticKappa(a: number[], b: number[], k = 6): number {
  const n = a.length;
  if (!n) return NaN;
  const O = Array.from({ length: k }, () => new Float64Array(k));
  const ha = new Float64Array(k);
  const hb = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    O[a[i]][b[i]]++;
    ha[a[i]]++;
    hb[b[i]]++;
  }
  let num = 0;
  let den = 0;
  for (let i = 0; i < k; i++)
    for (let j = 0; j < k; j++) {
      const w = ((i - j) * (i - j)) / ((k - 1) * (k - 1));
      num += w * O[i][j];
      den += (w * (ha[i] * hb[j])) / n;
    }
  return den === 0 ? (num === 0 ? 1 : NaN) : 1 - num / den;
}

/** Unweighted Cohen's kappa for two binary raters. */
export function binaryKappa(a: number[], b: number[]): number {
  const n = a.length;
  if (!n) return NaN;
  let agree = 0;
  let pa = 0;
  let pb = 0;
  for (let i = 0; i < n; i++) {
    if (a[i] === b[i]) agree++;
    pa += a[i];
    pb += b[i];
  }
  const po = agree / n;
  const pe = (pa / n) * (pb / n) + (1 - pa / n) * (1 - pb / n);
  return pe === 1 ? (po === 1 ? 1 : NaN) : (po - pe) / (1 - pe);
}

export interface PairAgreement {
  pair: string;
  n: number;
  kappa: number | null;
  exact?: number;
  meanAbsDiff?: number;
  accuracy?: number;
  confusion?: number[][];
}

const fin = (x: number) => (Number.isFinite(x) ? x : null);

function scoresPair(pair: string, a: number[], b: number[]): PairAgreement {
  const confusion = Array.from({ length: 6 }, () => new Array(6).fill(0));
  let exact = 0;
  let diff = 0;
  for (let i = 0; i < a.length; i++) {
    confusion[a[i]][b[i]]++;
    if (a[i] === b[i]) exact++;
    diff += Math.abs(a[i] - b[i]);
  }
  return {
    pair,
    n: a.length,
    kappa: fin(quadraticKappa(a, b)),
    exact: a.length ? exact / a.length : 0,
    meanAbsDiff: a.length ? diff / a.length : 0,
    confusion,
  };
}

function keepPair(pair: string, a: number[], b: number[]): PairAgreement {
  const confusion = [
    [0, 0],
    [0, 0],
  ];
  for (let i = 0; i < a.length; i++) confusion[a[i]][b[i]]++;
  return {
    pair,
    n: a.length,
    kappa: fin(binaryKappa(a, b)),
    accuracy: a.length ? (confusion[0][0] + confusion[1][1]) / a.length : 0,
    confusion,
  };
}

export async function agreementReport(store: DatasetStore, classifierThreshold: number | null) {
  const labels: LabelRecord[] = (await (await store.table('labels')).query().toArray()).map((r) => labelFromRow(r));
  pushAll(labels, store.pendingLabels());
  labels.sort((a, b) => (a.createdAt < b.createdAt ? -1 : 1));
  const retracted = new Set(labels.filter((l) => l.retracts).map((l) => l.retracts!));
  const llm = new Map<string, Map<string, LabelRecord>>(); // source -> sample -> latest
  const human = new Map<string, Map<string, LabelRecord>>(); // annotator -> sample -> latest
  for (const l of labels) {
    if (l.retracts || retracted.has(l.labelId)) continue;
    const key = l.kind === 'llm' ? llmSourceOf(l.agent) : l.agent;
    const m = l.kind === 'llm' ? llm : human;
    let per = m.get(key);
    if (!per) m.set(key, (per = new Map()));
    per.set(l.sampleId, l);
  }
  const idx = store.index;
  const k = store.config.keepThreshold;
  const keepOf = (l: LabelRecord) => (l.score === null ? (l.keep ? 1 : 0) : l.score >= k ? 1 : 0);
  const scorePairs: PairAgreement[] = [];
  const keepPairs: PairAgreement[] = [];
  for (const [src, lm] of llm)
    for (const [ann, hm] of human) {
      const a: number[] = [];
      const b: number[] = [];
      const ka: number[] = [];
      const kb: number[] = [];
      for (const [sid, h] of hm) {
        const l = lm.get(sid);
        if (!l) continue;
        ka.push(keepOf(l));
        kb.push(keepOf(h));
        if (l.score !== null && h.score !== null) {
          a.push(l.score);
          b.push(h.score);
        }
      }
      if (a.length) scorePairs.push(scoresPair(`llm:${src} vs human:${ann}`, a, b));
      if (ka.length) keepPairs.push(keepPair(`llm:${src} vs human:${ann}`, ka, kb));
    }
  if (classifierThreshold !== null) {
    const against = (name: string, per: Map<string, LabelRecord>) => {
      const a: number[] = [];
      const b: number[] = [];
      for (const [sid, l] of per) {
        const r = idx.row(sid);
        if (r === undefined || Number.isNaN(idx.cls[r])) continue;
        a.push(idx.cls[r] >= classifierThreshold ? 1 : 0);
        b.push(keepOf(l));
      }
      if (a.length) keepPairs.push(keepPair(`classifier vs ${name}`, a, b));
    };
    for (const [src, lm] of llm) against(`llm:${src}`, lm);
    for (const [ann, hm] of human) against(`human:${ann}`, hm);
  }
  return { keepThreshold: k, classifierThreshold, scores: scorePairs, keep: keepPairs };
}
