import { createHash } from 'node:crypto';
import type { CpuPool } from '../workers/cpu-pool.js';
import type { BenchmarkItem } from './benchmarks.js';
import { ItemVectors, type ContaminationInput } from './embedding-match.js';
import type { StepHooks } from './dedup.js';
import type { ContaminationMethod } from '../../../shared/annotations.js';
import { forEachNgram, GramFilter, throwIfAborted } from './hashing.js';

export { EXHAUSTIVE_ITEMS, type ContaminationInput } from './embedding-match.js';
import { SyntaxIndex, type SyntaxMatchOptions } from './syntax-match.js';
import { getPythonParser } from './syntax-tokens.js';
import { sortByRank, type RankedCandidate } from './select.js';

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
    this.filter = new GramFilter(this.postings.keys(), this.postings.size);
  }

  private readonly filter: GramFilter;

  get size(): number {
    return this.postings.size;
  }

  /** Items sharing at least one n-gram with `text`, each with the first shared n-gram as evidence. */
  match(text: string): Map<number, string> {
    const found = new Map<number, string>();
    if (this.postings.size === 0) return found;
    const toks = codeTokens(text);
    const n = this.n;
    forEachNgram(
      toks,
      n,
      (start, key) => {
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
      },
      this.filter,
    );
    return found;
  }
}

export interface ContaminationMatch {
  /** The benchmark's name (file stem or `name=`). */
  benchmark: string;
  file: string;
  itemId: string;
  method: ContaminationMethod;
  /** Cosine for 'embedding', share of the item's normalized n-grams for 'ast'; null for 'ngram'. */
  similarity: number | null;
  /** The shared text: the first shared n-gram for 'ngram', the sample's shared span for 'ast'. */
  evidence: string | null;
  /** Character range of the shared span in the sample; null for 'embedding' (no span). */
  sampleSpan: [number, number] | null;
  /** Character range of the shared span in the item's code; null when not located there. */
  itemSpan: [number, number] | null;
}

export interface ContaminatedSample {
  sampleId: string;
  matches: ContaminationMatch[];
}

export interface DecontaminateOptions extends StepHooks {
  ngram: number;
  /** Cosine threshold against benchmark item embeddings; null = no embedding match. */
  cosine: number | null;
  /** Syntax-normalized match (see syntax-match.ts); null = off. */
  ast?: SyntaxMatchOptions | null;
  /** The embedder of the samples' `embedding` vectors (mixing embedders makes cosine meaningless). */
  embedText?: (texts: string[]) => Promise<Float32Array[]>;
  batchSize?: number;
  /** The n-gram and syntax matches of these texts, in order (a worker pool's; see `textMatches`). */
  textMatchesOf?: (texts: string[]) => Promise<ContaminationMatch[][]>;
}

export interface DecontaminateResult {
  /** Survivors in rank order. */
  kept: RankedCandidate[];
  /** Dropped samples in rank order, each with every benchmark item it matched. */
  dropped: ContaminatedSample[];
  /** Benchmark items too short for any n-gram. */
  itemsTooShort: number;
  /** Samples kept only because a reviewer overruled their match (store exports). */
  overruled?: ContaminatedSample[];
}

/** Where `tokens` (codeTokens of some text) sit in `text`: the first place, as a char range. */
function locateTokens(text: string, tokens: string): [number, number] | null {
  const re = new RegExp(
    tokens
      .split(' ')
      .map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('\\s*'),
    'iu',
  );
  const m = re.exec(text);
  return m ? [m.index, m.index + m[0].length] : null;
}

/**
 * Every benchmark match of a sample, by n-grams, syntax-normalized n-grams and embeddings.
 * Built once per benchmark set; `match` is called per batch of samples.
 */
export class ContaminationMatcher {
  private constructor(
    private readonly benchmarks: readonly BenchmarkItem[],
    private readonly opts: DecontaminateOptions,
    private readonly ngrams: NgramIndex,
    private readonly syntax: SyntaxIndex | null,
    private readonly vectors: ItemVectors | null,
  ) {}

  static async create(benchmarks: readonly BenchmarkItem[], opts: DecontaminateOptions): Promise<ContaminationMatcher> {
    return new ContaminationMatcher(
      benchmarks,
      opts,
      new NgramIndex(benchmarks, opts.ngram),
      // NOTE: with `textMatchesOf` the worker threads hold the syntax index; this one only embeds.
      opts.ast && benchmarks.length && !opts.textMatchesOf
        ? new SyntaxIndex(await getPythonParser(), benchmarks, opts.ast)
        : null,
      opts.cosine === null || !benchmarks.length
        ? null
        : await ItemVectors.create(benchmarks, { ...opts, cosine: opts.cosine }),
    );
  }

  /** Items with no segment long enough for an n-gram. */
  get itemsTooShort(): number {
    return this.ngrams.tooShort;
  }
  /** Items too short for the syntax match. */
  get astTooShort(): number {
    return this.syntax?.tooShort ?? 0;
  }

