import type { RowColumn } from './row-snapshot.js';

/**
 * The latest label of each LLM source (`templateId@model`) per sample-index row, as columns: the
 * score (NaN when none was given) and keep (1 / 0, -1 for no label), the same encoding as the
 * index's llm columns, so making a source "the" llm_score is a copy. A Map of 3x10^5 objects per
 * source cost most of an open; columns are also what the labels snapshot persists.
 */
export class LlmSource {
  score: Float32Array = new Float32Array(1024).fill(NaN);
  keep: Int8Array = new Int8Array(1024).fill(-1);
  /** Rows with a label. */
  count = 0;
  /** createdAt of the newest label applied. */
  lastUsed = '';

  private grow(min: number) {
    if (min <= this.keep.length) return;
    let cap = Math.max(1024, this.keep.length);
    while (cap < min) cap *= 2;
    const score = new Float32Array(cap).fill(NaN);
    score.set(this.score);
    const keep = new Int8Array(cap).fill(-1);
    keep.set(this.keep);
    this.score = score;
    this.keep = keep;
  }

  set(row: number, score: number | null, keep: boolean, at: string) {
    this.grow(row + 1);
    if (this.keep[row] === -1) this.count++;
    this.score[row] = score ?? NaN;
    this.keep[row] = keep ? 1 : 0;
    if (at > this.lastUsed) this.lastUsed = at;
  }
}

export class LlmLabels {
  readonly sources = new Map<string, LlmSource>();

  set(source: string, row: number, score: number | null, keep: boolean, at: string) {
    let s = this.sources.get(source);
    if (!s) this.sources.set(source, (s = new LlmSource()));
    s.set(row, score, keep, at);
  }

  /** The first n rows of every source, for a snapshot (row-snapshot.ts), and what names them. */
  snapshot(n: number): { columns: Record<string, RowColumn>; sources: { name: string; lastUsed: string }[] } {
    const columns: Record<string, RowColumn> = {};
    const sources: { name: string; lastUsed: string }[] = [];
    [...this.sources].forEach(([name, s], k) => {
      const score = new Float32Array(n).fill(NaN);
      score.set(s.score.subarray(0, Math.min(n, s.score.length)));
      const keep = new Int8Array(n).fill(-1);
      keep.set(s.keep.subarray(0, Math.min(n, s.keep.length)));
      columns[`score:${k}`] = score;
      columns[`keep:${k}`] = keep;
      sources.push({ name, lastUsed: s.lastUsed });
    });
    return { columns, sources };
  }

  /** Replaces everything with a snapshot's n rows; false (nothing changed) if it does not fit. */
  load(columns: Record<string, RowColumn>, sources: unknown, n: number): boolean {
    if (!Array.isArray(sources)) return false;
    const next = new Map<string, LlmSource>();
    for (let k = 0; k < sources.length; k++) {
      const meta = sources[k] as { name?: unknown; lastUsed?: unknown };
      const score = columns[`score:${k}`];
      const keep = columns[`keep:${k}`];
      if (typeof meta?.name !== 'string' || typeof meta.lastUsed !== 'string') return false;
      if (!(score instanceof Float32Array) || !(keep instanceof Int8Array)) return false;
      if (score.length !== n || keep.length !== n) return false;
      const s = new LlmSource();
      s.score = score;
      s.keep = keep;
      s.lastUsed = meta.lastUsed;
      let count = 0;
      for (let r = 0; r < n; r++) if (keep[r] !== -1) count++;
      s.count = count;
      next.set(meta.name, s);
    }
    this.sources.clear();
    for (const [name, s] of next) this.sources.set(name, s);
    return true;
  }
}
