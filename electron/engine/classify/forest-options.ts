/** The random forest's options (with their defaults and resolution) and its saved JSON shape. */
export interface ForestOptions {
  nTrees?: number;
  /** Depth cap; the default is effectively unlimited, as in scikit-learn. */
  maxDepth?: number;
  minSamplesLeaf?: number;
  minSamplesSplit?: number;
  /** Features tried per split: 'sqrt' (default), 'log2', a fraction in (0, 1], or a count. */
  maxFeatures?: 'sqrt' | 'log2' | number;
  /** Quantile bins per feature, 2..255. */
  maxBins?: number;
  bootstrap?: boolean;
  /** 'balanced' reweights classes to equal total weight (rare keeps still shape the trees). */
  classWeight?: 'balanced' | 'none';
  seed?: number;
}

export type ResolvedForestOptions = Required<ForestOptions>;

export const DEFAULTS: ResolvedForestOptions = {
  nTrees: 100,
  maxDepth: 64,
  minSamplesLeaf: 1,
  minSamplesSplit: 2,
  maxFeatures: 'sqrt',
  maxBins: 32,
  bootstrap: true,
  classWeight: 'none',
  seed: 1,
};

export interface ForestJSON {
  algo: 'forest';
  version: 1;
  nFeatures: number;
  options: ResolvedForestOptions;
  /** Start of each tree in the node arrays. */
  roots: number[];
  /** base64 Int16: split feature, -1 at leaves. */
  feature: string;
  /** base64 Float32: split threshold (go left when x <= t), or P(keep) at leaves. */
  payload: string;
  /** base64 Int32: right child (global index); unused at leaves. */
  right: string;
  /** Normalized mean impurity decrease per feature. */
  importances: number[];
}

export function resolveMaxFeatures(m: ResolvedForestOptions['maxFeatures'], d: number): number {
  if (m === 'sqrt') return Math.max(1, Math.round(Math.sqrt(d)));
  if (m === 'log2') return Math.max(1, Math.round(Math.log2(d)));
  if (m > 0 && m <= 1) return Math.max(1, Math.round(m * d));
  return Math.max(1, Math.min(d, Math.floor(m)));
}
