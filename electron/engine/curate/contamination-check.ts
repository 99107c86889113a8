import { createHash } from 'node:crypto';
import { CodedError } from '../../../shared/errors.js';
import type { ContaminationMethod } from '../../../shared/annotations.js';
import { CONTAMINATION_METHODS } from '../../../shared/annotations.js';
import type { Embedder } from '../embed/embedder.js';
import { embeddingTable, readVectors } from '../embed/embedding-store.js';
import { chunkPython } from '../ingest/python-parser.js';
import type { AnnotationInput, AnnotationStore } from '../store/annotation-store.js';
import { DatasetStore } from '../store/dataset-store.js';
import {
  loadBenchmarks,
  type BenchmarkError,
  type BenchmarkFields,
  type BenchmarkItem,
  type LoadedBenchmark,
} from './benchmarks.js';
import { saveStoredBenchmarks } from './stored-benchmarks.js';
import {
  ContaminationMatcher,
  pooledTextMatches,
  type ContaminationMatch,
  type ContaminatedSample,
} from './decontaminate.js';
import type { CpuPool } from '../workers/cpu-pool.js';
import { throwIfAborted } from './hashing.js';
import { SYNTAX_MATCH_DEFAULTS } from './syntax-match.js';
import { SerialSteps } from '../jobs/serial-steps.js';

/**
 * Cosine at or above which a sample is flagged as an embedding match when the user gives none.
 * Calibrated for the offline hash-512 embedder (tests/bench/decontaminate-bench.ts, 4,000 stdlib
 * functions x 1,000 items, 72 planted copies inside stdlib functions): at 0.80 no stdlib function
 * matched a team item (0 %) and 39/72 planted copies did; 0.75 flagged 3 (0.07 %) for 53/72; 0.70
 * flagged 2.1 %. Other embedders have other scales: pass --decontaminate-cosine for them.
 */
export const DEFAULT_DECONTAMINATE_COSINE = 0.8;

export interface ContaminationParams {
  ngram: number;
  /** null = no embedding match. */
  cosine: number | null;
  ast: boolean;
}

export interface CheckOptions extends ContaminationParams {
  /** The samples' embedder (needed when cosine is set). */
  embedder?: Embedder | null;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
  /** Samples per batch (and per recorded run, so an interrupted check resumes where it stopped). */
  batch?: number;
  /** Worker threads for the n-gram and syntax matching (default inline). */
  pool?: CpuPool;
  /**
   * The stored texts of the samples to check, when the caller holds them already (an export):
   * no second read of the samples table. Samples missing from it are read from the table.
   */
  texts?: ReadonlyMap<string, string>;
  /** Where runs are recorded (default: the dataset's); a shard records into its own folder. */
  annotations?: Pick<AnnotationStore, 'checkedBy' | 'recordRun' | 'annotationsOf'>;
}

export interface CheckSummary {
  checked: number;
  /** Samples checked now (the rest already had current flags for this scope). */
  rechecked: number;
  flagged: number;
  by_method: Record<ContaminationMethod, number>;
  errors: BenchmarkError[];
  scope: string;
}

/** What the flags are valid for: the benchmark items' content and the matcher settings. */
export function contaminationScope(items: readonly BenchmarkItem[], p: ContaminationParams, embedderId: string | null) {
  const h = createHash('sha256');
  h.update(
    JSON.stringify({ ngram: p.ngram, cosine: p.cosine, ast: p.ast, embedder: p.cosine === null ? null : embedderId }),
  );
  for (const it of items) h.update(`\u0000${it.benchmark}\u0000${it.itemId}\u0000${it.text}`);
  return h.digest('hex').slice(0, 32);
}

const subjectOf = (m: Pick<ContaminationMatch, 'benchmark' | 'itemId'>) => `${m.benchmark}/${m.itemId}`;

/** A check in progress: samples are added as they come, in batches that run as runs. */
export interface ContaminationCheck {
  readonly scope: string;
  /** Queues samples; resolves once full batches are under way (at most two in flight). */
  add(samples: readonly { id: string; text: string }[]): Promise<void>;
  /** Checks what is queued, waits for every run to be recorded, and compacts the tables. */
  finish(): Promise<void>;
  /** After a failure elsewhere: drops what is queued and waits until no batch is running (errors ignored). */
  abandon(): Promise<void>;
}

/**
 * Starts a check of samples against benchmark items; `add` takes the samples (the caller skips
 * those already checked for `scope`). Each batch of `o.batch` samples is recorded as one run
 * of `contamination` annotations, so an interrupted check resumes after its last whole run.
 */
