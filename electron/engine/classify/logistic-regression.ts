import { checkRows, decodeFloat64, encodeTyped } from './typed-codec.js';

/**
 * L2-regularized logistic regression, fitted by full-batch L-BFGS on standardized features.
 * Full batch keeps it deterministic (no sampling order to seed) and converges in a few hundred
 * passes at most; standardization makes one `l2` mean the same thing for every embedder. The
 * scaling is folded into the stored weights, so prediction is one dot product per row.
 */
export interface LogisticOptions {
  /** Penalty lambda on the mean loss: loss = mean(weighted log-loss) + l2 / 2 * |w|^2. */
  l2?: number;
  maxIter?: number;
  /** Stop when the gradient's max-norm falls below this. */
  tolerance?: number;
  classWeight?: 'balanced' | 'none';
  /** Accepted for a uniform classifier interface; full-batch L-BFGS needs no randomness. */
  seed?: number;
}

type ResolvedLogisticOptions = Required<LogisticOptions>;

const DEFAULTS: ResolvedLogisticOptions = { l2: 1e-3, maxIter: 300, tolerance: 1e-5, classWeight: 'none', seed: 1 };

export interface LogisticJSON {
  algo: 'logistic';
  version: 1;
  nFeatures: number;
  options: ResolvedLogisticOptions;
  /** base64 Float64 weights on raw (unstandardized) features. */
  weights: string;
  bias: number;
  iterations: number;
}

const sigmoid = (z: number) => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

export class LogisticRegression {
  private constructor(
    readonly nFeatures: number,
    readonly options: ResolvedLogisticOptions,
    private readonly weights: Float64Array,
    private readonly bias: number,
    readonly iterations: number,
  ) {}

  static fit(X: Float32Array[], y: Uint8Array, opts: LogisticOptions = {}): LogisticRegression {
    const o: ResolvedLogisticOptions = { ...DEFAULTS };
    for (const [k, v] of Object.entries(opts)) if (v !== undefined) (o as Record<string, unknown>)[k] = v;
    const n = X.length;
    if (n < 2 || y.length !== n)
      throw new RangeError(`need >= 2 rows with one label each (rows ${n}, labels ${y.length})`);
    const d = checkRows(X);

    // Standardize into one contiguous row-major matrix.
    const mean = new Float64Array(d);
    const std = new Float64Array(d);
    for (const row of X) for (let j = 0; j < d; j++) mean[j] += row[j];
    for (let j = 0; j < d; j++) mean[j] /= n;
    for (const row of X)
      for (let j = 0; j < d; j++) {
        const c = row[j] - mean[j];
        std[j] += c * c;
      }
    for (let j = 0; j < d; j++) {
      const s = Math.sqrt(std[j] / n);
      std[j] = s > 1e-12 ? s : 1;
    }
    const Z = new Float32Array(n * d);
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) Z[i * d + j] = (X[i][j] - mean[j]) / std[j];

    let pos = 0;
    for (let i = 0; i < n; i++) pos += y[i] ? 1 : 0;
    const sw = new Float64Array(n);
    const balanced = o.classWeight === 'balanced' && pos > 0 && pos < n;
    for (let i = 0; i < n; i++) sw[i] = balanced ? (y[i] ? n / (2 * pos) : n / (2 * (n - pos))) : 1;

    // Parameters: d weights then the (unpenalized) bias.
    const p = d + 1;
    const margins = new Float64Array(n);
    const lossAndGrad = (w: Float64Array, g: Float64Array): number => {
      g.fill(0);
      let loss = 0;
      for (let i = 0; i < n; i++) {
        let z = w[d];
        const base = i * d;
        for (let j = 0; j < d; j++) z += w[j] * Z[base + j];
        margins[i] = z;
        // log(1 + e^z) - y z, computed without overflow.
        loss += sw[i] * (Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z))) - (y[i] ? z : 0));
        const r = sw[i] * (sigmoid(z) - (y[i] ? 1 : 0));
        if (r !== 0) {
          for (let j = 0; j < d; j++) g[j] += r * Z[base + j];
          g[d] += r;
        }
      }
      let reg = 0;
      for (let j = 0; j < d; j++) {
        g[j] = g[j] / n + o.l2 * w[j];
        reg += w[j] * w[j];
      }
      g[d] /= n;
      return loss / n + 0.5 * o.l2 * reg;
    };

    const { x: w, iterations } = lbfgs(p, lossAndGrad, o.maxIter, o.tolerance);
    const raw = new Float64Array(d);
    let bias = w[d];
    for (let j = 0; j < d; j++) {
      raw[j] = w[j] / std[j];
      bias -= raw[j] * mean[j];
    }
    return new LogisticRegression(d, o, raw, bias, iterations);
  }

  predictOne(x: Float32Array): number {
    let z = this.bias;
    const w = this.weights;
    for (let j = 0; j < w.length; j++) z += w[j] * x[j];
    return sigmoid(z);
  }

  /** P(keep) for each row. */
  predictProba(X: Float32Array[]): Float32Array {
    checkRows(X, this.nFeatures);
    const out = new Float32Array(X.length);
    for (let i = 0; i < X.length; i++) out[i] = this.predictOne(X[i]);
    return out;
  }

  toJSON(): LogisticJSON {
    return {
      algo: 'logistic',
      version: 1,
      nFeatures: this.nFeatures,
      options: this.options,
      weights: encodeTyped(this.weights),
      bias: this.bias,
      iterations: this.iterations,
    };
  }

  static fromJSON(json: LogisticJSON): LogisticRegression {
    if (json?.algo !== 'logistic' || json.version !== 1) throw new Error('not a version-1 logistic model');
    const w = decodeFloat64(json.weights, 'logistic weights');
    if (w.length !== json.nFeatures || !Number.isFinite(json.bias)) throw new Error('corrupt logistic model');
    return new LogisticRegression(json.nFeatures, { ...DEFAULTS, ...json.options }, w, json.bias, json.iterations ?? 0);
  }
}

