import { create } from 'zustand';
import type { SampleRow } from '../../shared/domain.js';
import type { HumanOrigin } from '../../shared/enums.js';
import type { StudioOutput } from '../../shared/contract/app.js';
import { call } from '../transport/studio-client.js';
import { andWhere, queueByKind, type QueueDef } from './queue-defs.js';
import { myName } from './team-slice.js';
import { useApp } from './app-slice.js';
import { afterFailedSend, loadOutbox, storeOutbox, type SaveRecord } from './outbox.js';

/**
 * Review: the queue, the cursor, preloaded samples, and every label save until it is durable.
 * A save shows as saved only when labels.addHuman resolved (the engine fsync'd its journal); a
 * failed save stays visible and is retried with backoff, also across reloads (the outbox).
 */
export type SampleDetail = StudioOutput<'samples.get'>;
const PAGE = 200;
const PRELOAD_AHEAD = 2;

export interface Flash {
  text: string;
  tone: 'info' | 'warn' | 'error';
}

interface ReviewState {
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
  retry(key: string): void;
  dismiss(key: string): void;
  setNote(sampleId: string, text: string): void;
  showFlash(text: string, tone?: Flash['tone']): void;
  resumeOutbox(): void;
  reset(): void;
}

const timers = new Map<string, ReturnType<typeof setTimeout>>();
let flashTimer: ReturnType<typeof setTimeout> | undefined;
let countsBusy = false;
let countsAgain = false;
let loadSeq = 0;

const datasetKey = () => useApp.getState().dataset?.dir ?? '';
const annotator = myName;
/** When each sample became the current one: a label's `seconds` (per-annotator stats). */
const shownAt = new Map<string, number>();
const markShown = (id: string | undefined) => {
  if (id && !shownAt.has(id)) shownAt.set(id, Date.now());
};
/**
 * The server's reviewed count after labels: at once when idle, then at most every COUNTS_MS
 * (each count is a pass over the whole index; at 10^6 samples it competes with the next label).
 */
