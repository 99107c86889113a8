/**
 * Review's detail cache: fetches a sample's full record (once, or forced after a change) and
 * preloads the next few around the cursor, asking for the next page when the cursor nears the end.
 */
import { call } from '../transport/studio-client.js';
import { PRELOAD_AHEAD, type GetReview, type SetReview } from './review-state.js';

export function createDetailCache(set: SetReview, get: GetReview) {
  const fetchDetail = async (id: string, force = false) => {
    if (!force && (get().details[id] || get().detailErrors[id] === 'loading')) return;
    set({ detailErrors: { ...get().detailErrors, [id]: 'loading' } });
    try {
      const d = await call('samples.get', { id });
      const { [id]: _drop, ...restErr } = get().detailErrors;
      set({
        details: { ...get().details, [id]: d },
        detailErrors: restErr,
        rows: get().rows.map((r) => (r.id === id ? d.row : r)),
      });
    } catch (e) {
      set({ detailErrors: { ...get().detailErrors, [id]: (e as Error).message } });
    }
  };

  const preload = () => {
    const { rows, cursor, exhausted, loading } = get();
    for (let i = cursor; i <= cursor + PRELOAD_AHEAD && i < rows.length; i++) void fetchDetail(rows[i].id);
    if (!exhausted && !loading && cursor >= rows.length - 20) void get().loadMore();
  };

  return { fetchDetail, preload };
}

export type DetailCache = ReturnType<typeof createDetailCache>;
