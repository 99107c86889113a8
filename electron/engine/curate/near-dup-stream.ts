import { CosineLsh, LshHasher, sketchCutoff, validMembers, type LshHashParams, type LshOptions } from './cosine-lsh.js';
import { prehashRotations, type PrehashedBits } from './lsh-hasher.js';
import {
  GreedyPass,
  lshPlanOf,
  nearDupMode,
  prepareNearDup,
  type NearDupOptions,
  type NearDupResult,
} from './dedup.js';
import { throwIfAborted } from './hashing.js';
import { allocSharedTables, type LaterCandidates, type SharedLshTables } from './lsh-candidates.js';
import { sortByRank, type RankedCandidate } from './select.js';
import { packUnitVectors } from './unit-vectors.js';

/** One share of the LSH hashing, for a worker thread (cpu-tasks.ts `lsh-hash`). */
export interface LshHashShare {
  params: LshHashParams;
  data: Float32Array;
  members: Uint32Array;
  from: number;
  to: number;
  keys: Uint32Array;
  sketch: Uint32Array;
  /** Keys and sketches from pool bits hashed ahead (`startPrehash`) instead of from `data`. */
  pre?: PrehashedBits;
}

/** Pool bits of `rows` packed unit vectors, at rows `outRow..` of `out`, for a worker thread (`lsh-prebits`). */
export interface LshPrebitsShare {
  dim: number;
  seed: number;
  rotations: number;
  data: Float32Array;
  rows: number;
  out: Uint32Array;
  outRow: number;
}

/**
 * The LSH hashing of an export's vectors, started on the threads as soon as the vectors are read
 * (the pool is idle while the main thread does hygiene and exact dedup), before the pass knows its
 * survivors or its tables: each vector's pool bits (`LshHasher.poolBitsFor`), from which the pass
 * derives its keys and sketches. `paused` until `start`; then one task at a time, so work the
 * export gives the pool meanwhile is not queued behind it, until the pass asks for the rest (`finish`).
 */
export interface Prehash {
  dim: number;
  seed: number;
  rotations: number;
  words: number;
  bits: Uint32Array;
  /** Each vector's row in `bits`, by identity (the candidates carry these same arrays). */
  rowOf: Map<Float32Array, number>;
  /** Lets up to `threads` tasks run at once (a paused prehash starts). */
  start(threads: number): void;
  /** Runs the rest on `threads` threads; resolves true once every row is hashed, false if stopped or failed. */
  finish(threads: number): Promise<boolean>;
  /** Stops after the tasks in flight (the export is over, or went another way). */
  stop(): void;
}

export function startPrehash(
  vectors: readonly Float32Array[],
  lsh: LshOptions | undefined,
  run: (t: LshPrebitsShare) => Promise<unknown>,
  o: { chunk?: number; paused?: boolean } = {},
): Prehash | null {
  const chunk = Math.max(1, Math.floor(o.chunk ?? 8192) || 8192);
  const dim = vectors[0]?.length ?? 0;
  if (!dim) return null;
  const rotations = prehashRotations(dim, lsh);
  const { seed, poolWords: words } = LshHasher.forPoolBits(dim, rotations, lsh?.seed);
  const n = vectors.length;
  const bits = new Uint32Array(new SharedArrayBuffer(Math.max(1, n * words) * 4));
  const rowOf = new Map<Float32Array, number>();
  for (let i = 0; i < n; i++) rowOf.set(vectors[i], i);
  let limit = o.paused ? 0 : 1;
  let stopped = false;
  let next = 0;
  let wake: (() => void) | null = null;
  const inflight = new Set<Promise<unknown>>();
  const done = (async () => {
    while (next < n && !stopped) {
      if (inflight.size >= limit) {
        await new Promise<void>((r) => {
          wake = r;
          void Promise.race(inflight).then(
            () => r(),
            () => r(),
          );
        });
        wake = null;
        continue;
      }
      const from = next;
      next = Math.min(n, from + chunk);
      let task: Promise<unknown>;
      try {
        // Packed as the pass packs them (packUnitVectors): the same floats, hence the same bits.
        const data = packUnitVectors(vectors.slice(from, next), dim, true).data;
        task = run({ dim, seed, rotations, data, rows: next - from, out: bits, outRow: from });
      } catch {
        stopped = true;
        break;
      }
      inflight.add(task);
      void task.then(
        () => inflight.delete(task),
        () => {
          inflight.delete(task);
          stopped = true;
        },
      );
    }
    await Promise.allSettled([...inflight]);
    return !stopped && next >= n;
  })();
  done.catch(() => {});
  return {
    dim,
    seed,
    rotations,
    words,
    bits,
    rowOf,
    start: (threads) => {
      limit = Math.max(limit, 1, Math.floor(threads) || 1);
      wake?.();
    },
    finish: (threads) => {
      limit = Math.max(limit, 1, Math.floor(threads) || 1);
      wake?.();
      return done.catch(() => false);
    },
    stop: () => {
      stopped = true;
      wake?.();
    },
  };
}

