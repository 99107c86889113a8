import { create } from 'zustand';
import type { SampleRow } from '../../shared/domain.js';
import { createDetailCache } from './review-details.js';
import { createLabelActions } from './review-labeling.js';
import { createQueueActions, invalidateLoads } from './review-queue.js';
import { clearSaveTimers, createOutbox, createOutboxActions } from './review-saves.js';
import { initial, type ReviewState } from './review-state.js';

/**
 * Review: the queue, the cursor, preloaded samples, and every label save until it is durable.
 * A save shows as saved only when labels.addHuman resolved (the engine fsync'd its journal); a
 * failed save stays visible and is retried with backoff, also across reloads (the outbox).
 * The action groups live beside this file: review-queue (loading, cursor), review-details
 * (detail cache), review-labeling (label, accept, undo), review-saves (save pipeline, outbox).
 */
export type { Flash, SampleDetail } from './review-state.js';

let flashTimer: ReturnType<typeof setTimeout> | undefined;

export const useReview = create<ReviewState>()((set, get) => {
  const { fetchDetail, preload } = createDetailCache(set, get);
  const outbox = createOutbox(set, get, fetchDetail);

  return {
    ...initial(),

    ...createQueueActions(set, get, preload),

    ...createLabelActions(set, get, { fetchDetail, ...outbox }),

    ensureDetail(id) {
      void fetchDetail(id);
    },

    toggleSimilar() {
      set({ similarOpen: !get().similarOpen });
    },

    ...createOutboxActions(set, get, outbox),

    refreshDetail(id) {
      return fetchDetail(id, true);
    },

    setNote(sampleId, text) {
      set({ notes: { ...get().notes, [sampleId]: text } });
    },

    showFlash(text, tone = 'info') {
      clearTimeout(flashTimer);
      set({ flash: { text, tone } });
      flashTimer = setTimeout(() => set({ flash: null }), 2600);
    },

    reset() {
      clearSaveTimers();
      invalidateLoads();
      set({ ...initial(), queue: get().queue, similarOpen: get().similarOpen });
    },
  };
});

export const currentRow = (s: { rows: SampleRow[]; cursor: number }) => s.rows[s.cursor] ?? null;
