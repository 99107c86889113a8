import type { ChunkMode } from '../../../shared/enums.js';
import { useApp } from '../../state/app-slice.js';
import { useBrowse } from '../../state/browse-slice.js';
import { useImport } from '../../state/import-slice.js';
import { useReview } from '../../state/review-slice.js';

/** Starts an import from anywhere, shows it in Datasets, and refreshes the views once it is in. */
export function useStartImport() {
  return async (paths: string[], chunk: ChunkMode) => {
    useApp.getState().setView('datasets');
    // NOTE: Browse and the counts are refreshed before the result shows: otherwise a user who
    // switched to Browse at once saw the count from before the import ("0 samples") until the
    // refresh came (seen in a loaded CI run).
    const r = await useImport.getState().start(paths, chunk, async () => {
      useBrowse.getState().refresh();
      await useApp.getState().refreshCounts();
    });
    if (!r) return;
    const review = useReview.getState();
    void review.startQueue(review.queue);
    if (r.errorCount) void useImport.getState().loadErrors();
  };
}