export async function openContaminationCheck(
  store: DatasetStore,
  items: readonly BenchmarkItem[],
  o: CheckOptions,
  /** After each recorded run: how many samples are recorded so far. */
  onRecorded?: (done: number) => void,
): Promise<ContaminationCheck> {
  const embedderId = o.embedder?.id ?? null;
  if (o.cosine !== null && !o.embedder)
    throw new CodedError('invalid_input', "the embedding match needs the samples' embedder");
  const scope = contaminationScope(items, o, embedderId);
  const ann = o.annotations ?? store.annotations;
  const params = { ngram: o.ngram, cosine: o.cosine, ast: o.ast, embedder: embedderId, items: items.length };
  const ast = o.ast ? SYNTAX_MATCH_DEFAULTS : null;
  const textMatchesOf = pooledTextMatches(o.pool, items, { ngram: o.ngram, ast });
  const matcher = await ContaminationMatcher.create(items, {
    ngram: o.ngram,
    cosine: o.cosine,
    ast,
    textMatchesOf,
    embedText: o.embedder
      ? async (texts) => {
          const inputs = await Promise.all(
            texts.map(async (text) => ({
              text,
              language: 'python',
              astCounts: (await chunkPython(text, 'file'))[0]?.astCounts ?? {},
            })),
          );
          return o.embedder!.embed(inputs, o.signal);
        }
      : undefined,
    signal: o.signal,
  });
  // Stored vectors are reused when this embedder has some; a check never registers an embedder.
  const vecTable =
    o.cosine !== null && o.embedder && store.config.embedders[o.embedder.id]
      ? await embeddingTable(store, o.embedder)
      : null;
  const codeOf = new Map(
    items.map((it) => [subjectOf({ benchmark: it.benchmark, itemId: it.itemId }), it.code || it.text]),
  );
  const batchSize = o.batch ?? 2000;
  let done = 0;
  let batch: { id: string; text: string }[] = [];
  // NOTE: two batches in flight: the pool matches the next batch while this thread records the
  // previous one (a LanceDB write), so the workers do not wait for it. Runs are recorded in
  // batch order, one at a time, so an interrupted check still resumes after its last whole run.
  const recording = new SerialSteps();
  const record = async (cur: { id: string; text: string }[], found: Map<number, ContaminationMatch[]>) => {
    const annotations: AnnotationInput[] = [];
    for (const [pos, matches] of found) {
      for (const m of matches) {
        annotations.push({
          sampleId: cur[pos].id,
          method: m.method,
          subject: subjectOf(m),
          evidence: {
            benchmark: m.benchmark,
            item: m.itemId,
            file: m.file,
            similarity: m.similarity,
            span: m.evidence,
            sampleSpan: m.sampleSpan,
            itemSpan: m.itemSpan,
            // The item's program travels with the match, so review can diff it without the file.
            itemCode: codeOf.get(subjectOf(m)) ?? null,
          },
        });
      }
    }
    throwIfAborted(o.signal);
    await ann.recordRun(
      { kind: 'contamination', scope, params },
      cur.map((b) => b.id),
      annotations,
    );
    done += cur.length;
    onRecorded?.(done);
  };
  const flush = async () => {
    if (!batch.length) return;
    const cur = batch;
    batch = [];
    const found = (async () => {
      const vectors = vecTable ? await readVectors(vecTable, new Set(cur.map((b) => b.id))) : new Map();
      return matcher.match(cur.map((b) => ({ ...b, embedding: vectors.get(b.id) ?? null })));
    })();
    // Awaited by the step; this only keeps a failure from counting as unhandled before then.
    found.catch(() => {});
    await recording.push(async () => record(cur, await found));
  };
  return {
    scope,
    async add(samples) {
      for (const x of samples) {
        throwIfAborted(o.signal);
        batch.push(x);
        if (batch.length >= batchSize) await flush();
      }
    },
    async abandon() {
      batch = [];
      await recording.settle();
    },
    async finish() {
      await flush();
      await recording.finish();
      // A run per batch of 2,000: compacted, so opening does not read a fragment per batch. A shard
      // (its own annotations) and a read-only open leave the dataset's tables alone, and a check
      // that recorded nothing writes nothing.
      if (done > 0 && !o.annotations && !store.readOnly) await store.compact(DatasetStore.HYGIENE_TABLES);
    },
  };
}

/**
 * Checks samples of the store against loaded benchmark items and stores the findings as
 * `contamination` annotations. Samples whose current flags were made for the same scope are not
 * checked again (so a re-run, or an export after `tbs decontaminate`, only checks what changed).
 */
