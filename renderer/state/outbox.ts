import type { HumanOrigin } from '../../shared/enums.js';

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
