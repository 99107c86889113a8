import type { Parser } from 'web-tree-sitter';
import type { BenchmarkItem } from './benchmarks.js';
import { forEachNgram, GramFilter } from './hashing.js';
import { SkeletonFilter } from './skeleton-filter.js';
import { skeletonOfToken } from './syntax-skeleton.js';
import { syntaxUnits, type SyntaxUnit } from './syntax-tokens.js';

/**
 * The `ast` contamination match: n-grams of syntax-normalized tokens (see syntax-tokens.ts).
 * A sample's function matches a benchmark function when it contains at least `threshold` of the
 * benchmark function's distinctive normalized n-grams. Calibrated on the standard library
 * (tests/bench/decontaminate-bench.ts): n = 10, containment 0.6, at least 20 distinctive grams.
 */
export interface SyntaxMatchOptions {
  n: number;
  /** Fraction of a benchmark function's distinctive grams a sample function must contain. */
  threshold: number;
  /** Benchmark functions with fewer distinctive grams than this are left to the other methods. */
  minGrams: number;
  /** A gram in more benchmark functions than this is boilerplate; it counts for none. */
  maxDf: number;
  /**
   * Skip the parse of texts that cannot match by their lexed skeleton (syntax-skeleton.ts).
   * Default on; off only to compare against (the results are the same).
   */
  skeletonFilter?: boolean;
}

export const SYNTAX_MATCH_DEFAULTS: SyntaxMatchOptions = { n: 10, threshold: 0.6, minGrams: 20, maxDf: 8 };

export interface SyntaxMatch {
  item: number;
  /** Fraction of the item's distinctive grams found in the sample function. */
  similarity: number;
  /** Character range of the shared span in the sample text. */
  sampleSpan: [number, number];
  /** Character range of the shared span in the item's code. */
  itemSpan: [number, number];
}

interface Entry {
  item: number;
  unit: SyntaxUnit;
  /** Distinctive gram -> first token offset in the unit. */
  grams: Map<number, number>;
}

function gramsOf(unit: SyntaxUnit, n: number): Map<number, number> {
  const out = new Map<number, number>();
  forEachNgram(unit.tokens, n, (start, key) => {
    if (!out.has(key)) out.set(key, start);
  });
  return out;
}

export class SyntaxIndex {
  private readonly entries: Entry[] = [];
  private readonly postings = new Map<number, number[]>();
  /** Items none of whose functions has enough distinctive grams (the ast match cannot see them). */
  readonly tooShort: number;

  constructor(
    private readonly parser: Parser,
    items: readonly BenchmarkItem[],
    readonly opts: SyntaxMatchOptions = SYNTAX_MATCH_DEFAULTS,
  ) {
    const all: Entry[] = [];
    items.forEach((it, item) => {
      if (!it.code.trim()) return;
      for (const unit of syntaxUnits(parser, it.code)) all.push({ item, unit, grams: gramsOf(unit, opts.n) });
    });
    const df = new Map<number, number>();
    for (const e of all) for (const g of e.grams.keys()) df.set(g, (df.get(g) ?? 0) + 1);
    const seen = new Set<number>();
    for (const e of all) {
      for (const g of [...e.grams.keys()]) if (df.get(g)! > opts.maxDf) e.grams.delete(g);
      if (e.grams.size < opts.minGrams) continue;
      const id = this.entries.length;
      this.entries.push(e);
      seen.add(e.item);
      for (const g of e.grams.keys()) {
        const list = this.postings.get(g);
        if (list) list.push(id);
        else this.postings.set(g, [id]);
      }
    }
    this.tooShort = items.filter((it, i) => !seen.has(i) && it.code.trim()).length;
    this.filter = new GramFilter(this.postings.keys(), this.postings.size);
    this.skeleton =
      opts.skeletonFilter === false
        ? null
        : new SkeletonFilter(
            this.entries.map((e) =>
              [...e.grams.values()].map((start) => {
                const out: number[] = [];
                for (let k = start; k < start + opts.n; k++) skeletonOfToken(e.unit.tokens[k], out);
                return out;
              }),
            ),
            opts.threshold,
          );
  }

  private readonly filter: GramFilter;
  /** The parse-free pre-filter; null when turned off. */
  readonly skeleton: SkeletonFilter | null;

  get size(): number {
    return this.entries.length;
  }

  /** Benchmark items whose function a function of `text` re-states; best similarity per item. */
  match(text: string): SyntaxMatch[] {
    if (!this.entries.length) return [];
    if (this.skeleton && !this.skeleton.mayMatch(text)) return [];
    const best = new Map<number, SyntaxMatch>();
    const { n, threshold } = this.opts;
    for (const unit of syntaxUnits(this.parser, text)) {
      if (unit.tokens.length < n) continue;
      // NOTE: few of a sample's grams are benchmark grams, so only those are remembered (each
      // distinct one counted once); the map of every gram is built only for a unit that matches.
      const counts = new Map<number, number>();
      const shared = new Set<number>();
      forEachNgram(
        unit.tokens,
        n,
        (_start, g) => {
          const list = this.postings.get(g);
          if (!list || shared.has(g)) return;
          shared.add(g);
          for (const e of list) counts.set(e, (counts.get(e) ?? 0) + 1);
        },
        this.filter,
      );
      let grams: Map<number, number> | null = null;
      for (const [id, c] of counts) {
        const e = this.entries[id];
        const sim = c / e.grams.size;
        if (sim < threshold) continue;
        const prev = best.get(e.item);
        if (prev && prev.similarity >= sim) continue;
        grams ??= gramsOf(unit, n);
        best.set(e.item, { item: e.item, similarity: sim, ...spans(unit, grams, e, n) });
      }
    }
    return [...best.values()].sort((a, b) => a.item - b.item);
  }
}

/** The shared span on each side: from the first to the last token of grams both contain. */
function spans(
  unit: SyntaxUnit,
  grams: Map<number, number>,
  e: Entry,
  n: number,
): Pick<SyntaxMatch, 'sampleSpan' | 'itemSpan'> {
  let sLo = Infinity;
  let sHi = -1;
  let iLo = Infinity;
  let iHi = -1;
  for (const [g, at] of e.grams) {
    const s = grams.get(g);
    if (s === undefined) continue;
    sLo = Math.min(sLo, s);
    sHi = Math.max(sHi, s + n - 1);
    iLo = Math.min(iLo, at);
    iHi = Math.max(iHi, at + n - 1);
  }
  return {
    sampleSpan: [unit.starts[sLo], unit.ends[sHi]],
    itemSpan: [e.unit.starts[iLo], e.unit.ends[iHi]],
  };
}