/**
 * Minimizes f with limited-memory BFGS (history 10) and a backtracking Armijo line search;
 * ample for a smooth, strongly convex objective like penalized log-loss.
 */
function lbfgs(
  p: number,
  f: (x: Float64Array, g: Float64Array) => number,
  maxIter: number,
  tol: number,
): { x: Float64Array; iterations: number } {
  const M = 10;
  const x = new Float64Array(p);
  const g = new Float64Array(p);
  let fx = f(x, g);
  const S: Float64Array[] = [];
  const Y: Float64Array[] = [];
  const rho: number[] = [];
  const dir = new Float64Array(p);
  const xNew = new Float64Array(p);
  const gNew = new Float64Array(p);
  const alpha = new Float64Array(M);
  const dot = (a: Float64Array, b: Float64Array) => {
    let s = 0;
    for (let k = 0; k < p; k++) s += a[k] * b[k];
    return s;
  };
  const maxAbs = (a: Float64Array) => {
    let m = 0;
    for (let k = 0; k < p; k++) m = Math.max(m, Math.abs(a[k]));
    return m;
  };
  let iter = 0;
  for (; iter < maxIter && maxAbs(g) > tol; iter++) {
    // Two-loop recursion: dir = -H g.
    for (let k = 0; k < p; k++) dir[k] = -g[k];
    for (let m = S.length - 1; m >= 0; m--) {
      alpha[m] = rho[m] * dot(S[m], dir);
      for (let k = 0; k < p; k++) dir[k] -= alpha[m] * Y[m][k];
    }
    const gamma =
      S.length > 0
        ? dot(S[S.length - 1], Y[Y.length - 1]) / dot(Y[Y.length - 1], Y[Y.length - 1])
        : 1 / Math.max(1, Math.sqrt(dot(g, g)));
    for (let k = 0; k < p; k++) dir[k] *= gamma;
    for (let m = 0; m < S.length; m++) {
      const beta = rho[m] * dot(Y[m], dir);
      for (let k = 0; k < p; k++) dir[k] += S[m][k] * (alpha[m] - beta);
    }
    let slope = dot(g, dir);
    if (slope >= 0) {
      // Not a descent direction (numerical trouble): restart from steepest descent.
      S.length = Y.length = rho.length = 0;
      for (let k = 0; k < p; k++) dir[k] = -g[k];
      slope = -dot(g, g);
    }
    let step = 1;
    let fNew = Infinity;
    for (let ls = 0; ls < 40; ls++) {
      for (let k = 0; k < p; k++) xNew[k] = x[k] + step * dir[k];
      fNew = f(xNew, gNew);
      if (fNew <= fx + 1e-4 * step * slope) break;
      step *= 0.5;
    }
    if (!(fNew < fx) && !(fNew <= fx + 1e-4 * step * slope)) break; // no progress possible
    const s = new Float64Array(p);
    const yv = new Float64Array(p);
    for (let k = 0; k < p; k++) {
      s[k] = xNew[k] - x[k];
      yv[k] = gNew[k] - g[k];
    }
    const sy = dot(s, yv);
    if (sy > 1e-12) {
      if (S.length === M) {
        S.shift();
        Y.shift();
        rho.shift();
      }
      S.push(s);
      Y.push(yv);
      rho.push(1 / sy);
    }
    x.set(xNew);
    g.set(gNew);
    const improvement = fx - fNew;
    fx = fNew;
    if (improvement >= 0 && improvement < 1e-12 * Math.max(1, Math.abs(fx))) {
      iter++;
      break;
    }
  }
  return { x, iterations: iter };
}
