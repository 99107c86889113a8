import type { HumanOrigin } from '../../shared/enums.js';
import { ERROR_POLICY, errorCodeOf } from '../../shared/errors.js';

/** A label on its way to the engine; kept in localStorage until it is durable. */
export interface SaveRecord {
  key: string;
  dataset: string;
  sampleId: string;
  path: string;
  score: number;
  origin: HumanOrigin;
  note: string | null;
  annotator: string;
  /** Seconds the sample was on screen before the key (per-annotator stats). */
  seconds?: number;
  status: 'saving' | 'retrying' | 'saved' | 'failed';
  labelId?: string;
  error?: string;
  attempts: number;
  nextRetryAt?: number;
  createdAt: number;
}

const keyOf = (dataset: string) => `tbs-outbox:${dataset}`;

export function loadOutbox(dataset: string): SaveRecord[] {
  if (!dataset) return [];
  try {
    const v = JSON.parse(localStorage.getItem(keyOf(dataset)) ?? '[]');
    return Array.isArray(v)
      ? (v as SaveRecord[]).filter((r) => r && typeof r.sampleId === 'string' && typeof r.score === 'number')
      : [];
  } catch {
    return [];
  }
}

export function storeOutbox(dataset: string, unsaved: SaveRecord[]): void {
  if (!dataset) return;
  try {
    const mine = unsaved.filter((r) => r.dataset === dataset && r.status !== 'failed');
    if (mine.length) localStorage.setItem(keyOf(dataset), JSON.stringify(mine));
    else localStorage.removeItem(keyOf(dataset));
  } catch {
    /* storage full or disabled: the on-screen list still shows them */
  }
}

/** Back-off between attempts of one save (ms); the last value repeats. */
export const RETRY_MS = [1000, 2000, 4000, 8000, 15000, 30000];

/**
 * What becomes of a save whose attempt failed: a transient failure (the code table says retry) is
 * tried again after a back-off; a permanent one (unknown sample, a reused requestId, a bug) is
 * marked failed, shown, and never sent again (storeOutbox drops it).
 */
export function afterFailedSend(
  rec: Pick<SaveRecord, 'attempts'>,
  e: unknown,
  now: number,
): Pick<SaveRecord, 'status' | 'error' | 'nextRetryAt'> {
  const err = e as { name?: string; message?: string } | null;
  const code = errorCodeOf(e);
  const message = `${err?.name ?? 'Error'}: ${err?.message ?? String(e)}`;
  if (!ERROR_POLICY[code].retry) return { status: 'failed', error: `${ERROR_POLICY[code].title}: ${message}` };
  const wait = RETRY_MS[Math.min(Math.max(rec.attempts, 1) - 1, RETRY_MS.length - 1)];
  return { status: 'retrying', error: message, nextRetryAt: now + wait };
}
