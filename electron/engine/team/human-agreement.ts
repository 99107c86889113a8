import { pushAll } from '../../../shared/arrays.js';
import type { LabelRecord } from '../../../shared/domain.js';
import type { HumansAgreement } from '../../../shared/contract/team.js';
import { quadraticKappa } from '../classify/agreement.js';
import type { DatasetStore } from '../store/dataset-store.js';
import { labelFromRow } from '../store/row-mapping.js';
import { median } from './consensus.js';

/**
 * Krippendorff's alpha with the interval metric (squared difference), for any number of raters
 * per item and missing values. `items` holds each item's scores; items with fewer than two are
 * not pairable and are ignored, as in Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability":
 *   D_o = (1/n) * sum_u 1/(m_u - 1) * sum_{i != j in u} (v_i - v_j)^2
 *   D_e = 1/(n (n - 1)) * sum_{c != k over all n pairable values} (v_c - v_k)^2
 *   alpha = 1 - D_o / D_e,  n = sum of m_u over pairable items.
 */
export function krippendorffAlphaInterval(items: readonly (readonly number[])[]): number {
  const pairable = items.filter((u) => u.length >= 2);
  const all = pairable.flat();
  const n = all.length;
  if (n < 2) return NaN;
  let dO = 0;
  for (const u of pairable) {
    let s = 0;
    for (let i = 0; i < u.length; i++) for (let j = 0; j < u.length; j++) if (i !== j) s += (u[i] - u[j]) ** 2;
    dO += s / (u.length - 1);
  }
  dO /= n;
  // sum over ordered pairs c != k of (v_c - v_k)^2 = 2 * (n * sum v^2 - (sum v)^2)
  let sum = 0;
  let sq = 0;
  for (const v of all) {
    sum += v;
    sq += v * v;
  }
  const dE = (2 * (n * sq - sum * sum)) / (n * (n - 1));
  if (dE === 0) return dO === 0 ? 1 : NaN;
  return 1 - dO / dE;
}

const fin = (x: number) => (Number.isFinite(x) ? x : null);

/**
 * Agreement between people: each annotator's current label per sample (latest not retracted;
 * adjudications are the reviewer's verdict, not a rating, so they are left out), pairwise
 * quadratic-weighted kappa on the fixed 0-5 scale and exact agreement, alpha over all samples with
 * >= 2 human scores, and per-annotator stats against the resolved human value.
 */
export async function humansAgreement(store: DatasetStore): Promise<HumansAgreement> {
  const labels: LabelRecord[] = (await (await store.table('labels')).query().where("kind = 'human'").toArray()).map(
    (r) => labelFromRow(r),
  );
  pushAll(
    labels,
    store.pendingLabels().filter((l) => l.kind === 'human'),
  );
  labels.sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0));
  const retracted = new Set(labels.filter((l) => l.retracts).map((l) => l.retracts!));
  const per = new Map<string, Map<string, LabelRecord>>(); // annotator -> sample -> current label
  for (const l of labels) {
    if (l.retracts || retracted.has(l.labelId) || l.origin === 'adjudication') continue;
    let m = per.get(l.agent);
    if (!m) per.set(l.agent, (m = new Map()));
    m.set(l.sampleId, l);
  }
  const names = [...per.keys()].sort();
  const pairs: HumansAgreement['pairs'] = [];
  for (let i = 0; i < names.length; i++)
    for (let j = i + 1; j < names.length; j++) {
      const A = per.get(names[i])!;
      const B = per.get(names[j])!;
      const a: number[] = [];
      const b: number[] = [];
      for (const [sid, la] of A) {
        const lb = B.get(sid);
        if (!lb || la.score === null || lb.score === null) continue;
        a.push(la.score);
        b.push(lb.score);
      }
      if (!a.length) continue;
      let exact = 0;
      for (let k = 0; k < a.length; k++) if (a[k] === b[k]) exact++;
      pairs.push({
        a: names[i],
        b: names[j],
        n: a.length,
        weighted_kappa: fin(quadraticKappa(a, b)),
        exact: exact / a.length,
      });
    }
  const bySample = new Map<string, number[]>();
  for (const m of per.values())
    for (const [sid, l] of m) {
      if (l.score === null) continue;
      let v = bySample.get(sid);
      if (!v) bySample.set(sid, (v = []));
      v.push(l.score);
    }
  const items = [...bySample.values()].filter((v) => v.length >= 2);
  const idx = store.index;
  const annotators = names.map((name) => {
    const m = per.get(name)!;
    const scores: number[] = [];
    const secs: number[] = [];
    let keepAgree = 0;
    let absDiff = 0;
    let cn = 0;
    for (const [sid, l] of m) {
      if (l.score !== null) scores.push(l.score);
      const s = l.details?.seconds;
      if (typeof s === 'number' && Number.isFinite(s)) secs.push(s);
      const r = idx.row(sid);
      const res = r === undefined ? undefined : idx.humanResolution.get(r);
      if (!res || res.count < 2 || l.score === null) continue;
      cn++;
      if (l.score >= store.config.keepThreshold === res.keep) keepAgree++;
      if (res.score !== null) absDiff += Math.abs(l.score - res.score);
    }
    return {
      annotator: name,
      labels: m.size,
      mean_score: scores.length ? scores.reduce((x, y) => x + y, 0) / scores.length : null,
      median_seconds: secs.length ? median(secs) : null,
      consensus_keep_agreement: cn ? keepAgree / cn : null,
      consensus_mean_abs_diff: cn ? absDiff / cn : null,
      consensus_n: cn,
    };
  });
  return { pairs, alpha: fin(krippendorffAlphaInterval(items)), n_items: items.length, annotators };
}
