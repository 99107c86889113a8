/**
 * A random-forest classifier (phi-1's choice) built for speed on dense embeddings:
 * features are quantile-binned once into uint8 columns, each split scans per-bin histograms of
 * a sqrt(d) feature subsample (gini), trees grow on bootstrap weights, and everything lives in
 * typed arrays. Trees are stored in preorder, so a node's left child is the next node and only
 * the right child index is kept.
 */
import { binFeatures } from './forest-binning.js';
import {
  DEFAULTS,
  resolveMaxFeatures,
  type ForestJSON,
  type ForestOptions,
  type ResolvedForestOptions,
} from './forest-options.js';
import { mulberry32, randInt } from './prng.js';
import { checkRows, decodeFloat32, decodeInt16, decodeInt32, encodeTyped } from './typed-codec.js';

/** A growable node store for one tree (preorder). */
class TreeBuilder {
  feature: number[] = [];
  payload: number[] = [];
  binThr: number[] = [];
  right: number[] = [];
  push(): number {
    this.feature.push(-1);
    this.payload.push(0);
    this.binThr.push(0);
    this.right.push(-1);
    return this.feature.length - 1;
  }
}

interface Frame {
  start: number;
  end: number;
  depth: number;
  parent: number;
}

export class RandomForest {
  private constructor(
    readonly nFeatures: number,
    readonly options: ResolvedForestOptions,
    private readonly roots: Int32Array,
    private readonly feature: Int16Array,
    private readonly payload: Float32Array,
    private readonly right: Int32Array,
    readonly importances: Float32Array,
    /** Out-of-bag P(keep) per training row (NaN where a row was in every bootstrap); training only. */
    readonly oobProba: Float32Array | null,
  ) {}

  static fit(X: Float32Array[], y: Uint8Array, opts: ForestOptions = {}): RandomForest {
    const o: ResolvedForestOptions = { ...DEFAULTS, ...stripUndefined(opts) };
    const n = X.length;
    if (n < 2 || y.length !== n)
      throw new RangeError(`need >= 2 rows with one label each (rows ${n}, labels ${y.length})`);
    const d = checkRows(X);
    if (d > 32767) throw new RangeError('at most 32767 features');
    const maxBins = Math.max(2, Math.min(255, Math.floor(o.maxBins)));
    const rng = mulberry32(o.seed);
    const { bins, thresholds } = binFeatures(X, maxBins, rng);
    const mtry = resolveMaxFeatures(o.maxFeatures, d);

    let pos = 0;
    for (let i = 0; i < n; i++) pos += y[i] ? 1 : 0;
    const cw0 = o.classWeight === 'balanced' && pos < n ? n / (2 * (n - pos)) : 1;
    const cw1 = o.classWeight === 'balanced' && pos > 0 ? n / (2 * pos) : 1;

    const counts = new Uint16Array(n);
    const sw = new Float64Array(n);
    const idx = new Uint32Array(n);
    const perm = new Int32Array(d);
    for (let f = 0; f < d; f++) perm[f] = f;
    const hw = new Float64Array(maxBins);
    const hp = new Float64Array(maxBins);
    const hc = new Int32Array(maxBins);
    const importance = new Float64Array(d);
    const oobSum = new Float64Array(n);
    const oobCnt = new Int32Array(n);
    const trees: TreeBuilder[] = [];

    for (let t = 0; t < o.nTrees; t++) {
      counts.fill(0);
      if (o.bootstrap) for (let k = 0; k < n; k++) counts[randInt(rng, n)]++;
      else counts.fill(1);
      let m = 0;
      for (let i = 0; i < n; i++) {
        if (counts[i] > 0) idx[m++] = i;
        sw[i] = counts[i] * (y[i] ? cw1 : cw0);
      }
      const tree = new TreeBuilder();
      const stack: Frame[] = [{ start: 0, end: m, depth: 0, parent: -1 }];
      while (stack.length > 0) {
        const fr = stack.pop()!;
        const node = tree.push();
        if (fr.parent >= 0 && tree.right[fr.parent] === -2) tree.right[fr.parent] = node;
        let W = 0;
        let P = 0;
        for (let r = fr.start; r < fr.end; r++) {
          const i = idx[r];
          W += sw[i];
          if (y[i]) P += sw[i];
        }
        tree.payload[node] = W > 0 ? P / W : 0;
        const size = fr.end - fr.start;
        if (fr.depth >= o.maxDepth || size < o.minSamplesSplit || size < 2 * o.minSamplesLeaf || P <= 0 || P >= W)
          continue;

        const parentScore = (P * P + (W - P) * (W - P)) / W;
        let bestGain = 1e-12 * W;
        let bestF = -1;
        let bestBin = 0;
        let found = 0;
        for (let k = 0; k < d && found < mtry; k++) {
          const swap = k + randInt(rng, d - k);
          const f = perm[swap];
          perm[swap] = perm[k];
          perm[k] = f;
          const nb = thresholds[f].length + 1;
          if (nb < 2) continue;
          hw.fill(0, 0, nb);
          hp.fill(0, 0, nb);
          hc.fill(0, 0, nb);
          const col = f * n;
          for (let r = fr.start; r < fr.end; r++) {
            const i = idx[r];
            const b = bins[col + i];
            hw[b] += sw[i];
            hc[b]++;
            if (y[i]) hp[b] += sw[i];
          }
          let nonEmpty = 0;
          for (let b = 0; b < nb; b++) if (hc[b] > 0) nonEmpty++;
          if (nonEmpty < 2) continue; // constant here: does not count toward mtry (as in scikit-learn)
          found++;
          let wl = 0;
          let pl = 0;
          let cl = 0;
          for (let b = 0; b < nb - 1; b++) {
            wl += hw[b];
            pl += hp[b];
            cl += hc[b];
            if (hc[b] === 0) continue;
            const cr = size - cl;
            if (cl < o.minSamplesLeaf) continue;
            if (cr < o.minSamplesLeaf) break;
            const wr = W - wl;
            const pr = P - pl;
            if (wl <= 0 || wr <= 0) continue;
            const gain = (pl * pl + (wl - pl) * (wl - pl)) / wl + (pr * pr + (wr - pr) * (wr - pr)) / wr - parentScore;
            if (gain > bestGain) {
              bestGain = gain;
              bestF = f;
              bestBin = b;
            }
          }
        }
        if (bestF < 0) continue;

        importance[bestF] += bestGain;
        tree.feature[node] = bestF;
        tree.binThr[node] = bestBin;
        tree.payload[node] = thresholds[bestF][bestBin];
        tree.right[node] = -2; // filled in when the right child is created
        // Partition rows so the left child's rows come first.
        const col = bestF * n;
        let lo = fr.start;
        let hi = fr.end - 1;
        while (lo <= hi) {
          if (bins[col + idx[lo]] <= bestBin) lo++;
          else {
            const tmp = idx[lo];
            idx[lo] = idx[hi];
            idx[hi] = tmp;
            hi--;
          }
        }
        // Pushed right first so the left child is popped next: preorder, left = node + 1.
        stack.push({ start: lo, end: fr.end, depth: fr.depth + 1, parent: node });
        stack.push({ start: fr.start, end: lo, depth: fr.depth + 1, parent: -1 });
      }
      if (o.bootstrap) {
        for (let i = 0; i < n; i++) {
          if (counts[i] > 0) continue;
          let node = 0;
          while (tree.feature[node] >= 0)
            node = bins[tree.feature[node] * n + i] <= tree.binThr[node] ? node + 1 : tree.right[node];
          oobSum[i] += tree.payload[node];
          oobCnt[i]++;
        }
      }
      trees.push(tree);
    }

    let total = 0;
    for (const t of trees) total += t.feature.length;
    const roots = new Int32Array(trees.length);
    const feature = new Int16Array(total);
    const payload = new Float32Array(total);
    const right = new Int32Array(total);
    let off = 0;
    trees.forEach((t, k) => {
      roots[k] = off;
      for (let j = 0; j < t.feature.length; j++) {
        feature[off + j] = t.feature[j];
        payload[off + j] = t.payload[j];
        right[off + j] = t.feature[j] >= 0 ? t.right[j] + off : -1;
      }
      off += t.feature.length;
    });
    let impSum = 0;
    for (let f = 0; f < d; f++) impSum += importance[f];
    const imp = new Float32Array(d);
    for (let f = 0; f < d; f++) imp[f] = impSum > 0 ? importance[f] / impSum : 0;
    let oob: Float32Array | null = null;
    if (o.bootstrap) {
      oob = new Float32Array(n);
      for (let i = 0; i < n; i++) oob[i] = oobCnt[i] > 0 ? oobSum[i] / oobCnt[i] : NaN;
    }
    return new RandomForest(d, o, roots, feature, payload, right, imp, oob);
  }

