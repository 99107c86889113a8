/**
 * Review's queue actions: load a queue (first page and cursor placement), page in more rows,
 * and move the cursor. A newer load makes older in-flight ones drop their results (loadSeq).
 */
import type { SampleRow } from '../../shared/domain.js';
import { call } from '../transport/studio-client.js';
import { andWhere } from './queue-defs.js';
import type { DetailCache } from './review-details.js';
import { PAGE, type GetReview, type ReviewState, type SetReview } from './review-state.js';
import { annotator, markShown } from './review-session.js';

let loadSeq = 0;

/** Makes every load in flight drop its result (the slice's reset). */
export const invalidateLoads = () => {
  loadSeq++;
};

export function createQueueActions(
  set: SetReview,
  get: GetReview,
  preload: DetailCache['preload'],
): Pick<ReviewState, 'startQueue' | 'reload' | 'loadMore' | 'move' | 'select' | 'setSearch'> {
  return {
    async startQueue(def, opts = {}) {
      const seq = ++loadSeq;
      set({
        queue: def,
        rows: [],
        total: null,
        baseOffset: 0,
        exhausted: false,
        loading: true,
        loadError: null,
        cursor: 0,
      });
      try {
        const text = get().search.trim() || undefined;
        let rows: SampleRow[];
        let total: number;
        let baseOffset = 0;
        let exhausted: boolean;
        if (def.kind === 'assigned' || def.kind === 'disagreements') {
          rows = await call('team.queue', { kind: def.kind, annotator: annotator(), limit: 5000 });
          total = rows.length;
          exhausted = true;
        } else if (def.paging === 'static') {
          rows = await call('queue.get', { kind: def.kind as 'uncertainty' | 'diversity', limit: 1000 });
          total = rows.length;
          exhausted = true;
        } else if (def.paging === 'offset') {
          baseOffset = Math.max(0, (opts.startOffset ?? 0) - 20);
          const r = await call('samples.list', {
            ...def.query,
            text: def.query.text ?? text,
            offset: baseOffset,
            limit: PAGE,
          });
          rows = r.rows;
          total = r.total;
          exhausted = baseOffset + r.rows.length >= r.total;
        } else {
          const r = await call('samples.list', { ...def.query, text, sort: 'id', desc: false, offset: 0, limit: PAGE });
          rows = r.rows;
          total = r.total;
          exhausted = r.rows.length >= r.total;
        }
        if (seq !== loadSeq) return;
        let cursor = opts.startOffset !== undefined ? opts.startOffset - baseOffset : 0;
        if (opts.focusId) {
          const i = rows.findIndex((r) => r.id === opts.focusId);
          if (i >= 0) cursor = i;
        }
        set({ rows, total, baseOffset, exhausted, loading: false, cursor: Math.max(0, Math.min(cursor, rows.length)) });
        markShown(rows[get().cursor]?.id);
        preload();
      } catch (e) {
        if (seq === loadSeq) set({ loading: false, loadError: (e as Error).message });
      }
    },

    async reload() {
      await get().startQueue(get().queue, { focusId: get().rows[get().cursor]?.id });
    },

    async loadMore() {
      const { queue, rows, exhausted, loading, baseOffset, total } = get();
      // The first page is startQueue's job (it also places the cursor).
      if (exhausted || loading || total === null || queue.paging === 'static') return;
      const seq = loadSeq;
      set({ loading: true });
      try {
        const text = get().search.trim() || undefined;
        let page: SampleRow[];
        let done: boolean;
        if (queue.paging === 'offset') {
          const r = await call('samples.list', { ...queue.query, offset: baseOffset + rows.length, limit: PAGE });
          page = r.rows;
          done = baseOffset + rows.length + r.rows.length >= r.total;
        } else {
          const last = rows[rows.length - 1]?.id;
          const where = andWhere(queue.query.where, last ? `id > '${last}'` : null);
          const r = await call('samples.list', {
            ...queue.query,
            where,
            text,
            sort: 'id',
            desc: false,
            offset: 0,
            limit: PAGE,
          });
          page = r.rows;
          done = r.rows.length >= r.total;
        }
        if (seq !== loadSeq) return;
        const seen = new Set(get().rows.map((r) => r.id));
        set({ rows: [...get().rows, ...page.filter((r) => !seen.has(r.id))], exhausted: done, loading: false });
        preload();
      } catch (e) {
        if (seq === loadSeq) set({ loading: false, loadError: (e as Error).message });
      }
    },

    move(delta) {
      get().select(get().cursor + delta);
    },

    select(index) {
      const max = get().rows.length; // == rows.length: the "end of queue" position
      const cursor = Math.max(0, Math.min(max, index));
      if (cursor === get().cursor) return;
      set({ cursor });
      markShown(get().rows[cursor]?.id);
      preload();
    },

    setSearch(text) {
      set({ search: text });
      void get().startQueue(get().queue);
    },
  };
}
