/**
 * Review's save pipeline: sends each label to labels.addHuman, marks it saved only once the engine
 * made it durable, retries failures with backoff, and mirrors unsaved records to the outbox.
 */
import { call } from '../transport/studio-client.js';
import { afterFailedSend, loadOutbox, storeOutbox, type SaveRecord } from './outbox.js';
import type { DetailCache } from './review-details.js';
import type { GetReview, ReviewState, SetReview } from './review-state.js';
import { datasetKey, refreshCountsSoon } from './review-session.js';

const timers = new Map<string, ReturnType<typeof setTimeout>>();

/** Cancels every scheduled retry (the slice's reset). */
export const clearSaveTimers = () => {
  for (const t of timers.values()) clearTimeout(t);
  timers.clear();
};

export function createOutbox(set: SetReview, get: GetReview, fetchDetail: DetailCache['fetchDetail']) {
  const persistOutbox = () =>
    storeOutbox(
      datasetKey(),
      get().saves.filter((s) => s.status !== 'saved'),
    );
  const patchSave = (key: string, patch: Partial<SaveRecord>) => {
    set({ saves: get().saves.map((s) => (s.key === key ? { ...s, ...patch } : s)) });
    persistOutbox();
  };

  const send = async (key: string) => {
    const rec = get().saves.find((s) => s.key === key);
    if (!rec || rec.status === 'saved') return;
    patchSave(key, { status: rec.attempts > 0 ? 'retrying' : 'saving', attempts: rec.attempts + 1 });
    try {
      const label = await call('labels.addHuman', {
        sampleId: rec.sampleId,
        score: rec.score,
        annotator: rec.annotator,
        origin: rec.origin,
        note: rec.note,
        requestId: rec.key,
        seconds: rec.seconds,
      });
      patchSave(key, { status: 'saved', labelId: label.labelId, error: undefined });
      set({
        undoStack: [...get().undoStack, { labelId: label.labelId, sampleId: rec.sampleId, score: rec.score }].slice(
          -200,
        ),
      });
      // The engine returned the durable record: fold it into the cached sample instead of asking again.
      const d = get().details[rec.sampleId];
      if (d) {
        const row = {
          ...d.row,
          human_score: label.score,
          disagreement:
            d.row.llm_score === null || label.score === null ? null : Math.abs(d.row.llm_score - label.score),
        };
        set({
          details: { ...get().details, [rec.sampleId]: { ...d, row, labels: [...d.labels, label] } },
          rows: get().rows.map((r) => (r.id === rec.sampleId ? row : r)),
        });
      }
      // Blind mode lifts once I have labeled: fetch what the server now shows me.
      if (get().queue.kind === 'assigned') void fetchDetail(rec.sampleId, true);
      refreshCountsSoon();
      // Saved records only matter for their badge; keep the list short.
      set({
        saves: get()
          .saves.filter((s) => s.status !== 'saved' || s.key === key || Date.now() - s.createdAt < 60_000)
          .slice(-100),
      });
    } catch (e) {
      const attempts = get().saves.find((s) => s.key === key)?.attempts ?? 1;
      const next = afterFailedSend({ attempts }, e, Date.now());
      patchSave(key, next);
      if (next.status === 'failed') {
        get().showFlash(`Label not saved: ${next.error}`, 'error');
        return;
      }
      clearTimeout(timers.get(key));
      timers.set(
        key,
        setTimeout(
          () => {
            timers.delete(key);
            void send(key);
          },
          (next.nextRetryAt ?? Date.now()) - Date.now(),
        ),
      );
    }
  };

  return { persistOutbox, send };
}

export type Outbox = ReturnType<typeof createOutbox>;

export function createOutboxActions(
  set: SetReview,
  get: GetReview,
  { persistOutbox, send }: Outbox,
): Pick<ReviewState, 'retry' | 'dismiss' | 'resumeOutbox'> {
  return {
    retry(key) {
      clearTimeout(timers.get(key));
      timers.delete(key);
      void send(key);
    },

    dismiss(key) {
      clearTimeout(timers.get(key));
      timers.delete(key);
      set({ saves: get().saves.filter((s) => s.key !== key) });
      persistOutbox();
    },

    resumeOutbox() {
      const pending = loadOutbox(datasetKey());
      if (!pending.length) return;
      const known = new Set(get().saves.map((s) => s.key));
      const fresh = pending.filter((p) => !known.has(p.key)).map((p) => ({ ...p, status: 'retrying' as const }));
      set({ saves: [...get().saves, ...fresh] });
      for (const p of fresh) void send(p.key);
    },
  };
}
