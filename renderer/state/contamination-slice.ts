import { create } from 'zustand';
import type { AnnotationVerdict } from '../../shared/annotations.js';
import type { ContaminationMatchView } from '../../shared/contract/contamination.js';
import { call } from '../transport/studio-client.js';
import { useApp } from './app-slice.js';
import { useReview } from './review-slice.js';

/** Decontamination review: a sample's stored matches, the one shown, and decisions on them. */
interface ContaminationState {
  matches: Record<string, ContaminationMatchView[]>;
  errors: Record<string, string>;
  /** Index of the match shown per sample. */
  selected: Record<string, number>;
  /** The reviewer's note for the next decision, per sample. */
  notes: Record<string, string>;
  load(id: string, force?: boolean): Promise<void>;
  select(id: string, index: number): void;
  setNote(id: string, text: string): void;
  decide(id: string, verdict: AnnotationVerdict): Promise<void>;
}

export const useContamination = create<ContaminationState>()((set, get) => ({
  matches: {},
  errors: {},
  selected: {},
  notes: {},
  async load(id, force = false) {
    if (!force && get().matches[id]) return;
    try {
      const r = await call('contamination.get', { id });
      set({ matches: { ...get().matches, [id]: r.matches } });
    } catch (e) {
      set({ errors: { ...get().errors, [id]: (e as Error).message } });
    }
  },
  select(id, index) {
    set({ selected: { ...get().selected, [id]: index } });
  },
  setNote(id, text) {
    set({ notes: { ...get().notes, [id]: text } });
  },
  async decide(id, verdict) {
    const list = get().matches[id];
    const m = list?.[get().selected[id] ?? 0];
    const review = useReview.getState();
    if (!m) return review.showFlash('No benchmark match to decide on', 'warn');
    try {
      await call('contamination.decide', {
        id,
        subject: m.subject,
        verdict,
        annotator: useApp.getState().settings?.annotator ?? 'annotator',
        note: get().notes[id]?.trim() || null,
      });
      await get().load(id, true);
      await review.refreshDetail(id);
      review.showFlash(`${verdict === 'confirm' ? 'Confirmed' : 'Overruled'} match with ${m.subject}`, 'info');
    } catch (e) {
      review.showFlash(`Could not record the decision: ${(e as Error).message}`, 'error');
    }
  },
}));
