import { CodedError } from '../../../shared/errors.js';
import type { BenchmarkItem } from './benchmarks.js';
import { CosineLsh, planLsh } from './cosine-lsh.js';
import type { StepHooks } from './dedup.js';
import { fmix32, fnv1a32, pack53, throwIfAborted } from './hashing.js';
import { sortByRank, type RankedCandidate } from './select.js';
import { dotAcross, packUnitVectors } from './unit-vectors.js';

/**
 * Whitespace-insensitive, case-folded code tokens: identifiers, numbers, punctuation marks.
 * NOTE: a run of one punctuation character ('=====', '----') is one token; otherwise every banner
 * line of 13+ '=' would be a "shared 13-gram" with any benchmark item that prints one.
 * Comments and docstrings are kept on purpose: HumanEval prompts are mostly docstring, and a
 * copied docstring is exactly the leak to catch.
 */
export function codeTokens(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}_][\p{L}\p{N}_]*|\p{N}+|([^\s\p{L}\p{N}_])\1*/gu) ?? [];
}

const BASE_A = 0x01000193;
const BASE_B = 0x5bd1e995;

function powMod32(base: number, exp: number): number {
  let r = 1;
  for (let i = 0; i < exp; i++) r = Math.imul(r, base);
  return r;
}

/** Calls `visit(start, key)` for every n-gram of `tokens` with a rolling (Rabin-Karp) hash. */
function forEachNgram(tokens: readonly string[], n: number, visit: (start: number, key: number) => void): void {
  if (tokens.length < n) return;
  const ta = tokens.map((t) => fnv1a32(t));
  const tb = tokens.map((t) => fnv1a32(t, 0x2166136b));
  const powA = powMod32(BASE_A, n - 1);
  const powB = powMod32(BASE_B, n - 1);
  let ha = 0;
  let hb = 0;
  for (let k = 0; k < n; k++) {
    ha = (Math.imul(ha, BASE_A) + ta[k]) | 0;
    hb = (Math.imul(hb, BASE_B) + tb[k]) | 0;
  }
  for (let s = 0; ; s++) {
    visit(s, pack53(fmix32(ha), fmix32(hb)));
    if (s + n >= tokens.length) break;
    ha = (Math.imul((ha - Math.imul(ta[s], powA)) | 0, BASE_A) + ta[s + n]) | 0;
    hb = (Math.imul((hb - Math.imul(tb[s], powB)) | 0, BASE_B) + tb[s + n]) | 0;
  }
}

/** Every token n-gram of every benchmark item; hash hits are verified token by token. */
export class NgramIndex {
  private readonly tokens: string[][][];
  /** key -> flat [item, segment, offset, item, segment, offset, ...] */
  private readonly postings = new Map<number, number[]>();
  /** Items with no segment of at least n tokens; n-gram matching cannot see them. */
  readonly tooShort: number;

  constructor(
    private readonly items: readonly BenchmarkItem[],
    readonly n: number,
  ) {
    this.tokens = items.map((it) => it.segments.map(codeTokens));
    let short = 0;
    this.tokens.forEach((segs, item) => {
      if (segs.every((s) => s.length < n)) short++;
      segs.forEach((toks, seg) => {
        forEachNgram(toks, n, (off, key) => {
          const list = this.postings.get(key);
          if (list) list.push(item, seg, off);
          else this.postings.set(key, [item, seg, off]);
        });
      });
    });
    this.tooShort = short;
  }

  get size(): number {
    return this.postings.size;
  }

  /** Items sharing at least one n-gram with `text`, each with the first shared n-gram as evidence. */
  match(text: string): Map<number, string> {
    const found = new Map<number, string>();
    if (this.postings.size === 0) return found;
    const toks = codeTokens(text);
    const n = this.n;
    forEachNgram(toks, n, (start, key) => {
      const list = this.postings.get(key);
      if (!list) return;
      for (let p = 0; p < list.length; p += 3) {
        const item = list[p];
        if (found.has(item)) continue;
        const ref = this.tokens[item][list[p + 1]];
        const off = list[p + 2];
        let same = true;
        for (let k = 0; k < n && same; k++) same = ref[off + k] === toks[start + k];
        if (same) found.set(item, toks.slice(start, start + n).join(' '));
      }
    });
    return found;
  }
}

export interface ContaminationMatch {
  file: string;
  itemId: string;
  method: 'ngram' | 'embedding';
  /** Cosine for 'embedding'; null for 'ngram'. */
  similarity: number | null;
  /** The first shared n-gram (space-joined tokens) for 'ngram'; null for 'embedding'. */
  evidence: string | null;
}

export interface ContaminatedSample {
  sampleId: string;
  matches: ContaminationMatch[];
}

export interface DecontaminateOptions extends StepHooks {
  ngram: number;
  /** Cosine threshold against benchmark item embeddings; null = n-grams only. */
  cosine: number | null;
  /** The embedder of the samples' `embedding` vectors (mixing embedders makes cosine meaningless). */
  embedText?: (texts: string[]) => Promise<Float32Array[]>;
  batchSize?: number;
}

