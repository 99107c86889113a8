import type { DatasetStore } from '../store/dataset-store.js';
import { importsOfSample } from '../ingest/imports.js';

/** One bar of the imports chart: how many samples import `module` (anywhere in the sample). */
export interface ImportCount {
  module: string;
  count: number;
}

/**
 * Per-store cache of each sample's imported modules, keyed by sample id. Filled from the
 * `sample_imports` table once, then kept current by `recordImports` (every writer of samples in
 * this process goes through it), so the Stats view can recount for any selection without a scan.
 */
const caches = new WeakMap<DatasetStore, Map<string, readonly string[]>>();

/** Stores the imports of newly written samples (called by the importer and the generator). */
export async function recordImports(
  store: DatasetStore,
  rows: { sampleId: string; modules: readonly string[] }[],
): Promise<void> {
  if (!rows.length) return;
  const t = await store.table('sample_imports');
  await t.add(rows.map((r) => ({ sample_id: r.sampleId, modules: JSON.stringify(r.modules) })));
  const cache = caches.get(store);
  if (cache) for (const r of rows) cache.set(r.sampleId, r.modules);
}

export interface EnsureImportsResult {
  /** Samples whose imports were computed now (datasets imported before the statistic existed). */
  computed: number;
  cancelled: boolean;
}

/**
 * Loads every sample's imports, computing (from the syntax tree) and storing those a dataset
 * imported before this statistic existed does not have yet. Idempotent and resumable: rows are
 * written in batches, and a second call computes nothing.
 */
export async function ensureImports(
  store: DatasetStore,
  opts: {
    signal?: AbortSignal;
    onProgress?: (done: number, total: number) => void;
    /** Only these samples need their imports (an export's kept set): the rest are left for later. */
    ids?: Iterable<string>;
  } = {},
): Promise<EnsureImportsResult & { byId: Map<string, readonly string[]> }> {
  let cache = caches.get(store);
  if (!cache) {
    cache = new Map();
    const t = await store.table('sample_imports');
    for await (const b of t.query().select(['sample_id', 'modules'])) {
      const id = b.getChild('sample_id')!;
      const mods = b.getChild('modules')!;
      for (let i = 0; i < b.numRows; i++) cache.set(id.get(i), JSON.parse(mods.get(i)) as string[]);
    }
    caches.set(store, cache);
  }
  const idx = store.index;
  const missing: string[] = [];
  if (opts.ids) {
    for (const id of opts.ids) if (!cache.has(id)) missing.push(id);
  } else for (let r = 0; r < idx.size; r++) if (!cache.has(idx.ids[r])) missing.push(idx.ids[r]);
  let computed = 0;
  if (missing.length) {
    const samples = await store.table('samples');
    const want = new Set(missing);
    let pending: { sampleId: string; modules: string[] }[] = [];
    // NOTE: one streaming scan (text + language only) beats 10^5 point lookups by id.
    for await (const b of samples.query().select(['id', 'text', 'language'])) {
      const id = b.getChild('id')!;
      const text = b.getChild('text')!;
      const lang = b.getChild('language')!;
      for (let i = 0; i < b.numRows; i++) {
        const sid = id.get(i) as string;
        if (!want.delete(sid)) continue;
        pending.push({ sampleId: sid, modules: await importsOfSample(text.get(i), lang.get(i)) });
        if (pending.length >= 2000) {
          await recordImports(store, pending);
          computed += pending.length;
          pending = [];
          opts.onProgress?.(computed, missing.length);
        }
      }
      if (opts.signal?.aborted || !want.size) break;
    }
    await recordImports(store, pending);
    computed += pending.length;
    opts.onProgress?.(computed, missing.length);
  }
  return { computed, cancelled: Boolean(opts.signal?.aborted), byId: cache };
}

/**
 * The imports chart's data: for each top-level module, the number of samples (among `ids`, or
 * all) that import it, keeping modules imported by at least `minCount` samples, sorted by count
 * descending, then name.
 */
export function countImports(
  byId: ReadonlyMap<string, readonly string[]>,
  ids: Iterable<string>,
  minCount = 10,
): ImportCount[] {
  const counts = new Map<string, number>();
  for (const id of ids) for (const m of byId.get(id) ?? []) counts.set(m, (counts.get(m) ?? 0) + 1);
  return [...counts]
    .filter(([, n]) => n >= minCount)
    .map(([module, count]) => ({ module, count }))
    .sort((a, b) => b.count - a.count || (a.module < b.module ? -1 : a.module > b.module ? 1 : 0));
}

/**
 * Splits sample ids by their language (from the store's index), so the imports chart can be
 * drawn per language: Python's `os` and Go's `os` are different modules.
 */
export function idsByLanguage(store: DatasetStore, ids: Iterable<string>): Map<string, string[]> {
  const idx = store.index;
  const out = new Map<string, string[]>();
  for (const id of ids) {
    const r = idx.row(id);
    const lang = r === undefined ? 'unknown' : idx.language[r];
    let list = out.get(lang);
    if (!list) out.set(lang, (list = []));
    list.push(id);
  }
  return out;
}