/** Tables `[tFrom, tTo)` to sort into the shared tables, for a worker thread (`lsh-tables`). */
export interface LshTablesShare {
  out: SharedLshTables;
  members: Uint32Array;
  hashed: Uint32Array;
  tFrom: number;
  tTo: number;
}

/** The proposals of items `[from, to)`, for a worker thread (`lsh-candidates`). */
export interface LshCandidatesShare {
  tables: SharedLshTables;
  removed: Int32Array;
  from: number;
  to: number;
}

/**
 * Worker threads for the LSH pass: the hashing, the table sorts and the candidate proposals run
 * there, on shared buffers; the greedy decisions (exact cosines, in rank order) stay on this
 * thread. `shares` is the number of threads.
 */
export interface NearDupThreads {
  shares: number;
  hash(t: LshHashShare): Promise<unknown>;
  sortTables(t: LshTablesShare): Promise<unknown>;
  candidates(t: LshCandidatesShare): Promise<LaterCandidates>;
  /** The vectors' pool bits, hashed ahead (startPrehash); used when they cover the planned tables. */
  prehash?: Prehash | null;
}

export interface StreamingNearDupOptions extends NearDupOptions {
  onFinal: (kept: RankedCandidate[]) => void;
  /** Items decided between hand-overs without threads (default 4096). */
  step?: number;
  threads?: NearDupThreads;
  /** Items per proposal task on the threads (default 256). */
  block?: number;
}

/**
 * `nearDedupEmbeddings`, handing each survivor to `onFinal` (in rank order, in steps) as soon as
 * its fate is final, and giving the event loop a turn after each step: a later stage on a worker
 * pool (decontamination) starts on them while the pass goes on. With `threads`, the LSH work runs
 * on them (see NearDupThreads). Same result, and the same exact cosines, either way.
 */
