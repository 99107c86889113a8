import { randomUUID } from 'node:crypto';
import type { ContaminationFlag } from '../../../shared/annotations.js';
import { SORT_FIELD_NAMES } from '../../../shared/contract/samples.js';
import type { SampleRow } from '../../../shared/domain.js';
import { DEFAULT_KEEP_THRESHOLD, type ConsensusRule } from '../../../shared/enums.js';
import { IdRows } from './id-rows.js';
import { RowOrders } from './sample-order.js';
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
  private orders = new RowOrders(this);
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
    this.orders.clear();
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
    this.orders.clear();
    this.orders.adoptIdOrder(c.byRank, n);
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
    this.orders.invalidate(field);
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
    return this.orders.order(field, desc);
  }

  /** The cached `order(field, desc)`, or null when computing it would mean a full sort. */
  cachedOrder(field: SortField, desc: boolean): Int32Array | null {
    return this.orders.cachedOrder(field, desc);
  }

  /**
   * `rows` (any subset) in the order `order(field, desc)` gives them. For a filter that keeps a
   * fraction of 10^6 rows, sorting only the matches beats sorting everything first.
   */
  sortRows(rows: Int32Array, field: SortField, desc: boolean): Int32Array {
    return this.orders.sortRows(rows, field, desc);
  }

  /** The id order (each row's rank), for a snapshot to persist; computed if needed. */
  /** The id -> row table, for the index snapshot. */
  idTable(): ReturnType<IdRows['table']> {
    return this.rowOf.table();
  }

  idOrder(): Int32Array {
    return this.orders.idRanks().byRank;
  }
}

function nan(v: number): number | null {
  return Number.isNaN(v) ? null : v;
}
