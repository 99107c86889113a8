import { createHash } from 'node:crypto';
import { CosineLsh, planLsh, type LshOptions, type LshPlan } from './cosine-lsh.js';
import { throwIfAborted } from './hashing.js';
import { sortByRank, type RankedCandidate } from './select.js';
import { dotRows, packUnitVectors, type UnitVectors } from './unit-vectors.js';

export type DedupMethod = 'exact' | 'embedding' | 'minhash';

/** One kept sample and the samples removed as its duplicates. */
export interface RemovedCluster {
  keptId: string;
  /** In rank order. */
  removedIds: string[];
  /** Highest similarity of a removed member to the kept one (1 for exact). */
  maxSimilarity: number;
  method: DedupMethod;
}

export interface DedupResult {
  /** Survivors, in rank order. */
  kept: RankedCandidate[];
  /** In the kept member's rank order. */
  clusters: RemovedCluster[];
}

export interface StepHooks {
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

/**
 * Normalization for exact dedup: line endings, trailing whitespace and surrounding blank lines
 * never change what a model learns from a file, so copies differing only there are the same sample.
 */
const TRAILING_SPACE = /[ \t\f\v](?:\n|$)/;

export function normalizeText(text: string): string {
  // NOTE: most code has no CR and no trailing blanks: then only the end newlines go, without the
  // split / map / join (3-4x faster on stdlib files; exact dedup hashes every selected sample).
  if (text.indexOf('\r') < 0 && !TRAILING_SPACE.test(text)) {
    let a = 0;
    let b = text.length;
    while (a < b && text.charCodeAt(a) === 10) a++;
    while (b > a && text.charCodeAt(b - 1) === 10) b--;
    return a === 0 && b === text.length ? text : text.slice(a, b);
  }
  return normalizeSlow(text);
}

/** The definition: CRLF / CR to LF, trailing blanks of each line dropped, leading and trailing newlines dropped. */
export function normalizeSlow(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((line) => line.replace(/[ \t\f\v]+$/u, ''))
    .join('\n')
    .replace(/^\n+|\n+$/g, '');
}

export function contentHash(text: string): string {
  return createHash('sha256').update(normalizeText(text), 'utf8').digest('hex');
}

/** Keeps the best-ranked sample of each group with the same normalized content. */
export function exactDedup(items: readonly RankedCandidate[], hooks: StepHooks = {}): DedupResult {
  const ranked = sortByRank([...items]);
  const firstByHash = new Map<string, number>();
  const removedBy = new Int32Array(ranked.length).fill(-1);
  for (let i = 0; i < ranked.length; i++) {
    if ((i & 4095) === 0) {
      throwIfAborted(hooks.signal);
      hooks.onProgress?.(i, ranked.length);
    }
    const h = contentHash(ranked[i].candidate.text);
    const first = firstByHash.get(h);
    if (first === undefined) firstByHash.set(h, i);
    else removedBy[i] = first;
  }
  return collectClusters(ranked, removedBy, new Float64Array(ranked.length).fill(1), 'exact');
}

/** Turns "removed by position k" into the kept list and per-keeper clusters, all in rank order. */
export function collectClusters(
  ranked: readonly RankedCandidate[],
  removedBy: Int32Array,
  similarity: Float64Array,
  method: DedupMethod,
): DedupResult {
  const kept: RankedCandidate[] = [];
  const byKeeper = new Map<number, RemovedCluster>();
  for (let i = 0; i < ranked.length; i++) {
    const k = removedBy[i];
    if (k < 0) {
      kept.push(ranked[i]);
      continue;
    }
    let cluster = byKeeper.get(k);
    if (!cluster) {
      cluster = { keptId: ranked[k].candidate.id, removedIds: [], maxSimilarity: -Infinity, method };
      byKeeper.set(k, cluster);
    }
    cluster.removedIds.push(ranked[i].candidate.id);
    cluster.maxSimilarity = Math.max(cluster.maxSimilarity, similarity[i]);
  }
  const clusters = [...byKeeper.entries()].sort((a, b) => a[0] - b[0]).map(([, c]) => c);
  return { kept, clusters };
}

/**
 * Greedy leader clustering in rank order: each surviving sample removes every later-ranked,
 * not-yet-removed sample the proposer offers whose exact similarity is >= threshold.
 *
 * NOTE: removal is not transitive (A~B and B~C with A!~C removes B only), and a sample is only
 * removed by a survivor, so the outcome is a function of the ranking and of the similarity
 * alone: no input order, no bucket iteration order and no hash-table layout can change it.
 */
export function greedyLeaders(
  n: number,
  eligible: Uint8Array,
  /** `removedBy[j] >= 0`: j is removed already (a proposer may skip it before any work). */
  forEachCandidate: (i: number, visit: (j: number) => void, removedBy: Int32Array) => void,
  similarity: (i: number, j: number) => number,
  threshold: number,
  hooks: StepHooks = {},
): { removedBy: Int32Array; similarity: Float64Array; comparisons: number } {
  const g = new GreedyPass(n, eligible, forEachCandidate, similarity, threshold);
  g.run(n, hooks);
  hooks.onProgress?.(n, n);
  return g;
}

/**
 * `greedyLeaders` in steps: `run(to)` decides items up to `to`. Item i's fate is final once the
 * pass is past it (only earlier survivors remove), so a caller can hand the survivors of each
 * step to the next stage while the pass goes on.
 */
export class GreedyPass {
  readonly removedBy: Int32Array;
  readonly similarity: Float64Array;
  comparisons = 0;
  next = 0;