const COUNTS_MS = 1000;
let countsLast = 0;
const refreshCountsSoon = () => {
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

const initial = () => ({
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

export const useReview = create<ReviewState>()((set, get) => {
  const persistOutbox = () =>
    storeOutbox(
      datasetKey(),
      get().saves.filter((s) => s.status !== 'saved'),
    );
  const patchSave = (key: string, patch: Partial<SaveRecord>) => {
    set({ saves: get().saves.map((s) => (s.key === key ? { ...s, ...patch } : s)) });
    persistOutbox();
  };

  const fetchDetail = async (id: string, force = false) => {
    if (!force && (get().details[id] || get().detailErrors[id] === 'loading')) return;
    set({ detailErrors: { ...get().detailErrors, [id]: 'loading' } });
    try {
      const d = await call('samples.get', { id });
      const { [id]: _drop, ...restErr } = get().detailErrors;
      set({
        details: { ...get().details, [id]: d },
        detailErrors: restErr,
        rows: get().rows.map((r) => (r.id === id ? d.row : r)),
      });
    } catch (e) {
      set({ detailErrors: { ...get().detailErrors, [id]: (e as Error).message } });
    }
  };

  const preload = () => {
    const { rows, cursor, exhausted, loading } = get();
    for (let i = cursor; i <= cursor + PRELOAD_AHEAD && i < rows.length; i++) void fetchDetail(rows[i].id);
    if (!exhausted && !loading && cursor >= rows.length - 20) void get().loadMore();
  };

  const send = async (key: string) => {
    const rec = get().saves.find((s) => s.key === key);
    if (!rec || rec.status === 'saved') return;
    patchSave(key, { status: rec.attempts > 0 ? 'retrying' : 'saving', attempts: rec.attempts + 1 });
    try {
      const label = await call('labels.addHuman', {
        sampleId: rec.sampleId,
        score: rec.score,
        annotator: rec.annotator,
        origin: rec.origin,
        note: rec.note,
        requestId: rec.key,
        seconds: rec.seconds,
      });
      patchSave(key, { status: 'saved', labelId: label.labelId, error: undefined });
      set({
        undoStack: [...get().undoStack, { labelId: label.labelId, sampleId: rec.sampleId, score: rec.score }].slice(
          -200,
        ),
      });
      // The engine returned the durable record: fold it into the cached sample instead of asking again.
      const d = get().details[rec.sampleId];
      if (d) {
        const row = {
          ...d.row,
          human_score: label.score,
          disagreement:
            d.row.llm_score === null || label.score === null ? null : Math.abs(d.row.llm_score - label.score),
        };
        set({
          details: { ...get().details, [rec.sampleId]: { ...d, row, labels: [...d.labels, label] } },
          rows: get().rows.map((r) => (r.id === rec.sampleId ? row : r)),
        });
      }
      // Blind mode lifts once I have labeled: fetch what the server now shows me.
      if (get().queue.kind === 'assigned') void fetchDetail(rec.sampleId, true);
      refreshCountsSoon();
      // Saved records only matter for their badge; keep the list short.
      set({
        saves: get()
          .saves.filter((s) => s.status !== 'saved' || s.key === key || Date.now() - s.createdAt < 60_000)
          .slice(-100),
      });
    } catch (e) {
      const attempts = get().saves.find((s) => s.key === key)?.attempts ?? 1;
      const next = afterFailedSend({ attempts }, e, Date.now());
      patchSave(key, next);
      if (next.status === 'failed') {
        get().showFlash(`Label not saved: ${next.error}`, 'error');
        return;
      }
      clearTimeout(timers.get(key));
      timers.set(
        key,
        setTimeout(
          () => {
            timers.delete(key);
            void send(key);
          },
          (next.nextRetryAt ?? Date.now()) - Date.now(),
        ),
      );
    }
  };

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
    ...initial(),

    async startQueue(def, opts = {}) {
      const seq = ++loadSeq;
      set({
        queue: def,
        rows: [],
        total: null,
        baseOffset: 0,
        exhausted: false,
        loading: true,
        loadError: null,
        cursor: 0,
      });
      try {
        const text = get().search.trim() || undefined;
        let rows: SampleRow[];
        let total: number;
        let baseOffset = 0;
        let exhausted: boolean;
        if (def.kind === 'assigned' || def.kind === 'disagreements') {
          rows = await call('team.queue', { kind: def.kind, annotator: annotator(), limit: 5000 });
          total = rows.length;
          exhausted = true;
        } else if (def.paging === 'static') {
          rows = await call('queue.get', { kind: def.kind as 'uncertainty' | 'diversity', limit: 1000 });
          total = rows.length;
          exhausted = true;
        } else if (def.paging === 'offset') {
          baseOffset = Math.max(0, (opts.startOffset ?? 0) - 20);
          const r = await call('samples.list', {
            ...def.query,
            text: def.query.text ?? text,
            offset: baseOffset,
            limit: PAGE,
          });
          rows = r.rows;
          total = r.total;
          exhausted = baseOffset + r.rows.length >= r.total;
        } else {
          const r = await call('samples.list', { ...def.query, text, sort: 'id', desc: false, offset: 0, limit: PAGE });
          rows = r.rows;
          total = r.total;
          exhausted = r.rows.length >= r.total;
        }
        if (seq !== loadSeq) return;
        let cursor = opts.startOffset !== undefined ? opts.startOffset - baseOffset : 0;
        if (opts.focusId) {
          const i = rows.findIndex((r) => r.id === opts.focusId);
          if (i >= 0) cursor = i;
        }
        set({ rows, total, baseOffset, exhausted, loading: false, cursor: Math.max(0, Math.min(cursor, rows.length)) });
        markShown(rows[get().cursor]?.id);
        preload();
      } catch (e) {
        if (seq === loadSeq) set({ loading: false, loadError: (e as Error).message });
      }
    },

    async reload() {
      await get().startQueue(get().queue, { focusId: get().rows[get().cursor]?.id });
    },

    async loadMore() {
      const { queue, rows, exhausted, loading, baseOffset, total } = get();
      // The first page is startQueue's job (it also places the cursor).
      if (exhausted || loading || total === null || queue.paging === 'static') return;
      const seq = loadSeq;
      set({ loading: true });
      try {
        const text = get().search.trim() || undefined;
        let page: SampleRow[];
        let done: boolean;
        if (queue.paging === 'offset') {
          const r = await call('samples.list', { ...queue.query, offset: baseOffset + rows.length, limit: PAGE });
          page = r.rows;
          done = baseOffset + rows.length + r.rows.length >= r.total;
        } else {
          const last = rows[rows.length - 1]?.id;
          const where = andWhere(queue.query.where, last ? `id > '${last}'` : null);
          const r = await call('samples.list', {
            ...queue.query,
            where,
            text,
            sort: 'id',
            desc: false,
            offset: 0,
            limit: PAGE,
          });
          page = r.rows;
          done = r.rows.length >= r.total;
        }
        if (seq !== loadSeq) return;
        const seen = new Set(get().rows.map((r) => r.id));
        set({ rows: [...get().rows, ...page.filter((r) => !seen.has(r.id))], exhausted: done, loading: false });
        preload();
      } catch (e) {
        if (seq === loadSeq) set({ loading: false, loadError: (e as Error).message });
      }
    },

    move(delta) {
      get().select(get().cursor + delta);
    },

    select(index) {
      const max = get().rows.length; // == rows.length: the "end of queue" position
      const cursor = Math.max(0, Math.min(max, index));
      if (cursor === get().cursor) return;
      set({ cursor });
      markShown(get().rows[cursor]?.id);
      preload();
    },

    setSearch(text) {
      set({ search: text });
      void get().startQueue(get().queue);
    },

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

    ensureDetail(id) {
      void fetchDetail(id);
    },

    toggleSimilar() {
      set({ similarOpen: !get().similarOpen });
    },

    retry(key) {
      clearTimeout(timers.get(key));
      timers.delete(key);
      void send(key);
    },

    dismiss(key) {
      clearTimeout(timers.get(key));
      timers.delete(key);
      set({ saves: get().saves.filter((s) => s.key !== key) });
      persistOutbox();
    },

    setNote(sampleId, text) {
      set({ notes: { ...get().notes, [sampleId]: text } });
    },

    showFlash(text, tone = 'info') {
      clearTimeout(flashTimer);
      set({ flash: { text, tone } });
      flashTimer = setTimeout(() => set({ flash: null }), 2600);
    },

    resumeOutbox() {
      const pending = loadOutbox(datasetKey());
      if (!pending.length) return;
      const known = new Set(get().saves.map((s) => s.key));
      const fresh = pending.filter((p) => !known.has(p.key)).map((p) => ({ ...p, status: 'retrying' as const }));
      set({ saves: [...get().saves, ...fresh] });
      for (const p of fresh) void send(p.key);
    },

    reset() {
      for (const t of timers.values()) clearTimeout(t);
      timers.clear();
      loadSeq++;
      set({ ...initial(), queue: get().queue, similarOpen: get().similarOpen });
    },
  };
});

export const currentRow = (s: { rows: SampleRow[]; cursor: number }) => s.rows[s.cursor] ?? null;
