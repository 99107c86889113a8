/**
 * Review's labeling actions: a score key queues a save (or, in Disagreements, adjudicates),
 * `a` accepts the LLM's score, `u` retracts the newest durable label made here.
 */
import { call } from '../transport/studio-client.js';
import type { SaveRecord } from './outbox.js';
import type { DetailCache } from './review-details.js';
import type { Outbox } from './review-saves.js';
import type { GetReview, ReviewState, SetReview } from './review-state.js';
import { annotator, datasetKey, refreshCountsSoon, shownAt } from './review-session.js';

export function createLabelActions(
  set: SetReview,
  get: GetReview,
  { fetchDetail, persistOutbox, send }: Pick<DetailCache, 'fetchDetail'> & Outbox,
): Pick<ReviewState, 'label' | 'acceptLlm' | 'undo'> {
  /** The Disagreements queue: a score key records the reviewer's final word (origin adjudication). */
  const adjudicateRow = async (sampleId: string, score: number, note: string | null) => {
    try {
      const rec = await call('team.adjudicate', { sampleId, score, annotator: annotator(), note });
      const { [sampleId]: _n, ...notes } = get().notes;
      set({
        notes,
        undoStack: [...get().undoStack, { labelId: rec.labelId, sampleId, score }].slice(-200),
        rows: get().rows.map((r) => (r.id === sampleId ? { ...r, human_score: score, adjudicated: true } : r)),
      });
      get().showFlash(`Adjudicated: ${score}`, 'info');
      await fetchDetail(sampleId, true);
      refreshCountsSoon();
      get().move(1);
    } catch (e) {
      get().showFlash(`Not adjudicated: ${(e as Error).message}`, 'error');
    }
  };

  return {
    label(score, origin = 'key') {
      const row = get().rows[get().cursor];
      if (!row) return;
      // Never label code the reviewer has not seen.
      if (!get().details[row.id]) {
        get().showFlash('This sample is still loading', 'warn');
        return;
      }
      const note = get().notes[row.id]?.trim() || null;
      if (get().queue.kind === 'disagreements') {
        void adjudicateRow(row.id, score, note);
        return;
      }
      const started = shownAt.get(row.id);
      shownAt.delete(row.id);
      const rec: SaveRecord = {
        key: crypto.randomUUID(),
        dataset: datasetKey(),
        sampleId: row.id,
        path: row.path ?? row.source,
        score,
        origin,
        note,
        annotator: annotator(),
        seconds: started === undefined ? undefined : Math.min(86_400, (Date.now() - started) / 1000),
        status: 'saving',
        attempts: 0,
        createdAt: Date.now(),
      };
      const { [row.id]: _n, ...notes } = get().notes;
      set({
        saves: [...get().saves, rec],
        notes,
        // Optimistic badge in the queue list; the server's row replaces it once saved.
        rows: get().rows.map((r) =>
          r.id === row.id
            ? { ...r, human_score: score, disagreement: r.llm_score === null ? null : Math.abs(r.llm_score - score) }
            : r,
        ),
      });
      persistOutbox();
      void send(rec.key);
      get().move(1);
    },

    acceptLlm() {
      const row = get().rows[get().cursor];
      if (!row) return;
      const llm = get().details[row.id]?.row.llm_score ?? row.llm_score;
      if (llm === null || llm === undefined) {
        get().showFlash('No LLM score to accept for this sample', 'warn');
        return;
      }
      get().label(Math.round(llm), 'accept-llm');
    },

    async undo() {
      const pending = get().saves.filter((s) => s.status !== 'saved' && s.status !== 'failed');
      if (pending.length) {
        get().showFlash('Wait until the last label is saved, then undo', 'warn');
        return;
      }
      const last = get().undoStack[get().undoStack.length - 1];
      if (!last) {
        get().showFlash('Nothing to undo', 'info');
        return;
      }
      try {
        await call('labels.retract', { labelId: last.labelId, annotator: annotator() });
      } catch (e) {
        get().showFlash(`Undo failed: ${(e as Error).message}`, 'error');
        return;
      }
      // The undone label no longer shows as "saved" anywhere.
      set({ undoStack: get().undoStack.slice(0, -1), saves: get().saves.filter((x) => x.labelId !== last.labelId) });
      const i = get().rows.findIndex((r) => r.id === last.sampleId);
      if (i >= 0) get().select(i);
      await fetchDetail(last.sampleId, true);
      refreshCountsSoon();
      get().showFlash(`Undid label ${last.score}`, 'info');
    },
  };
}