  constructor(
    readonly n: number,
    private readonly eligible: Uint8Array,
    private readonly forEachCandidate: (i: number, visit: (j: number) => void, removedBy: Int32Array) => void,
    private readonly sim: (i: number, j: number) => number,
    private readonly threshold: number,
  ) {
    this.removedBy = new Int32Array(n).fill(-1);
    this.similarity = new Float64Array(n);
  }

  run(to: number, hooks: StepHooks = {}) {
    const { removedBy, eligible, threshold } = this;
    for (; this.next < to; this.next++) {
      const i = this.next;
      if ((i & 1023) === 0) {
        throwIfAborted(hooks.signal);
        hooks.onProgress?.(i, this.n);
      }
      if (!eligible[i] || removedBy[i] >= 0) continue;
      this.forEachCandidate(
        i,
        (j) => {
          if (j <= i || !eligible[j] || removedBy[j] >= 0) return;
          this.comparisons++;
          const s = this.sim(i, j);
          if (s >= threshold) {
            removedBy[j] = i;
            this.similarity[j] = s;
          }
        },
        removedBy,
      );
    }
  }
}

/**
 * `greedyLeaders` with every later pair as a candidate, written out as plain loops (no callback
 * per pair at n^2/2 pairs). Same summation order as `dotRows`, so the same pair gets the same
 * cosine, and the same decision, in either mode.
 */
function exhaustiveLeaders(
  data: Float32Array,
  dim: number,
  n: number,
  valid: Uint8Array,
  threshold: number,
  hooks: StepHooks,
) {
  const removedBy = new Int32Array(n).fill(-1);
  const sims = new Float64Array(n);
  let comparisons = 0;
  for (let i = 0; i < n; i++) {
    if ((i & 255) === 0) {
      throwIfAborted(hooks.signal);
      hooks.onProgress?.(i, n);
    }
    if (!valid[i] || removedBy[i] >= 0) continue;
    const a = i * dim;
    for (let j = i + 1; j < n; j++) {
      if (!valid[j] || removedBy[j] >= 0) continue;
      comparisons++;
      const b = j * dim;
      let s0 = 0;
      let s1 = 0;
      let k = 0;
      for (; k + 1 < dim; k += 2) {
        s0 += data[a + k] * data[b + k];
        s1 += data[a + k + 1] * data[b + k + 1];
      }
      if (k < dim) s0 += data[a + k] * data[b + k];
      const s = s0 + s1;
      if (s >= threshold) {
        removedBy[j] = i;
        sims[j] = s;
      }
    }
  }
  hooks.onProgress?.(n, n);
  return { removedBy, similarity: sims, comparisons };
}

export interface NearDupOptions extends StepHooks {
  /** Cosine at or above which two samples are near-duplicates. */
  threshold: number;
  /** 'auto' = exhaustive below `exhaustiveBelow` samples (perfect recall), LSH proposals above. */
  candidates?: 'auto' | 'exhaustive' | 'lsh';
  exhaustiveBelow?: number;
  lsh?: LshOptions;
}

export interface NearDupResult extends DedupResult {
  mode: 'exhaustive' | 'lsh';
  /** Samples without a usable embedding; they pass this step untouched. */
  withoutEmbedding: number;
  /** Exact cosines computed (a cost measure for reports and benchmarks). */
  comparisons: number;
  /** The LSH layout used; null in exhaustive mode. */
  lsh: LshPlan | null;
}

/** Near-duplicate removal by embedding cosine, keeping the best-ranked member of each cluster. */
export function nearDedupEmbeddings(items: readonly RankedCandidate[], opts: NearDupOptions): NearDupResult {
  const p = prepareNearDup(items, opts);
  const g = p.exhaustive
    ? p.exhaustive()
    : greedyLeaders(p.ranked.length, p.valid, p.forEach!, p.sim, opts.threshold, opts);
  return p.finish(g);
}

export function nearDupMode(n: number, opts: NearDupOptions): 'exhaustive' | 'lsh' {
  return opts.candidates === 'exhaustive' || opts.candidates === 'lsh'
    ? opts.candidates
    : n < (opts.exhaustiveBelow ?? 5000)
      ? 'exhaustive'
      : 'lsh';
}

export function lshPlanOf(vecs: UnitVectors, opts: NearDupOptions): LshPlan {
  const planned = planLsh(vecs, opts.threshold, opts.lsh);
  return { ...planned, bits: opts.lsh?.bits ?? planned.bits, tables: opts.lsh?.tables ?? planned.tables };
}

export function prepareNearDup(
  items: readonly RankedCandidate[],
  opts: NearDupOptions,
  /** `proposedElsewhere`: the caller proposes LSH candidates itself (no tables are built here). */
  pre?: { ranked: RankedCandidate[]; vecs: UnitVectors; plan?: LshPlan; proposedElsewhere?: boolean },
) {
  const ranked = pre?.ranked ?? sortByRank([...items]);
  const n = ranked.length;
  const vecs = pre?.vecs ?? packUnitVectors(ranked.map((r) => r.candidate.embedding));
  let withoutEmbedding = 0;
  for (let i = 0; i < n; i++) if (!vecs.valid[i]) withoutEmbedding++;
  const mode = nearDupMode(n, opts);
  const { data, dim } = vecs;
  const sim = (i: number, j: number) => dotRows(data, dim, i, j);
  let plan: LshPlan | null = null;
  let forEach: ((i: number, visit: (j: number) => void, removed: Int32Array) => void) | null = null;
  if (mode === 'lsh') plan = pre?.plan ?? lshPlanOf(vecs, opts);
  if (plan && !pre?.proposedElsewhere) {
    const index = new CosineLsh(vecs, { ...opts.lsh, bits: plan.bits, tables: plan.tables, threshold: opts.threshold });
    forEach = (i, visit, removed) => index.forEachLaterCandidate(i, visit, removed);
  }
  return {
    ranked,
    vecs,
    plan,
    valid: vecs.valid,
    sim,
    forEach,
    exhaustive:
      mode === 'exhaustive' ? () => exhaustiveLeaders(vecs.data, dim, n, vecs.valid, opts.threshold, opts) : null,
    finish: (g: { removedBy: Int32Array; similarity: Float64Array; comparisons: number }): NearDupResult => {
      const result = collectClusters(ranked, g.removedBy, g.similarity, 'embedding');
      return { ...result, mode, withoutEmbedding, comparisons: g.comparisons, lsh: plan };
    },
  };
}
