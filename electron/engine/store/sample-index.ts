import { randomUUID } from 'node:crypto';
import type { ContaminationFlag } from '../../../shared/annotations.js';
import { SORT_FIELD_NAMES } from '../../../shared/contract/samples.js';
import type { SampleRow } from '../../../shared/domain.js';
import { DEFAULT_KEEP_THRESHOLD, type ConsensusRule } from '../../../shared/enums.js';
import { IdRows } from './id-rows.js';
import { resolveHuman, type HumanVote, type Resolution } from '../team/consensus.js';

/**
 * In-memory columnar index of every sample's current values (tokens, LLM / human / classifier
 * scores), so a page of 50 out of 10^6 can be filtered and sorted without touching LanceDB.
 *
 * NOTE: LanceDB 0.31's query API has filters and limits but no ORDER BY, so sorting by a score
 * has to happen here. Typed arrays keep it at ~20 bytes per sample plus the source/path strings;
 * sorted permutations are cached per sort key and dropped when a value in that column changes.
 */
/** The sortable columns: one list, in the contract. */
export const SORT_FIELDS = SORT_FIELD_NAMES;
export type SortField = (typeof SORT_FIELDS)[number];

export type HumanEntry = HumanVote;

export class SampleIndex {
  ids: string[] = [];
  source: string[] = [];
  path: (string | null)[] = [];
  language: string[] = [];
  private rowOf = new IdRows(this.ids);
  tokens = new Int32Array(1024);
  tokensExact = new Uint8Array(1024);
  llm = new Float32Array(1024).fill(NaN);
  llmKeep = new Int8Array(1024).fill(-1);
  human = new Float32Array(1024).fill(NaN);
  humanKeep = new Int8Array(1024).fill(-1);
  cls = new Float32Array(1024).fill(NaN);
  /** Human label history per row (only rows that have one), oldest first. */
  humanHistory = new Map<number, HumanEntry[]>();
  /** Resolution of each row with human labels (counts, spread, adjudicated); see team/consensus.ts. */
  humanResolution = new Map<number, Resolution>();
  /** How the human value is resolved; `setConsensus` re-resolves every row. */
  consensus: { rule: ConsensusRule; keepThreshold: number } = { rule: 'median', keepThreshold: DEFAULT_KEEP_THRESHOLD };
  private sortCache = new Map<string, Int32Array>();
  /** Bumped on every change, so query caches know when they are stale. */
  version = 0;
  /**
   * Names this index's row numbering: new whenever the index is built from the samples table,
   * carried by the index snapshot. Per-row snapshots (row-snapshot.ts) are valid only for it.
   */
  origin: string = randomUUID();

