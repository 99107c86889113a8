import { create } from 'zustand';
import type { SampleRow } from '../../shared/domain.js';
import type { LABEL_STATES, SORT_FIELD_NAMES } from '../../shared/api.js';
import { call } from '../transport/studio-client.js';
import { andWhere, type QueueQuery } from './queue-defs.js';

/**
 * Browse: filters and sort live here; the rows live on the server and arrive in pages as the
 * virtual table scrolls (the store sorts and filters, the browser never holds the dataset).
 */
export type SortField = (typeof SORT_FIELD_NAMES)[number];
export type LabelState = (typeof LABEL_STATES)[number];
export const PAGE_SIZE = 200;

export interface BrowseFilters {
  labelState: LabelState;
  llmMin: number | null;
  llmMax: number | null;
  humanMin: number | null;
  humanMax: number | null;
  probMin: number | null;
  probMax: number | null;
  source: string;
  text: string;
  /** Only samples with a benchmark match nobody overruled. */
  contaminated: boolean;
  /** Extra clauses in the store's `where` language, for anything the controls do not cover. */
  where: string;
}

export const EMPTY_FILTERS: BrowseFilters = {
  labelState: 'any',
  llmMin: null,
  llmMax: null,
  humanMin: null,
  humanMax: null,
  probMin: null,
  probMax: null,
  source: '',
  text: '',
  contaminated: false,
  where: '',
};

interface BrowseState {
  filters: BrowseFilters;
  sort: SortField;
  desc: boolean;
  total: number | null;
  pages: Record<number, SampleRow[]>;
  /** Bumped on every query change; late pages of an older query are dropped. */
  version: number;
  error: string | null;
  loading: boolean;
  setFilters(patch: Partial<BrowseFilters>): void;
  clearFilters(): void;
  setSort(field: SortField): void;
  ensureRange(first: number, last: number): void;
  refresh(): void;
}

/** The list query the current filters and sort stand for. */
export function browseQuery(s: Pick<BrowseState, 'filters' | 'sort' | 'desc'>): QueueQuery {
  const f = s.filters;
  const range = (field: string, lo: number | null, hi: number | null) => [
    lo !== null ? `${field} >= ${lo}` : null,
    hi !== null ? `${field} <= ${hi}` : null,
  ];
  return {
    labelState: f.labelState,
    where: andWhere(
      ...range('llm_score', f.llmMin, f.llmMax),
      ...range('human_score', f.humanMin, f.humanMax),
      ...range('classifier_score', f.probMin, f.probMax),
      f.contaminated ? 'contaminated' : null,
      f.where,
    ),
    source: f.source.trim() || undefined,
    text: f.text.trim() || undefined,
    sort: s.sort,
    desc: s.desc,
  };
}

const inflight = new Set<string>();

export const useBrowse = create<BrowseState>()((set, get) => {
  const restart = () => {
    set({ pages: {}, total: null, version: get().version + 1, error: null });
    get().ensureRange(0, PAGE_SIZE - 1);
  };
  return {
    filters: EMPTY_FILTERS,
    sort: 'id',
    desc: false,
    total: null,
    pages: {},
    version: 0,
    error: null,
    loading: false,

    setFilters(patch) {
      set({ filters: { ...get().filters, ...patch } });
      restart();
    },
    clearFilters() {
      set({ filters: EMPTY_FILTERS });
      restart();
    },
    setSort(field) {
      const s = get();
      // Scores read best highest-first; ids and paths alphabetically.
      const desc = s.sort === field ? !s.desc : !['id', 'source'].includes(field);
      set({ sort: field, desc });
      restart();
    },

    ensureRange(first, last) {
      const s = get();
      const from = Math.floor(Math.max(0, first) / PAGE_SIZE);
      const to = Math.floor(Math.max(0, last) / PAGE_SIZE);
      for (let p = from; p <= to; p++) {
        if (s.pages[p] || (s.total !== null && p * PAGE_SIZE >= s.total && p > 0)) continue;
        const key = `${s.version}:${p}`;
        if (inflight.has(key)) continue;
        inflight.add(key);
        const version = s.version;
        set({ loading: true });
        call('samples.list', { ...browseQuery(s), offset: p * PAGE_SIZE, limit: PAGE_SIZE })
          .then((r) => {
            if (get().version !== version) return;
            set({ pages: { ...get().pages, [p]: r.rows }, total: r.total, loading: false, error: null });
          })
          .catch((e: Error) => {
            if (get().version === version) set({ error: e.message, loading: false });
          })
          .finally(() => inflight.delete(key));
      }
    },

    refresh() {
      restart();
    },
  };
});

export const rowAt = (pages: Record<number, SampleRow[]>, i: number): SampleRow | undefined =>
  pages[Math.floor(i / PAGE_SIZE)]?.[i % PAGE_SIZE];