export interface DecontaminateResult {
  /** Survivors in rank order. */
  kept: RankedCandidate[];
  /** Dropped samples in rank order, each with every benchmark item it matched. */
  dropped: ContaminatedSample[];
  /** Benchmark items too short for any n-gram. */
  itemsTooShort: number;
}

async function embedAll(
  texts: string[],
  embed: (t: string[]) => Promise<Float32Array[]>,
  batch: number,
  signal?: AbortSignal,
): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  for (let i = 0; i < texts.length; i += batch) {
    throwIfAborted(signal);
    const part = texts.slice(i, i + batch);
    const vecs = await embed(part);
    if (vecs.length !== part.length)
      throw new Error(`embedder returned ${vecs.length} vectors for ${part.length} texts`);
    out.push(...vecs);
  }
  return out;
}

/** Embedding matches: for each sample position, the (item, cosine) pairs at or above the threshold. */
async function embeddingMatches(
  ranked: readonly RankedCandidate[],
  items: readonly BenchmarkItem[],
  opts: DecontaminateOptions & { cosine: number },
): Promise<Map<number, { item: number; sim: number }[]>> {
  if (!opts.embedText)
    throw new CodedError('invalid_input', 'decontaminate.cosine is set but no embedder (embedText) was provided');
  const batch = opts.batchSize ?? 64;
  const itemVecs = await embedAll(
    items.map((it) => it.text),
    opts.embedText,
    batch,
    opts.signal,
  );
  const iv = packUnitVectors(itemVecs);
  const missing = ranked.map((r, i) => (r.candidate.embedding ? -1 : i)).filter((i) => i >= 0);
  const filled = await embedAll(
    missing.map((i) => ranked[i].candidate.text),
    opts.embedText,
    batch,
    opts.signal,
  );
  const sampleVecs = ranked.map((r) => r.candidate.embedding);
  missing.forEach((pos, k) => (sampleVecs[pos] = filled[k]));
  const wrong = sampleVecs.find((v) => v !== null && v.length !== iv.dim);
  if (wrong) {
    throw new Error(
      `benchmark embeddings have ${iv.dim} dimensions but sample embeddings have ${wrong.length}: embedText must be the samples' embedder`,
    );
  }
  const sv = packUnitVectors(sampleVecs, iv.dim);
  const out = new Map<number, { item: number; sim: number }[]>();
  const note = (s: number, j: number) => {
    const sim = dotAcross(sv.data, s, iv.data, j, iv.dim);
    if (sim < opts.cosine) return;
    const list = out.get(s) ?? [];
    list.push({ item: j, sim });
    out.set(s, list);
  };
  // Exhaustive while it is cheap; otherwise LSH over the items proposes, exact cosine decides.
  const exhaustive = ranked.length * items.length <= 10_000_000;
  const index = exhaustive ? null : new CosineLsh(iv, { ...planLsh(iv, opts.cosine), threshold: opts.cosine });
  for (let s = 0; s < ranked.length; s++) {
    if ((s & 1023) === 0) throwIfAborted(opts.signal);
    if (!sv.valid[s]) continue;
    if (index) index.forEachCandidateOfVector(sv.data, s, (j) => note(s, j));
    else for (let j = 0; j < items.length; j++) if (iv.valid[j]) note(s, j);
  }
  for (const list of out.values()) list.sort((a, b) => a.item - b.item);
  return out;
}

/** Drops samples sharing any token n-gram (or, optionally, a close embedding) with any benchmark item. */
export async function decontaminate(
  items: readonly RankedCandidate[],
  benchmarks: readonly BenchmarkItem[],
  opts: DecontaminateOptions,
): Promise<DecontaminateResult> {
  const ranked = sortByRank([...items]);
  if (benchmarks.length === 0) return { kept: ranked, dropped: [], itemsTooShort: 0 };
  const index = new NgramIndex(benchmarks, opts.ngram);
  const byEmbedding =
    opts.cosine === null ? new Map() : await embeddingMatches(ranked, benchmarks, { ...opts, cosine: opts.cosine });
  const kept: RankedCandidate[] = [];
  const dropped: ContaminatedSample[] = [];
  for (let s = 0; s < ranked.length; s++) {
    if ((s & 1023) === 0) {
      throwIfAborted(opts.signal);
      opts.onProgress?.(s, ranked.length);
    }
    const matches: ContaminationMatch[] = [];
    const grams = [...index.match(ranked[s].candidate.text).entries()].sort((a, b) => a[0] - b[0]);
    for (const [item, evidence] of grams) {
      const b = benchmarks[item];
      matches.push({ file: b.file, itemId: b.itemId, method: 'ngram', similarity: null, evidence });
    }
    for (const { item, sim } of byEmbedding.get(s) ?? []) {
      const b = benchmarks[item];
      matches.push({ file: b.file, itemId: b.itemId, method: 'embedding', similarity: sim, evidence: null });
    }
    if (matches.length > 0) dropped.push({ sampleId: ranked[s].candidate.id, matches });
    else kept.push(ranked[s]);
  }
  opts.onProgress?.(ranked.length, ranked.length);
  return { kept, dropped, itemsTooShort: index.tooShort };
}