  get nTrees(): number {
    return this.roots.length;
  }

  get nodeCount(): number {
    return this.feature.length;
  }

  predictOne(x: Float32Array): number {
    const { feature, payload, right, roots } = this;
    let sum = 0;
    for (let t = 0; t < roots.length; t++) {
      let node = roots[t];
      let f = feature[node];
      while (f >= 0) {
        node = x[f] <= payload[node] ? node + 1 : right[node];
        f = feature[node];
      }
      sum += payload[node];
    }
    return roots.length > 0 ? sum / roots.length : 0;
  }

  /** P(keep) for each row. */
  predictProba(X: Float32Array[]): Float32Array {
    checkRows(X, this.nFeatures);
    const out = new Float32Array(X.length);
    for (let i = 0; i < X.length; i++) out[i] = this.predictOne(X[i]);
    return out;
  }

  toJSON(): ForestJSON {
    return {
      algo: 'forest',
      version: 1,
      nFeatures: this.nFeatures,
      options: this.options,
      roots: Array.from(this.roots),
      feature: encodeTyped(this.feature),
      payload: encodeTyped(this.payload),
      right: encodeTyped(this.right),
      importances: Array.from(this.importances),
    };
  }

  static fromJSON(json: ForestJSON): RandomForest {
    if (json?.algo !== 'forest' || json.version !== 1) throw new Error('not a version-1 forest model');
    const feature = decodeInt16(json.feature, 'forest features');
    const payload = decodeFloat32(json.payload, 'forest payload');
    const right = decodeInt32(json.right, 'forest children');
    if (payload.length !== feature.length || right.length !== feature.length)
      throw new Error('corrupt forest: node arrays differ in length');
    if (json.roots.some((r) => !(r >= 0 && r < feature.length)))
      throw new Error('corrupt forest: tree root out of range');
    for (let k = 0; k < feature.length; k++) {
      if (feature[k] >= json.nFeatures || (feature[k] >= 0 && (right[k] <= k || right[k] >= feature.length)))
        throw new Error(`corrupt forest node ${k}`);
    }
    return new RandomForest(
      json.nFeatures,
      { ...DEFAULTS, ...json.options },
      Int32Array.from(json.roots),
      feature,
      payload,
      right,
      Float32Array.from(json.importances ?? []),
      null,
    );
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