export async function nearDedupEmbeddingsStreaming(
  items: readonly RankedCandidate[],
  opts: StreamingNearDupOptions,
): Promise<NearDupResult> {
  const ranked = sortByRank([...items]);
  if (opts.threads && nearDupMode(ranked.length, opts) === 'lsh') return pooledPass(ranked, opts, opts.threads);
  const p = prepareNearDup(items, opts, { ranked, vecs: packUnitVectors(ranked.map((r) => r.candidate.embedding)) });
  if (p.exhaustive) {
    const res = p.finish(p.exhaustive());
    opts.onFinal(res.kept);
    return res;
  }
  const n = p.ranked.length;
  const g = new GreedyPass(n, p.valid, p.forEach!, p.sim, opts.threshold);
  const step = Math.max(1, opts.step ?? 4096);
  while (g.next < n) {
    const from = g.next;
    g.run(Math.min(n, from + step), opts);
    handOver(p.ranked, g.removedBy, from, g.next, opts.onFinal);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  opts.onProgress?.(n, n);
  return p.finish(g);
}

/** Like Promise.all, but only once every task has ended (they write into buffers the caller drops). */
async function settleAll(tasks: Promise<unknown>[]): Promise<void> {
  const ended = await Promise.allSettled(tasks);
  const failed = ended.find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
}

function handOver(
  ranked: readonly RankedCandidate[],
  removedBy: Int32Array,
  from: number,
  to: number,
  onFinal: (kept: RankedCandidate[]) => void,
) {
  const kept: RankedCandidate[] = [];
  for (let i = from; i < to; i++) if (removedBy[i] < 0) kept.push(ranked[i]);
  if (kept.length) onFinal(kept);
}

/**
 * The LSH pass with its CPU work on threads. The vectors, the hashed keys and sketches, the sorted
 * tables and the removals sit in SharedArrayBuffers. Proposal tasks run a few blocks ahead of the
 * decisions, which are taken here in rank order as the blocks come back.
 *
 * NOTE: a thread proposing for block k sees the removals decided up to block k - depth; a removal
 * it has not seen costs a sketch comparison, not a different outcome. Measured on 366k real hash
 * embeddings: proposals with the decisions 1k / 4k / 16k items behind cost 2 / 7 / 29 % more than
 * with none, hence small blocks and a short queue.
 */
async function pooledPass(
  ranked: RankedCandidate[],
  opts: StreamingNearDupOptions,
  on: NearDupThreads,
): Promise<NearDupResult> {
  const vecs = packUnitVectors(
    ranked.map((r) => r.candidate.embedding),
    undefined,
    true,
  );
  const valid = new Uint8Array(new SharedArrayBuffer(Math.max(1, vecs.count)));
  valid.set(vecs.valid);
  vecs.valid = valid;
  const plan = lshPlanOf(vecs, opts);
  const p = prepareNearDup(ranked, opts, { ranked, vecs, plan, proposedElsewhere: true });
  const params = CosineLsh.hashParams(vecs, { ...opts.lsh, bits: plan.bits, tables: plan.tables });
  const members = validMembers(vecs);
  const hasher = new LshHasher(params);
  const m = members.length;
  const n = ranked.length;
  const hashed = new Uint32Array(new SharedArrayBuffer(Math.max(1, m * hasher.tables) * 4));
  const sketch = new Uint32Array(new SharedArrayBuffer(Math.max(1, n * hasher.sketchWords) * 4));
  const threads = Math.max(1, Math.floor(on.shares) || 1);
  const shares = Math.max(1, Math.min(threads * 4, Math.ceil(m / 4096)));
  const size = Math.ceil(m / shares);
  const pre = await prehashedFor(on.prehash, hasher, ranked, members, threads, opts.signal);
  throwIfAborted(opts.signal);
  const hashing: Promise<unknown>[] = [];
  for (let from = 0; from < m; from += size)
    hashing.push(
      on.hash({ params, data: vecs.data, members, from, to: Math.min(m, from + size), keys: hashed, sketch, pre }),
    );
  await settleAll(hashing);
  throwIfAborted(opts.signal);

  const tables = allocSharedTables({
    tables: hasher.tables,
    n,
    m,
    sketchWords: hasher.sketchWords,
    cutoff: sketchCutoff(opts.threshold, hasher.sketchWords * 32),
    sketch,
    valid,
  });
  const perTask = Math.max(1, Math.ceil(hasher.tables / (threads * 2)));
  const sorting: Promise<unknown>[] = [];
  for (let t = 0; t < hasher.tables; t += perTask)
    sorting.push(on.sortTables({ out: tables, members, hashed, tFrom: t, tTo: Math.min(hasher.tables, t + perTask) }));
  await settleAll(sorting);
  throwIfAborted(opts.signal);

  const removedBy = new Int32Array(new SharedArrayBuffer(Math.max(1, n) * 4)).fill(-1);
  const similarity = new Float64Array(n);
  let comparisons = 0;
  const block = Math.max(1, Math.floor(opts.block ?? 256) || 256);
  const depth = threads * 4;
  const inflight: Promise<LaterCandidates>[] = [];
  let submitted = 0;
  const submit = () => {
    while (inflight.length < depth && submitted < n) {
      const from = submitted;
      submitted = Math.min(n, from + block);
      const task = on.candidates({ tables, removed: removedBy, from, to: submitted });
      // Observed in order below; a pass that stops early must not leave an unhandled rejection.
      task.catch(() => {});
      inflight.push(task);
    }
  };
  try {
    for (let from = 0; from < n;) {
      submit();
      const { offsets, cands } = await inflight.shift()!;
      throwIfAborted(opts.signal);
      const to = from + offsets.length - 1;
      for (let i = from; i < to; i++) {
        if (!valid[i] || removedBy[i] >= 0) continue;
        for (let k = offsets[i - from]; k < offsets[i - from + 1]; k++) {
          const j = cands[k];
          if (removedBy[j] >= 0) continue;
          comparisons++;
          const s = p.sim(i, j);
          if (s >= opts.threshold) {
            removedBy[j] = i;
            similarity[j] = s;
          }
        }
      }
      handOver(ranked, removedBy, from, to, opts.onFinal);
      // As often as the inline pass reports (every 1,024 items), not once per block.
      if (to >> 10 !== from >> 10) opts.onProgress?.(to, n);
      from = to;
    }
  } finally {
    // Tasks still queued read these buffers; let them end before the caller moves on.
    await Promise.allSettled(inflight.splice(0));
  }
  opts.onProgress?.(n, n);
  return p.finish({ removedBy, similarity, comparisons });
}

/**
 * The prehashed bits for this pass's members, or undefined (hash from the vectors) when there are
 * none, they do not cover the planned hasher (another dim or seed, fewer rotations), the prehash
 * stopped or failed, or a member's vector was not among those hashed.
 */
async function prehashedFor(
  p: Prehash | null | undefined,
  hasher: LshHasher,
  ranked: readonly RankedCandidate[],
  members: Uint32Array,
  threads: number,
  signal: AbortSignal | undefined,
): Promise<PrehashedBits | undefined> {
  if (!p) return undefined;
  // Checked before waiting: a prehash this pass cannot use stops at once (it would hold a thread).
  const rowOf = new Uint32Array(new SharedArrayBuffer(Math.max(1, members.length) * 4));
  let usable = hasher.coveredBy(p);
  for (let k = 0; k < members.length && usable; k++) {
    const v = ranked[members[k]].candidate.embedding;
    const row = v ? p.rowOf.get(v) : undefined;
    if (row === undefined) usable = false;
    else rowOf[k] = row;
  }
  if (!usable) {
    p.stop();
    return undefined;
  }
  // A cancel stops the hashing (after the tasks in flight) instead of waiting for all of it.
  const onAbort = () => p.stop();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    if (signal?.aborted) p.stop();
    return (await p.finish(threads)) ? { bits: p.bits, words: p.words, rowOf } : undefined;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}
