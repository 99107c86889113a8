/**
 * Review's state shape: the fields and actions of the slice, its initial values, paging
 * constants, and the set/get types its action groups are built from.
 */
import type { StoreApi } from 'zustand';
import type { SampleRow } from '../../shared/domain.js';
import type { HumanOrigin } from '../../shared/enums.js';
import type { StudioOutput } from '../../shared/contract/app.js';
import { queueByKind, type QueueDef } from './queue-defs.js';
import type { SaveRecord } from './outbox.js';

export type SampleDetail = StudioOutput<'samples.get'>;
export const PAGE = 200;
export const PRELOAD_AHEAD = 2;

export interface Flash {
  text: string;
  tone: 'info' | 'warn' | 'error';
}

export interface ReviewState {
  queue: QueueDef;
  search: string;
  rows: SampleRow[];
  /** Server count of the queue when it was loaded. */
  total: number | null;
  baseOffset: number;
  exhausted: boolean;
  loading: boolean;
  loadError: string | null;
  cursor: number;
  details: Record<string, SampleDetail>;
  detailErrors: Record<string, string>;
  saves: SaveRecord[];
  /** Durable labels made here, newest last: what `u` undoes. */
  undoStack: { labelId: string; sampleId: string; score: number }[];
  notes: Record<string, string>;
  flash: Flash | null;
  /** Whether the Similar card is open (it stays open from sample to sample). */
  similarOpen: boolean;
  toggleSimilar(): void;

  startQueue(def: QueueDef, opts?: { startOffset?: number; focusId?: string }): Promise<void>;
  reload(): Promise<void>;
  loadMore(): Promise<void>;
  move(delta: number): void;
  select(index: number): void;
  setSearch(text: string): void;
  label(score: number, origin?: HumanOrigin): void;
  acceptLlm(): void;
  undo(): Promise<void>;
  ensureDetail(id: string): void;
  /** Re-reads a sample's row and detail (after a decision changed its flags). */
  refreshDetail(id: string): Promise<void>;
  retry(key: string): void;
  dismiss(key: string): void;
  setNote(sampleId: string, text: string): void;
  showFlash(text: string, tone?: Flash['tone']): void;
  resumeOutbox(): void;
  reset(): void;
}

export type SetReview = StoreApi<ReviewState>['setState'];
export type GetReview = StoreApi<ReviewState>['getState'];

export const initial = () => ({
  queue: queueByKind('needs-review')!,
  search: '',
  rows: [] as SampleRow[],
  total: null,
  baseOffset: 0,
  exhausted: false,
  loading: false,
  loadError: null,
  cursor: 0,
  details: {},
  detailErrors: {},
  saves: [] as SaveRecord[],
  undoStack: [],
  notes: {},
  flash: null,
  similarOpen: false,
});
