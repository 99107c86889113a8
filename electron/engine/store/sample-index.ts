import type { SampleRow } from '../../../shared/domain.js';

/**
 * In-memory columnar index of every sample's current values (tokens, LLM / human / classifier
 * scores), so a page of 50 out of 10^6 can be filtered and sorted without touching LanceDB.
 *
 * NOTE: LanceDB 0.31's query API has filters and limits but no ORDER BY, so sorting by a score
 * has to happen here. Typed arrays keep it at ~20 bytes per sample plus the source/path strings;
 * sorted permutations are cached per sort key and dropped when a value in that column changes.
 */
export const SORT_FIELDS = ['id', 'source', 'tokens', 'llm_score', 'human_score', 'classifier_score', 'disagreement'] as const;
export type SortField = (typeof SORT_FIELDS)[number];

export interface HumanEntry { labelId: string; score: number | null; keep: boolean; retracted: boolean }

export class SampleIndex {
  ids: string[] = [];
  source: string[] = [];
  path: (string | null)[] = [];
  language: string[] = [];
  private rowOf = new Map<string, number>();
  tokens = new Int32Array(1024);
  tokensExact = new Uint8Array(1024);
  llm = new Float32Array(1024).fill(NaN);
  llmKeep = new Int8Array(1024).fill(-1);
  human = new Float32Array(1024).fill(NaN);
  humanKeep = new Int8Array(1024).fill(-1);
  cls = new Float32Array(1024).fill(NaN);
  /** Human label history per row (only rows that have one), oldest first. */
  humanHistory = new Map<number, HumanEntry[]>();
  private sortCache = new Map<string, Int32Array>();
  /** Bumped on every change, so query caches know when they are stale. */
  version = 0;

  get size() { return this.ids.length; }
  has(id: string) { return this.rowOf.has(id); }
  row(id: string): number | undefined { return this.rowOf.get(id); }

  private grow(min: number) {
    if (min <= this.tokens.length) return;
    let cap = this.tokens.length;
    while (cap < min) cap *= 2;
    const g = <A extends Int32Array | Uint8Array | Float32Array | Int8Array>(a: A, fill?: number): A => {
      const b = new (a.constructor as new (n: number) => A)(cap);
      if (fill !== undefined) b.fill(fill);
      b.set(a);
      return b;
    };
    this.tokens = g(this.tokens); this.tokensExact = g(this.tokensExact);
    this.llm = g(this.llm, NaN); this.llmKeep = g(this.llmKeep, -1);
    this.human = g(this.human, NaN); this.humanKeep = g(this.humanKeep, -1);
    this.cls = g(this.cls, NaN);
  }

  add(s: { id: string; source: string; path: string | null; language: string; tokens: number; tokensExact: boolean }) {
    if (this.rowOf.has(s.id)) return;
    const r = this.ids.length;
    this.grow(r + 1);
    this.ids.push(s.id); this.source.push(s.source); this.path.push(s.path); this.language.push(s.language);
    this.rowOf.set(s.id, r);
    this.tokens[r] = s.tokens; this.tokensExact[r] = s.tokensExact ? 1 : 0;
    this.sortCache.clear();
    this.version++;
  }

  setTokens(id: string, tokens: number) {
    const r = this.rowOf.get(id); if (r === undefined) return;
    this.tokens[r] = tokens; this.tokensExact[r] = 1; this.invalidate('tokens');
  }

  setLlm(r: number, score: number | null, keep: boolean) {
    this.llm[r] = score ?? NaN; this.llmKeep[r] = keep ? 1 : 0; this.invalidate('llm_score'); this.invalidate('disagreement');
  }

  clearLlm() { this.llm.fill(NaN); this.llmKeep.fill(-1); this.invalidate('llm_score'); this.invalidate('disagreement'); }

  setClassifier(r: number, prob: number | null) { this.cls[r] = prob ?? NaN; this.invalidate('classifier_score'); }
  clearClassifier() { this.cls.fill(NaN); this.invalidate('classifier_score'); }

  /** Applies a human label or a retraction, and recomputes the row's current human value. */
  applyHuman(r: number, e: { labelId: string; score: number | null; keep: boolean; retracts: string | null }) {
    let hist = this.humanHistory.get(r);
    if (!hist) { hist = []; this.humanHistory.set(r, hist); }
    if (e.retracts) {
      const target = hist.find((h) => h.labelId === e.retracts);
      if (target) target.retracted = true;
    } else {
      hist.push({ labelId: e.labelId, score: e.score, keep: e.keep, retracted: false });
    }
    let cur: HumanEntry | undefined;
    for (let i = hist.length - 1; i >= 0; i--) if (!hist[i].retracted) { cur = hist[i]; break; }
    this.human[r] = cur ? (cur.score ?? NaN) : NaN;
    this.humanKeep[r] = cur ? (cur.keep ? 1 : 0) : -1;
    this.invalidate('human_score'); this.invalidate('disagreement');
  }

  private invalidate(field: SortField) {
    this.version++; for (const k of this.sortCache.keys()) if (k.startsWith(field + ':')) this.sortCache.delete(k); }

  value(field: SortField, r: number): number | string | null {
    switch (field) {
      case 'id': return this.ids[r];
      case 'source': return this.source[r];
      case 'tokens': return this.tokens[r];
      case 'llm_score': return nan(this.llm[r]);
      case 'human_score': return nan(this.human[r]);
      case 'classifier_score': return nan(this.cls[r]);
      case 'disagreement': return this.disagreement(r);
    }
  }

  disagreement(r: number): number | null {
    const l = this.llm[r]; const h = this.human[r];
    return Number.isNaN(l) || Number.isNaN(h) ? null : Math.abs(l - h);
  }

  rowView(r: number): SampleRow {
    return {
      id: this.ids[r], source: this.source[r], path: this.path[r], language: this.language[r], tokens: this.tokens[r],
      llm_score: nan(this.llm[r]), human_score: nan(this.human[r]), classifier_score: nan(this.cls[r]),
      disagreement: this.disagreement(r),
    };
  }

  /** Rows ordered by `field` (nulls last in both directions, ties by id). Cached. */
  order(field: SortField, desc: boolean): Int32Array {
    const key = `${field}:${desc ? 'desc' : 'asc'}`;
    const hit = this.sortCache.get(key);
    if (hit && hit.length === this.size) return hit;
    const n = this.size;
    const perm = new Int32Array(n);
    for (let i = 0; i < n; i++) perm[i] = i;
    const ids = this.ids;
    const byId = (a: number, b: number) => (ids[a] < ids[b] ? -1 : ids[a] > ids[b] ? 1 : 0);
    if (field === 'id' || field === 'source') {
      const col = field === 'id' ? ids : this.source;
      perm.sort((a, b) => { const c = col[a] < col[b] ? -1 : col[a] > col[b] ? 1 : byId(a, b); return desc ? -c : c; });
    } else {
      const vals = new Float64Array(n);
      for (let i = 0; i < n; i++) { const v = this.value(field, i) as number | null; vals[i] = v === null ? NaN : v; }
      perm.sort((a, b) => {
        const va = vals[a]; const vb = vals[b];
        const na = Number.isNaN(va); const nb = Number.isNaN(vb);
        if (na || nb) return na && nb ? byId(a, b) : na ? 1 : -1;
        if (va !== vb) return desc ? vb - va : va - vb;
        return byId(a, b);
      });
    }
    this.sortCache.set(key, perm);
    return perm;
  }
}

function nan(v: number): number | null { return Number.isNaN(v) ? null : v; }
