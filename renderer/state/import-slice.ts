import { create } from 'zustand';
import type { StudioOutput } from '../../shared/contract/app.js';
import type { StoredImportError } from '../../shared/contract/app.js';
import type { ChunkMode } from '../../shared/enums.js';
import { call } from '../transport/studio-client.js';

/** One import at a time from this window: its progress (job-progress events), result and errors. */
export type ImportResult = StudioOutput<'samples.import'>;

interface ImportState {
  running: boolean;
  jobId: string | null;
  done: number;
  total: number;
  /** How many progress events arrived for the running import (shown for diagnosis). */
  progressEvents: number;
  cancelling: boolean;
  /** The import is done; the other views are being refreshed before its result shows. */
  finishing: boolean;
  result: ImportResult | null;
  error: string | null;
  errors: StoredImportError[];
  errorsTotal: number;
  /**
   * Runs the import; `beforeResult` (the other views catching up) runs before the result shows, so
   * a user who reads "Imported N samples" and switches view never sees the counts from before.
   */
  start(paths: string[], chunk: ChunkMode, beforeResult?: () => Promise<void>): Promise<ImportResult | null>;
  onProgress(p: { jobId: string; kind: string; done: number; total: number }): void;
  cancel(): Promise<void>;
  loadErrors(offset?: number): Promise<void>;
  clear(): void;
}

export const useImport = create<ImportState>()((set, get) => ({
  running: false,
  jobId: null,
  done: 0,
  total: 0,
  progressEvents: 0,
  cancelling: false,
  finishing: false,
  result: null,
  error: null,
  errors: [],
  errorsTotal: 0,

  async start(paths, chunk, beforeResult) {
    set({
      running: true,
      jobId: null,
      done: 0,
      total: 0,
      progressEvents: 0,
      cancelling: false,
      finishing: false,
      result: null,
      error: null,
    });
    try {
      const result = await call('samples.import', { paths, chunk });
      set({ finishing: true, done: get().total || 1, total: get().total || 1 });
      // NOTE: a failure to refresh the other views must not hide the import's own result.
      await beforeResult?.().catch(() => {});
      set({ running: false, finishing: false, result, jobId: result.jobId });
      return result;
    } catch (e) {
      // A failed import may have stored part of its input: the views catch up all the same.
      set({ finishing: true });
      await beforeResult?.().catch(() => {});
      set({ running: false, finishing: false, error: (e as Error).message });
      return null;
    }
  },

  onProgress(p) {
    if (!get().running || p.kind !== 'import') return;
    if (get().jobId && get().jobId !== p.jobId) return;
    set({ jobId: p.jobId, done: p.done, total: p.total, progressEvents: get().progressEvents + 1 });
  },

  async cancel() {
    const id = get().jobId;
    if (!id) return;
    set({ cancelling: true });
    await call('jobs.cancel', { jobId: id }).catch(() => {});
  },

  async loadErrors(offset = 0) {
    const r = await call('samples.importErrors', { offset, limit: 500 });
    set({ errors: r.errors, errorsTotal: r.total });
  },

  clear() {
    set({ result: null, error: null });
  },
}));
