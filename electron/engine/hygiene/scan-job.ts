import { DatasetStore } from '../store/dataset-store.js';
import { SerialSteps } from '../jobs/serial-steps.js';
import type { CpuPool } from '../workers/cpu-pool.js';
import { detectLicenses, type LicenseFinding } from './license-detect.js';
import { extractFields } from './meta-fields.js';
import { recordLicenses, recordScan, writeFields } from './hygiene-store.js';
import { SCAN_METHOD, scanTexts, type Scanner } from './scan-text.js';
import { recordHeuristics } from './heuristic-values.js';
import type { SensitiveKind } from './spans.js';
import type { FieldValue } from './hygiene-index.js';
import type { TextStats } from './heuristics.js';

export interface HygieneItem {
  id: string;
  text: string;
  metadata: Record<string, unknown>;
  licenseFile?: { path: string; id: string } | null;
  /** Computed already (the import's worker threads), in the sample's language: used as is. */
  stats?: TextStats;
}

/**
 * Scans a batch and records everything hygiene knows about it: secret / PII spans, licenses and
 * the declared metadata fields. Used by the importer after each written batch and by `tbs scan`.
 */
export async function recordHygiene(
  store: DatasetStore,
  items: HygieneItem[],
  opts: {
    scan?: boolean;
    licenses?: boolean;
    fields?: boolean;
    heuristics?: boolean;
    metaFields?: readonly string[];
    /** The secret / PII scan (a worker pool's); inline without. */
    scanner?: Scanner;
  } = {},
): Promise<void> {
  if (!items.length) return;
  if (opts.heuristics ?? true) {
    await recordHeuristics(
      store,
      store.hygiene.heuristics,
      items.map((i) => ({ id: i.id, text: i.text, language: languageOf(store, i.id), stats: i.stats })),
    );
  }
  if (opts.scan ?? true) {
    const results = await (opts.scanner ?? scanTexts)(items.map((i) => i.text));
    await recordScan(
      store.annotations,
      items.map((i, k) => ({ id: i.id, text: i.text, result: results[k] })),
    );
  }
  if (opts.licenses ?? true) {
    const found: { id: string; licenses: LicenseFinding[] }[] = items.map((i) => ({
      id: i.id,
      licenses: detectLicenses(i.text, i.metadata, i.licenseFile ?? null),
    }));
    await recordLicenses(store.annotations, found);
  }
  if (opts.fields ?? true) {
    const rows: { id: string; field: string; value: FieldValue }[] = [];
    for (const i of items)
      for (const [field, value] of extractFields(i.metadata, opts.metaFields)) rows.push({ id: i.id, field, value });
    await writeFields(store, rows);
  }
}

/** The language a sample's statistics are measured in: its index entry's ('' outside the index). */
function languageOf(store: DatasetStore, id: string): string {
  const r = store.index.row(id);
  return r === undefined ? '' : store.index.language[r];
}

export interface ScanSummary {
  /** Samples scanned by this run (secrets, PII, licenses or heuristic statistics filled). */
  scanned: number;
  /** Samples whose current scan already used these rules (not redone). */
  skipped: number;
  /** Dataset totals after the scan. */
  flagged: number;
  by_kind: Record<SensitiveKind, number>;
  cancelled: boolean;
}

const BATCH = 2000;

/**
 * `tbs scan`: every sample without a current scan by these rules is scanned, in batches that are
 * recorded as they finish, so a cancelled or crashed scan continues where it stopped. Samples
 * without a license record get one from their metadata and text, samples without heuristic
 * statistics get them: each fact is filled only where it is missing.
 */