  /**
   * The n-gram and syntax matches of one text, n-gram first (ordered by item), then syntax
   * matches of items the n-grams did not find: a pure function of the text, so worker threads
   * compute it for batches (cpu-tasks.ts) and the result is the same for any worker count.
   */
  textMatches(text: string): ContaminationMatch[] {
    const { benchmarks } = this;
    const matches: ContaminationMatch[] = [];
    const grams = [...this.ngrams.match(text).entries()].sort((a, b) => a[0] - b[0]);
    for (const [item, evidence] of grams) {
      matches.push({
        ...baseOf(benchmarks[item]),
        method: 'ngram',
        similarity: null,
        evidence,
        sampleSpan: locateTokens(text, evidence),
        itemSpan: locateTokens(benchmarks[item].code, evidence),
      });
    }
    if (this.syntax) {
      const seen = new Set(grams.map(([i]) => i));
      for (const m of this.syntax.match(text)) {
        if (seen.has(m.item)) continue;
        seen.add(m.item);
        matches.push({
          ...baseOf(benchmarks[m.item]),
          method: 'ast',
          similarity: m.similarity,
          evidence: text.slice(m.sampleSpan[0], m.sampleSpan[1]).slice(0, 4000),
          sampleSpan: m.sampleSpan,
          itemSpan: m.itemSpan,
        });
      }
    }
    return matches;
  }

  /**
   * Matches per sample position (only positions with at least one). With `opts.textMatchesOf`
   * the text matches of a batch come from there (worker threads), else they are computed here.
   */
  async match(
    samples: readonly ContaminationInput[],
    onProgress?: (done: number, total: number) => void,
  ): Promise<Map<number, ContaminationMatch[]>> {
    const out = new Map<number, ContaminationMatch[]>();
    if (!this.benchmarks.length) return out;
    const { benchmarks, opts } = this;
    const byEmbedding = this.vectors
      ? await this.vectors.match(samples, opts.signal)
      : new Map<number, { item: number; sim: number }[]>();
    const pooled = opts.textMatchesOf ? await opts.textMatchesOf(samples.map((x) => x.text)) : null;
    for (let s = 0; s < samples.length; s++) {
      if ((s & 255) === 0) {
        throwIfAborted(opts.signal);
        onProgress?.(s, samples.length);
      }
      const matches = pooled ? pooled[s] : this.textMatches(samples[s].text);
      const seen = new Set(matches.map((m) => `${m.benchmark}\u0000${m.file}\u0000${m.itemId}`));
      for (const { item, sim } of byEmbedding.get(s) ?? []) {
        const it = benchmarks[item];
        if (seen.has(`${it.benchmark}\u0000${it.file}\u0000${it.itemId}`)) continue;
        matches.push({
          ...baseOf(benchmarks[item]),
          method: 'embedding',
          similarity: sim,
          evidence: null,
          sampleSpan: null,
          itemSpan: null,
        });
      }
      if (matches.length) out.set(s, matches);
    }
    onProgress?.(samples.length, samples.length);
    return out;
  }
}

const baseOf = (it: BenchmarkItem) => ({ benchmark: it.benchmark, file: it.file, itemId: it.itemId });

/**
 * `textMatchesOf` on a worker pool: texts go out in slices (a few per thread), each thread builds
 * the matcher once for these items and settings, and the slices come back in order. Null for an
 * inline pool (one worker), where the matcher itself is faster.
 */
export function pooledTextMatches(
  pool: Pick<CpuPool, 'workers' | 'contamination'> | null | undefined,
  items: readonly BenchmarkItem[],
  o: { ngram: number; ast: SyntaxMatchOptions | null },
): ((texts: string[]) => Promise<ContaminationMatch[][]>) | undefined {
  if (!pool || pool.workers <= 1 || !items.length) return undefined;
  const h = createHash('sha256').update(JSON.stringify({ ngram: o.ngram, ast: o.ast }));
  for (const it of items) h.update(`\u0000${it.benchmark}\u0000${it.file}\u0000${it.itemId}\u0000${it.text}`);
  const key = h.digest('hex');
  const list = [...items];
  return async (texts) => {
    const size = Math.max(32, Math.min(1000, Math.ceil(texts.length / (pool.workers * 2))));
    const parts: Promise<ContaminationMatch[][]>[] = [];
    for (let i = 0; i < texts.length; i += size)
      parts.push(pool.contamination({ key, items: list, ngram: o.ngram, ast: o.ast, texts: texts.slice(i, i + size) }));
    return (await Promise.all(parts)).flat();
  };
}

/** Drops samples that match any benchmark item by any enabled method. */
export async function decontaminate(
  items: readonly RankedCandidate[],
  benchmarks: readonly BenchmarkItem[],
  opts: DecontaminateOptions,
): Promise<DecontaminateResult> {
  const ranked = sortByRank([...items]);
  if (benchmarks.length === 0) return { kept: ranked, dropped: [], itemsTooShort: 0 };
  const matcher = await ContaminationMatcher.create(benchmarks, opts);
  const found = await matcher.match(
    ranked.map((r) => r.candidate),
    opts.onProgress,
  );
  const kept: RankedCandidate[] = [];
  const dropped: ContaminatedSample[] = [];
  ranked.forEach((r, s) => {
    const m = found.get(s);
    if (m) dropped.push({ sampleId: r.candidate.id, matches: m });
    else kept.push(r);
  });
  return { kept, dropped, itemsTooShort: matcher.itemsTooShort };
}