  get size() {
    return this.ids.length;
  }
  has(id: string) {
    return this.rowOf.has(id);
  }
  row(id: string): number | undefined {
    return this.rowOf.get(id);
  }

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
    this.tokens = g(this.tokens);
    this.tokensExact = g(this.tokensExact);
    this.llm = g(this.llm, NaN);
    this.llmKeep = g(this.llmKeep, -1);
    this.human = g(this.human, NaN);
    this.humanKeep = g(this.humanKeep, -1);
    this.cls = g(this.cls, NaN);
  }

  add(s: { id: string; source: string; path: string | null; language: string; tokens: number; tokensExact: boolean }) {
    if (this.rowOf.has(s.id)) return;
    const r = this.ids.length;
    this.grow(r + 1);
    this.ids.push(s.id);
    this.source.push(s.source);
    this.path.push(s.path);
    this.language.push(s.language);
    this.rowOf.add(r);
    this.tokens[r] = s.tokens;
    this.tokensExact[r] = s.tokensExact ? 1 : 0;
    this.sortCache.clear();
    this.version++;
  }

  /** Fills an empty index from columns (a persisted snapshot; see index-snapshot.ts). */
  loadColumns(c: {
    ids: string[];
    source: string[];
    path: (string | null)[];
    language: string[];
    tokens: Int32Array;
    tokensExact: Uint8Array;
    /** Rows in id order, as `idOrder()` gave them when the snapshot was written. */
    byRank?: Int32Array;
    /** The id -> row table `idTable()` gave for these ids; checked, and rebuilt when it does not fit. */
    idTable?: ReturnType<IdRows['table']>;
    origin?: string;
  }) {
    if (this.ids.length) throw new Error('loadColumns needs an empty index');
    const n = c.ids.length;
    this.grow(n);
    this.ids = c.ids;
    this.source = c.source;
    this.path = c.path;
    this.language = c.language;
    this.tokens.set(c.tokens);
    this.tokensExact.set(c.tokensExact);
    if (c.origin) this.origin = c.origin;
    if (!c.idTable || !this.rowOf.adopt(c.ids, c.idTable)) this.rowOf.reset(c.ids);
    this.sortCache.clear();
    this.idRankCache = null;
    if (c.byRank && c.byRank.length === n) {
      const rankOf = new Int32Array(n).fill(-1);
      let ok = true;
      for (let i = 0; i < n && ok; i++) {
        const r = c.byRank[i];
        if (r < 0 || r >= n || rankOf[r] !== -1) ok = false;
        else rankOf[r] = i;
      }
      // NOTE: only a true permutation is trusted; anything else is recomputed on first use.
      if (ok) this.idRankCache = { size: n, byRank: c.byRank, rankOf };
    }
    this.version++;
  }

  setTokens(id: string, tokens: number) {
    const r = this.rowOf.get(id);
    if (r === undefined) return;
    this.tokens[r] = tokens;
    this.tokensExact[r] = 1;
    this.invalidate('tokens');
  }

  setLlm(r: number, score: number | null, keep: boolean) {
    this.llm[r] = score ?? NaN;
    this.llmKeep[r] = keep ? 1 : 0;
    this.invalidate('llm_score');
    this.invalidate('disagreement');
  }

  /** Every row's LLM value at once (score NaN for none given, keep -1 for no label), from one source's columns. */
  loadLlm(score: Float32Array, keep: Int8Array) {
    this.clearLlm();
    const n = Math.min(this.ids.length, score.length, keep.length);
    this.llm.set(score.subarray(0, n));
    this.llmKeep.set(keep.subarray(0, n));
  }

  clearLlm() {
    this.llm.fill(NaN);
    this.llmKeep.fill(-1);
    this.invalidate('llm_score');
    this.invalidate('disagreement');
  }

  setClassifier(r: number, prob: number | null) {
    this.cls[r] = prob ?? NaN;
    this.invalidate('classifier_score');
  }
  /** Every row's classifier probability at once (NaN for none), from a snapshot. */
  loadClassifier(probs: Float32Array) {
    this.cls.fill(NaN);
    this.cls.set(probs.subarray(0, Math.min(probs.length, this.cls.length)));
    this.invalidate('classifier_score');
  }
  clearClassifier() {
    this.cls.fill(NaN);
    this.invalidate('classifier_score');
  }

  /** Applies a human label or a retraction, and re-resolves the row's human value. */
  applyHuman(
    r: number,
    e: {
      labelId: string;
      score: number | null;
      keep: boolean;
      retracts: string | null;
      agent?: string;
      origin?: string | null;
    },
  ) {
    let hist = this.humanHistory.get(r);
    if (!hist) {
      hist = [];
      this.humanHistory.set(r, hist);
    }
    if (e.retracts) {
      const target = hist.find((h) => h.labelId === e.retracts);
      if (target) target.retracted = true;
    } else {
      hist.push({
        labelId: e.labelId,
        agent: e.agent ?? '',
        score: e.score,
        keep: e.keep,
        origin: e.origin ?? null,
        retracted: false,
      });
    }
    this.resolveRow(r);
    this.invalidate('human_score');
    this.invalidate('disagreement');
  }

  private resolveRow(r: number) {
    const res = resolveHuman(this.humanHistory.get(r) ?? [], this.consensus.rule, this.consensus.keepThreshold);
    if (res) this.humanResolution.set(r, res);
    else this.humanResolution.delete(r);
    this.human[r] = res ? (res.score ?? NaN) : NaN;
    this.humanKeep[r] = res ? (res.keep ? 1 : 0) : -1;
  }

  /** Changes the consensus rule or keep threshold and re-resolves every row with human labels. */
  setConsensus(next: { rule: ConsensusRule; keepThreshold: number }) {
    this.consensus = { ...next };
    for (const r of this.humanHistory.keys()) this.resolveRow(r);
    this.invalidate('human_score');
    this.invalidate('disagreement');
  }

  private invalidate(field: SortField) {
    this.version++;
    for (const k of this.sortCache.keys()) if (k.startsWith(field + ':')) this.sortCache.delete(k);
  }

  value(field: SortField, r: number): number | string | null {
    switch (field) {
      case 'id':
        return this.ids[r];
      case 'source':
        return this.source[r];
      case 'tokens':
        return this.tokens[r];
      case 'llm_score':
        return nan(this.llm[r]);
      case 'human_score':
        return nan(this.human[r]);
      case 'classifier_score':
        return nan(this.cls[r]);
      case 'disagreement':
        return this.disagreement(r);
    }
  }

  disagreement(r: number): number | null {
    const l = this.llm[r];
    const h = this.human[r];
    return Number.isNaN(l) || Number.isNaN(h) ? null : Math.abs(l - h);
  }

  rowView(r: number): SampleRow {
    return {
      id: this.ids[r],
      source: this.source[r],
      path: this.path[r],
      language: this.language[r],
      tokens: this.tokens[r],
      llm_score: nan(this.llm[r]),
      human_score: nan(this.human[r]),
      classifier_score: nan(this.cls[r]),
      disagreement: this.disagreement(r),
      contamination: this.contaminationOf(this.ids[r]),
      human_labels: this.humanResolution.get(r)?.count ?? 0,
      human_spread: this.humanResolution.get(r)?.spread ?? null,
      adjudicated: this.humanResolution.get(r)?.adjudicated ?? false,
    };
  }

  /** Set by the store once annotations are loaded. */
  contaminationOf: (id: string) => ContaminationFlag | null = () => null;

  /** Rows ordered by `field` (nulls last in both directions, ties by id). Cached. */
  order(field: SortField, desc: boolean): Int32Array {
    const key = `${field}:${desc ? 'desc' : 'asc'}`;
    const hit = this.sortCache.get(key);
    if (hit && hit.length === this.size) return hit;
    const perm =
      field === 'source'
        ? this.orderBySource(desc)
        : field === 'id'
          ? this.orderById(desc)
          : this.orderByValue(field, desc);
    this.sortCache.set(key, perm);
    return perm;
  }

  /** The cached `order(field, desc)`, or null when computing it would mean a full sort. */
  cachedOrder(field: SortField, desc: boolean): Int32Array | null {
    const hit = this.sortCache.get(`${field}:${desc ? 'desc' : 'asc'}`);
    return hit && hit.length === this.size ? hit : null;
  }

  /**
   * `rows` (any subset) in the order `order(field, desc)` gives them. For a filter that keeps a
   * fraction of 10^6 rows, sorting only the matches beats sorting everything first.
   */
  sortRows(rows: Int32Array, field: SortField, desc: boolean): Int32Array {
    const { rankOf, byRank } = this.idRanks();
    const n = rows.length;
    if (field === 'id') {
      const keys = Float64Array.from(rows, (r) => rankOf[r]);
      keys.sort();
      const out = Int32Array.from(keys, (k) => byRank[k]);
      return desc ? out.reverse() : out;
    }
    const RANKS = 2 ** 21;
    if (field === 'source' || this.size > RANKS) {
      const full = this.order(field, desc);
      const want = new Uint8Array(this.size);
      for (const r of rows) want[r] = 1;
      const out = new Int32Array(n);
      let k = 0;
      for (const r of full) if (want[r]) out[k++] = r;
      return out;
    }
    const keys = new Float64Array(n);
    for (let i = 0; i < n; i++) keys[i] = this.packedKey(rows[i], field, desc, rankOf[rows[i]]);
    keys.sort();
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = byRank[keys[i] % RANKS];
    return out;
  }

  private readonly f32 = new Float32Array(1);
  private readonly u32 = new Uint32Array(this.f32.buffer);

  /** (value bucket, id rank) packed into one double that sorts natively; see orderByValue. */
  private packedKey(r: number, field: SortField, desc: boolean, rank: number): number {
    const NULL_BUCKET = 0xffffffff;
    const v = this.value(field, r) as number | null;
    let bucket: number;
    if (v === null) bucket = NULL_BUCKET;
    else {
      this.f32[0] = Math.max(0, v);
      bucket = desc ? NULL_BUCKET - 1 - this.u32[0] : this.u32[0];
    }
    return bucket * 2 ** 21 + rank;
  }

  /** The id order (each row's rank), for a snapshot to persist; computed if needed. */
  /** The id -> row table, for the index snapshot. */
  idTable(): ReturnType<IdRows['table']> {
    return this.rowOf.table();
  }

  idOrder(): Int32Array {
    return this.idRanks().byRank;
  }

  private idRankCache: { size: number; byRank: Int32Array; rankOf: Int32Array } | null = null;

  /** Rows in id order, and each row's rank in it. Ids are hex hashes, so their first 13 digits sort natively. */
  private idRanks() {
    const n = this.size;
    if (this.idRankCache?.size === n) return this.idRankCache;
    const keys = new Float64Array(n);
    let allHex = true;
    for (let r = 0; r < n && allHex; r++) {
      const head = this.ids[r].slice(0, 13);
      if (!/^[0-9a-f]{13}$/.test(head)) allHex = false;
      else keys[r] = parseInt(head, 16);
    }
    const byRank = new Int32Array(n);
    for (let i = 0; i < n; i++) byRank[i] = i;
    const ids = this.ids;
    if (allHex) {
      byRank.sort((a, b) => keys[a] - keys[b] || (ids[a] < ids[b] ? -1 : ids[a] > ids[b] ? 1 : 0));
    } else {
      byRank.sort((a, b) => (ids[a] < ids[b] ? -1 : ids[a] > ids[b] ? 1 : 0));
    }
    const rankOf = new Int32Array(n);
    for (let i = 0; i < n; i++) rankOf[byRank[i]] = i;
    this.idRankCache = { size: n, byRank, rankOf };
    return this.idRankCache;
  }

  private orderById(desc: boolean): Int32Array {
    const { byRank } = this.idRanks();
    return desc ? byRank.slice().reverse() : byRank.slice();
  }

  private orderBySource(desc: boolean): Int32Array {
    const { rankOf } = this.idRanks();
    const perm = Int32Array.from({ length: this.size }, (_, i) => i);
    const src = this.source;
    perm.sort((a, b) => {
      const c = src[a] < src[b] ? -1 : src[a] > src[b] ? 1 : rankOf[a] - rankOf[b];
      return desc ? -c : c;
    });
    return perm;
  }

  /**
   * NOTE: numeric sorts pack (value, id rank) into one double and sort natively: a float32 value
   * >= 0 keeps its order as its uint32 bit pattern, times 2^21 id ranks. Measured at 10^6 rows:
   * ~0.35 s against ~5.8 s for a comparator sort. Larger datasets use the comparator.
   */
  private orderByValue(field: SortField, desc: boolean): Int32Array {
    const n = this.size;
    const { rankOf, byRank } = this.idRanks();
    const RANKS = 2 ** 21;
    if (n > RANKS) return this.orderByComparator(field, desc, rankOf);
    const keys = new Float64Array(n);
    for (let r = 0; r < n; r++) keys[r] = this.packedKey(r, field, desc, rankOf[r]);
    keys.sort();
    const perm = new Int32Array(n);
    for (let i = 0; i < n; i++) perm[i] = byRank[keys[i] % RANKS];
    return perm;
  }

  private orderByComparator(field: SortField, desc: boolean, rankOf: Int32Array): Int32Array {
    const n = this.size;
    const vals = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const v = this.value(field, i) as number | null;
      vals[i] = v === null ? NaN : v;
    }
    const perm = Int32Array.from({ length: n }, (_, i) => i);
    perm.sort((a, b) => {
      const va = vals[a];
      const vb = vals[b];
      const na = Number.isNaN(va);
      const nb = Number.isNaN(vb);
      if (na || nb) return na && nb ? rankOf[a] - rankOf[b] : na ? 1 : -1;
      if (va !== vb) return desc ? vb - va : va - vb;
      return rankOf[a] - rankOf[b];
    });
    return perm;
  }
}

function nan(v: number): number | null {
  return Number.isNaN(v) ? null : v;
}
