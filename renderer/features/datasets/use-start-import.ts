import type { ChunkMode } from '../../../shared/enums.js';
import { useApp } from '../../state/app-slice.js';
import { useBrowse } from '../../state/browse-slice.js';
import { useImport } from '../../state/import-slice.js';
import { useReview } from '../../state/review-slice.js';

/** Starts an import from anywhere, shows it in Datasets, and refreshes the views once it is in. */
export function useStartImport() {
  return async (paths: string[], chunk: ChunkMode) => {
    useApp.getState().setView('datasets');
    const r = await useImport.getState().start(paths, chunk);
    if (!r) return;
    await useApp.getState().refreshCounts();
    useBrowse.getState().refresh();
    const review = useReview.getState();
    void review.startQueue(review.queue);
    if (r.errorCount) void useImport.getState().loadErrors();
  };
}
