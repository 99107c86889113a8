import { create } from 'zustand';
import type { SampleRow } from '../../shared/domain.js';
import { call } from '../transport/studio-client.js';
import type { QueueQuery } from './queue-defs.js';

/** Which two samples the Compare view shows, and the Browse selection that picks them. */
interface CompareState {
  /** Browse selection, oldest first; at most two (a third click drops the oldest). */
  selected: string[];
  left: string | null;
  right: string | null;
  /** What the pair is, for the view's title (e.g. "top vs bottom by classifier_score"). */
  caption: string;
  toggle(id: string): void;
  clearSelection(): void;
  compare(left: string, right: string, caption: string): void;
  /** The best and the worst sample of a query by its score (phi-1's "high vs low" figure). */
  topVsBottom(q: QueueQuery): Promise<string | null>;
}

const SCORE_FIELDS = ['classifier_score', 'llm_score', 'human_score'] as const;

export const useCompare = create<CompareState>()((set, get) => ({
  selected: [],
  left: null,
  right: null,
  caption: '',
  toggle(id) {
    const s = get().selected;
    set({ selected: s.includes(id) ? s.filter((x) => x !== id) : [...s, id].slice(-2) });
  },
  clearSelection() {
    set({ selected: [] });
  },
  compare(left, right, caption) {
    set({ left, right, caption });
  },
  async topVsBottom(q) {
    // Rank by the query's own score sort when it has one, else the first score field that has values.
    const fields = (SCORE_FIELDS as readonly string[]).includes(q.sort ?? '')
      ? [q.sort as (typeof SCORE_FIELDS)[number]]
      : [...SCORE_FIELDS];
    for (const field of fields) {
      const where = [q.where, `${field} IS NOT NULL`].filter(Boolean).join(' AND ');
      const base = { labelState: q.labelState, where, source: q.source, text: q.text, sort: field, limit: 1 } as const;
      const [top, bottom]: { rows: SampleRow[]; total: number }[] = await Promise.all([
        call('samples.list', { ...base, desc: true }),
        call('samples.list', { ...base, desc: false }),
      ]);
      if (top.total >= 2 && top.rows[0] && bottom.rows[0]) {
        set({
          left: top.rows[0].id,
          right: bottom.rows[0].id,
          caption: `top vs bottom by ${field} of ${top.total} samples in the current filter`,
        });
        return null;
      }
    }
    return 'Fewer than two samples in this filter have a score to rank by.';
  },
}));
