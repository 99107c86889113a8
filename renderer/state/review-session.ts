/**
 * Review's module-level context: the current dataset key, who is labeling, when each sample was
 * first shown, and the throttled refresh of the server's reviewed count.
 */
import { myName } from './team-slice.js';
import { useApp } from './app-slice.js';

let countsBusy = false;
let countsAgain = false;

export const datasetKey = () => useApp.getState().dataset?.dir ?? '';
export const annotator = myName;
/** When each sample became the current one: a label's `seconds` (per-annotator stats). */
export const shownAt = new Map<string, number>();
export const markShown = (id: string | undefined) => {
  if (id && !shownAt.has(id)) shownAt.set(id, Date.now());
};
/**
 * The server's reviewed count after labels: at once when idle, then at most every COUNTS_MS
 * (each count is a pass over the whole index; at 10^6 samples it competes with the next label).
 */
const COUNTS_MS = 1000;
let countsLast = 0;
export const refreshCountsSoon = () => {
  if (countsBusy) {
    countsAgain = true;
    return;
  }
  const wait = countsLast + COUNTS_MS - Date.now();
  if (wait > 0) {
    countsBusy = true;
    setTimeout(() => {
      countsBusy = false;
      refreshCountsSoon();
    }, wait);
    return;
  }
  countsBusy = true;
  countsLast = Date.now();
  void useApp
    .getState()
    .refreshReviewed()
    .catch(() => {})
    .finally(() => {
      countsBusy = false;
      if (countsAgain) {
        countsAgain = false;
        refreshCountsSoon();
      }
    });
};