export async function checkStoredSamples(
  store: DatasetStore,
  items: readonly BenchmarkItem[],
  o: CheckOptions,
  only?: ReadonlySet<string>,
): Promise<Omit<CheckSummary, 'errors'>> {
  const embedderId = o.embedder?.id ?? null;
  if (o.cosine !== null && !o.embedder)
    throw new CodedError('invalid_input', "the embedding match needs the samples' embedder");
  const scope = contaminationScope(items, o, embedderId);
  const ann = o.annotations ?? store.annotations;
  const idx = store.index;
  const targets = new Set<string>();
  const inScope: string[] = [];
  for (let r = 0; r < idx.size; r++) {
    const id = idx.ids[r];
    if (only && !only.has(id)) continue;
    inScope.push(id);
    if (ann.checkedBy(id, 'contamination')?.scope !== scope) targets.add(id);
  }
  if (targets.size) {
    const check = await openContaminationCheck(store, items, o, (done) => o.onProgress?.(done, targets.size));
    try {
      const known = o.texts;
      const rest = new Set<string>();
      for (const id of targets) {
        const text = known?.get(id);
        if (text === undefined) rest.add(id);
        else await check.add([{ id, text }]);
      }
      const samples = await store.table('samples');
      for await (const b of rest.size ? samples.query().select(['id', 'text']) : []) {
        throwIfAborted(o.signal);
        const ids = b.getChild('id')!;
        const texts = b.getChild('text')!;
        for (let i = 0; i < b.numRows; i++) {
          const id = ids.get(i) as string;
          if (rest.has(id)) await check.add([{ id, text: texts.get(i) as string }]);
        }
      }
      await check.finish();
    } finally {
      // After a cancel or a failure: no run is still being recorded when this returns.
      await check.abandon();
    }
  }
  const by_method = Object.fromEntries(CONTAMINATION_METHODS.map((m) => [m, 0])) as Record<ContaminationMethod, number>;
  let flagged = 0;
  for (const id of inScope) {
    const list = ann.annotationsOf(id, 'contamination');
    if (!list.length) continue;
    flagged++;
    for (const m of new Set(list.map((a) => a.method as ContaminationMethod))) by_method[m]++;
  }
  return { checked: inScope.length, rechecked: targets.size, flagged, by_method, scope };
}

/** `tbs decontaminate`: loads the benchmarks (failing loud), checks every sample, stores the flags. */
export async function decontaminateStore(
  store: DatasetStore,
  o: CheckOptions & {
    benchmarks: string[];
    fields?: BenchmarkFields;
    allowErrors?: boolean;
    /** Only these samples (a shard's part). */
    only?: ReadonlySet<string>;
  },
): Promise<CheckSummary & { benchmarks: LoadedBenchmark[] }> {
  if (!o.benchmarks.length) throw new CodedError('invalid_input', 'no benchmarks named (--benchmarks F[,F...])');
  const loaded = await loadBenchmarks(o.benchmarks, { fields: o.fields, allowErrors: o.allowErrors });
  const summary = await checkStoredSamples(store, loaded.items, o, o.only);
  // After the check, so a cancelled or failed run leaves the previous set with its flags.
  await saveStoredBenchmarks(store, o.benchmarks, loaded);
  return { ...summary, errors: loaded.errors, benchmarks: loaded.benchmarks };
}

/**
 * The export's view of stored flags for its survivors: which samples to drop (a match nobody
 * overruled) and which were kept only because a reviewer overruled every match.
 */
export function storedContamination(
  store: DatasetStore,
  ids: readonly string[],
): { dropped: Map<string, ContaminatedSample>; overruled: ContaminatedSample[] } {
  const dropped = new Map<string, ContaminatedSample>();
  const overruled: ContaminatedSample[] = [];
  const asMatch = (e: Record<string, unknown>, method: string): ContaminationMatch => ({
    benchmark: String(e.benchmark),
    file: String(e.file ?? ''),
    itemId: String(e.item),
    method: method as ContaminationMethod,
    similarity: (e.similarity as number | null) ?? null,
    evidence: (e.span as string | null) ?? null,
    sampleSpan: (e.sampleSpan as [number, number] | null) ?? null,
    itemSpan: (e.itemSpan as [number, number] | null) ?? null,
  });
  for (const id of ids) {
    const all = store.annotations.annotationsOf(id, 'contamination');
    if (!all.length) continue;
    const active = store.annotations.activeOf(id, 'contamination');
    if (active.length) dropped.set(id, { sampleId: id, matches: active.map((a) => asMatch(a.evidence, a.method)) });
    else overruled.push({ sampleId: id, matches: all.map((a) => asMatch(a.evidence, a.method)) });
  }
  return { dropped, overruled };
}
