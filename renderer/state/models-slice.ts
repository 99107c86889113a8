import { create } from 'zustand';
import type { ModelSummary } from '../../shared/contract/pipeline.js';
import { call } from '../transport/studio-client.js';
import { useApp } from './app-slice.js';

/** Trained classifiers (model.list) — the active one's threshold is what probabilities are read against. */
interface ModelsState {
  models: ModelSummary[];
  loaded: boolean;
  error: string | null;
  load(): Promise<void>;
}

export const useModels = create<ModelsState>()((set) => ({
  models: [],
  loaded: false,
  error: null,
  async load() {
    if (!useApp.getState().has('model.list') || !useApp.getState().dataset) {
      set({ loaded: true });
      return;
    }
    try {
      set({ models: await call('model.list', {}), loaded: true, error: null });
    } catch (e) {
      set({ error: (e as Error).message, loaded: true });
    }
  },
}));

export const activeModel = (models: ModelSummary[]) => models.find((m) => m.active) ?? null;
