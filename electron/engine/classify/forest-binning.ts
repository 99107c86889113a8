/** Quantile binning of dense feature columns into uint8 bins, the random forest's split candidates. */
import { randInt, type Rng } from './prng.js';

export interface Binned {
  /** Column-major bins: bins[f * n + i]. */
  bins: Uint8Array;
  /** Per feature, the split thresholds between consecutive bins. */
  thresholds: Float32Array[];
}

/** Quantile bin edges from (a sample of) each column; bin b holds thresholds[b-1] < v <= thresholds[b]. */
export function binFeatures(X: Float32Array[], maxBins: number, rng: Rng): Binned {
  const n = X.length;
  const d = X[0].length;
  const sampleSize = Math.min(n, 20_000);
  const rows = new Int32Array(sampleSize);
  for (let k = 0; k < sampleSize; k++) rows[k] = sampleSize === n ? k : randInt(rng, n);
  const col = new Float32Array(sampleSize);
  const bins = new Uint8Array(d * n);
  const thresholds: Float32Array[] = [];
  for (let f = 0; f < d; f++) {
    for (let k = 0; k < sampleSize; k++) col[k] = X[rows[k]][f];
    col.sort();
    const edges: number[] = [];
    let last = -Infinity;
    for (let q = 1; q < maxBins; q++) {
      const v = col[Math.min(sampleSize - 1, Math.floor((q * sampleSize) / maxBins))];
      if (v > last && v < col[sampleSize - 1]) {
        // Split halfway to the next distinct value so unseen values fall on the nearer side.
        let lo = 0;
        let hi = sampleSize - 1;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if (col[mid] > v) hi = mid;
          else lo = mid + 1;
        }
        const next = col[lo];
        const mid = Math.fround((v + next) / 2);
        edges.push(mid < next && mid >= v ? mid : v);
        last = v;
      }
    }
    const t = Float32Array.from(edges);
    thresholds.push(t);
    const base = f * n;
    for (let i = 0; i < n; i++) {
      const v = X[i][f];
      let lo = 0;
      let hi = t.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (v <= t[mid]) hi = mid;
        else lo = mid + 1;
      }
      bins[base + i] = lo;
    }
  }
  return { bins, thresholds };
}