export async function scanDataset(
  store: DatasetStore,
  opts: {
    signal?: AbortSignal;
    onProgress?: (p: { done: number; total: number }) => void;
    /** Samples recorded together (default 2000): the most a cancel or crash can make the next run redo. */
    batch?: number;
    /** Worker threads for the secret / PII scan and the text statistics (inline without). */
    pool?: Pick<CpuPool, 'scan' | 'stats'>;
  } = {},
): Promise<ScanSummary> {
  const batch = opts.batch ?? BATCH;
  const ann = store.annotations;
  const total = store.index.size;
  let done = 0;
  let scanned = 0;
  let skipped = 0;
  let toScan: HygieneItem[] = [];
  let toLicense: HygieneItem[] = [];
  let toStats: HygieneItem[] = [];
  const touched = new Set<string>();
  const record = async (w: {
    toScan: HygieneItem[];
    toLicense: HygieneItem[];
    toStats: HygieneItem[];
    done: number;
  }) => {
    const pool = opts.pool;
    // The pool scans and measures while this thread checks licenses and metadata fields.
    // NOTE: each started inside a promise and observed at once: a step that fails first (even a
    // pool method that throws instead of rejecting) must not leave the other's rejection unobserved.
    const started = <R>(go: () => Promise<R>): Promise<R> => {
      const p = Promise.resolve().then(go);
      p.catch(() => {});
      return p;
    };
    const scans = pool && w.toScan.length ? started(() => pool.scan(w.toScan.map((i) => i.text))) : null;
    const measured =
      pool && w.toStats.length
        ? started(() =>
            pool.stats(
              w.toStats.map((i) => i.text),
              w.toStats.map((i) => languageOf(store, i.id)),
            ),
          )
        : null;
    // A sample never license-checked was imported without hygiene: its metadata fields are missing too.
    await recordHygiene(store, w.toLicense, { scan: false, heuristics: false });
    await recordHygiene(store, w.toScan, {
      licenses: false,
      fields: false,
      heuristics: false,
      scanner: scans ? () => scans : undefined,
    });
    const stats = measured ? await measured : null;
    await recordHygiene(store, stats ? w.toStats.map((i, k) => ({ ...i, stats: stats[k] })) : w.toStats, {
      scan: false,
      licenses: false,
      fields: false,
    });
    opts.onProgress?.({ done: w.done, total });
  };
  // NOTE: a batch is recorded while the next one is read; batches are recorded in reading order,
  // each completely before the next starts, and a failed one stops the scan.
  const recording = new SerialSteps();
  const flush = async () => {
    if (!touched.size && opts.signal?.aborted) return;
    const w = { toScan, toLicense, toStats, done };
    const count = touched.size;
    toScan = [];
    toLicense = [];
    toStats = [];
    touched.clear();
    await recording.push(async () => {
      await record(w);
      scanned += count;
    });
  };
  const samples = await store.table('samples');
  // Whether rows were left unread: a cancel that came as the last batches were recorded is not one.
  let stoppedEarly = false;
  try {
    scan: for await (const b of samples.query().select(['id', 'text', 'metadata'])) {
      const [id, text, meta] = ['id', 'text', 'metadata'].map((n) => b.getChild(n)!);
      for (let i = 0; i < b.numRows; i++) {
        done++;
        const sid = id.get(i) as string;
        const current =
          (ann.checkedBy(sid, 'secret')?.scope ?? null) === SCAN_METHOD &&
          (ann.checkedBy(sid, 'pii')?.scope ?? null) === SCAN_METHOD;
        const needsLicense = ann.checkedBy(sid, 'license') === null;
        const needsStats = !store.hygiene.heuristics.has(sid);
        if (current && !needsLicense && !needsStats) {
          skipped++;
          continue;
        }
        let metadata: Record<string, unknown> = {};
        try {
          metadata = JSON.parse((meta.get(i) as string) || '{}') as Record<string, unknown>;
        } catch {
          /* metadata the importer wrote is JSON; a damaged cell only loses license hints */
        }
        const item = { id: sid, text: text.get(i) as string, metadata };
        touched.add(sid);
        if (!current) toScan.push(item);
        if (needsLicense) toLicense.push(item);
        if (needsStats) toStats.push(item);
        if (touched.size >= batch) {
          await flush();
          if (opts.signal?.aborted) {
            stoppedEarly = true;
            break scan;
          }
        }
      }
      if (opts.signal?.aborted) {
        stoppedEarly = true;
        break;
      }
    }
  } catch (e) {
    // A failed read waits for the batch being recorded: nothing may write after the caller (and
    // the writer lock) has let go of the dataset.
    await recording.settle();
    throw e;
  }
  // NOTE: what was read before a cancel is still recorded: the next run starts after it.
  await flush();
  await recording.finish();
  const t = store.hygiene.totals();
  // A scan appends a run per batch and kind: compacted, so opening does not read hundreds of fragments.
  if (scanned && !store.readOnly) await store.compact(DatasetStore.HYGIENE_TABLES);
  return { scanned, skipped, flagged: t.flagged, by_kind: t.byKind, cancelled: stoppedEarly };
}
