import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { BuiltPrompt } from '../label/prompt.js';
import {
  runCpuTask,
  type ChunkResult,
  type ChunkTask,
  type CpuTask,
  type EmbedTask,
  type PromptTask,
  type MinhashTask,
  type SynthGateTask,
  type ContaminationTask,
  type LshCandidatesTask,
  type LshPrebitsTask,
  type LshHashTask,
  type LshTablesTask,
  type ParquetTask,
} from './cpu-tasks.js';
import type { ContaminationMatch } from '../curate/decontaminate.js';
import type { MinhashSketches } from '../curate/minhash.js';
import type { LaterCandidates } from '../curate/lsh-candidates.js';
import type { GateWork } from '../synth/gates.js';
import type { ScanResult } from '../hygiene/scan-text.js';
import type { TextStats } from '../hygiene/heuristics.js';

/** Items [0, n) cut into one slice per thread (at least 64 items each), run, and joined in order. */
async function perThread<R>(n: number, threads: number, run: (i: number, j: number) => Promise<R[]>): Promise<R[]> {
  const size = Math.max(64, Math.ceil(n / threads));
  const parts: Promise<R[]>[] = [];
  for (let i = 0; i < n; i += size) parts.push(run(i, Math.min(n, i + size)));
  return (await Promise.all(parts)).flat();
}

/**
 * Runs CPU tasks (cpu-tasks.ts) on `workers` threads through tinypool, or inline when
 * `workers` is 1. Callers keep results in submission order (see `inOrder`), so what is stored
 * never depends on the worker count.
 */
export interface CpuPool {
  readonly workers: number;
  chunk(t: Omit<ChunkTask, 'kind'>): Promise<ChunkResult[]>;
  embed(t: Omit<EmbedTask, 'kind'>): Promise<Float32Array>;
  prompts(t: Omit<PromptTask, 'kind'>): Promise<BuiltPrompt[]>;
  minhash(t: Omit<MinhashTask, 'kind'>): Promise<MinhashSketches>;
  /** Exact o200k_base counts of `texts`, in order. */
  count(texts: string[]): Promise<Int32Array>;
  synthGate(t: Omit<SynthGateTask, 'kind'>): Promise<GateWork>;
  /** Decontamination's n-gram and syntax matches of each text, in order. */
  contamination(t: Omit<ContaminationTask, 'kind'>): Promise<ContaminationMatch[][]>;
  /** The secret / PII scan of each text, in order (split across the threads). */
  scan(texts: readonly string[]): Promise<ScanResult[]>;
  /** The text statistics of each text in its language, in order (split across the threads). */
  stats(texts: readonly string[], languages: readonly string[]): Promise<TextStats[]>;
  /** Hashes a share of near-dup vectors into shared buffers (see LshHashTask). */
  lshHash(t: Omit<LshHashTask, 'kind'>): Promise<number>;
  /** Sorts a range of near-dup LSH tables into shared buffers (see LshTablesTask). */
  lshTables(t: Omit<LshTablesTask, 'kind'>): Promise<number>;
  /** Near-dup candidate proposals of an item range (see LshCandidatesTask). */
  lshCandidates(t: Omit<LshCandidatesTask, 'kind'>): Promise<LaterCandidates>;
  /** Near-dup: pool bits of vectors, hashed ahead of the pass (near-dup-stream.ts `startPrehash`). */
  lshPrebits(t: Omit<LshPrebitsTask, 'kind'>): Promise<number>;
  /** Writes one Parquet data file (see ParquetTask); resolves to its row count. */
  parquet(t: Omit<ParquetTask, 'kind'>): Promise<number>;
  close(): Promise<void>;
}

export function defaultWorkers(): number {
  return Math.max(1, availableParallelism());
}

/**
 * Worker entry: the bundled cpu-worker.mjs beside the CLI bundle (never the sources: threads run
 * the main thread's code); else next to this module, `.js` in a build or a tsx bootstrap when run
 * from sources.
 */
function workerEntry(): string | null {
  if (typeof __tbsBundleUrl === 'string') return fileURLToPath(new URL('./cpu-worker.mjs', __tbsBundleUrl));
  for (const name of ['cpu-worker.js', 'cpu-worker-tsx.mjs']) {
    const file = fileURLToPath(new URL(`./${name}`, import.meta.url));
    if (existsSync(file)) return file;
  }
  return null;
}

export async function createCpuPool(workers = defaultWorkers()): Promise<CpuPool> {
  const n = Math.max(1, Math.floor(workers));
  const entry = n > 1 ? workerEntry() : null;
  if (!entry) {
    return {
      workers: 1,
      chunk: (t) => runCpuTask({ kind: 'chunk', ...t }) as Promise<ChunkResult[]>,
      embed: (t) => runCpuTask({ kind: 'embed', ...t }) as Promise<Float32Array>,
      prompts: (t) => runCpuTask({ kind: 'prompts', ...t }) as Promise<BuiltPrompt[]>,
      minhash: (t) => runCpuTask({ kind: 'minhash', ...t }) as Promise<MinhashSketches>,
      count: (texts) => runCpuTask({ kind: 'count', texts }) as Promise<Int32Array>,
      synthGate: (t) => runCpuTask({ kind: 'synth-gate', ...t }) as Promise<GateWork>,
      contamination: (t) => runCpuTask({ kind: 'contamination', ...t }) as Promise<ContaminationMatch[][]>,
      scan: (texts) => runCpuTask({ kind: 'scan', texts: [...texts] }) as Promise<ScanResult[]>,
      stats: (texts, languages) =>
        runCpuTask({ kind: 'stats', texts: [...texts], languages: [...languages] }) as Promise<TextStats[]>,
      lshHash: (t) => runCpuTask({ kind: 'lsh-hash', ...t }) as Promise<number>,
      lshTables: (t) => runCpuTask({ kind: 'lsh-tables', ...t }) as Promise<number>,
      lshCandidates: (t) => runCpuTask({ kind: 'lsh-candidates', ...t }) as Promise<LaterCandidates>,
      lshPrebits: (t) => runCpuTask({ kind: 'lsh-prebits', ...t }) as Promise<number>,
      parquet: (t) => runCpuTask({ kind: 'parquet', ...t }) as Promise<number>,
      close: async () => {},
    };
  }
  const { Tinypool } = await import('tinypool');
  const pool = new Tinypool({
    filename: entry,
    // NOTE: the parent's `--import tsx` is not inherited: the bootstrap loads tsx itself.
    execArgv: [],
    minThreads: n,
    maxThreads: n,
    // Workers keep their parser and embedder warm for the whole command.
    idleTimeout: 60_000,
  });
  return {
    workers: n,
    chunk: (t) => pool.run({ kind: 'chunk', ...t } satisfies CpuTask),
    embed: (t) => pool.run({ kind: 'embed', ...t } satisfies CpuTask),
    prompts: (t) => pool.run({ kind: 'prompts', ...t } satisfies CpuTask),
    minhash: (t) => pool.run({ kind: 'minhash', ...t } satisfies CpuTask),
    count: (texts) => pool.run({ kind: 'count', texts } satisfies CpuTask),
    synthGate: (t) => pool.run({ kind: 'synth-gate', ...t } satisfies CpuTask),
    contamination: (t) => pool.run({ kind: 'contamination', ...t } satisfies CpuTask),
    // NOTE: secretlint costs per call, not per byte (scan-text.ts joins texts), so a batch is
    // cut into one slice per thread, not into many small ones.
    scan: (texts) =>
      perThread<ScanResult>(texts.length, n, (i, j) =>
        pool.run({ kind: 'scan', texts: texts.slice(i, j) } satisfies CpuTask),
      ),
    stats: (texts, languages) =>
      perThread<TextStats>(texts.length, n, (i, j) =>
        pool.run({ kind: 'stats', texts: texts.slice(i, j), languages: languages.slice(i, j) } satisfies CpuTask),
      ),
    lshHash: (t) => pool.run({ kind: 'lsh-hash', ...t } satisfies CpuTask),
    lshTables: (t) => pool.run({ kind: 'lsh-tables', ...t } satisfies CpuTask),
    lshCandidates: (t) => pool.run({ kind: 'lsh-candidates', ...t } satisfies CpuTask),
    lshPrebits: (t) => pool.run({ kind: 'lsh-prebits', ...t } satisfies CpuTask),
    parquet: (t) => pool.run({ kind: 'parquet', ...t } satisfies CpuTask),
    close: () => pool.destroy(),
  };
}

/**
 * Keeps up to `depth` tasks in flight and hands their results back in submission order:
 * `push` waits (returns the oldest result) once the window is full; `drain` yields the rest.
 */
export class InOrder<C, R> {
  private queue: { ctx: C; result: Promise<R> }[] = [];
  constructor(private readonly depth: number) {}

  /** Submits; if the window is full, resolves with the oldest task's context and result. */
  async push(ctx: C, result: Promise<R>): Promise<{ ctx: C; result: R } | null> {
    // An unobserved rejection would crash the process before its turn comes.
    result.catch(() => {});
    this.queue.push({ ctx, result });
    if (this.queue.length <= this.depth) return null;
    return this.shift();
  }

  async *drain(): AsyncGenerator<{ ctx: C; result: R }> {
    while (this.queue.length) yield await this.shift();
  }

  get size(): number {
    return this.queue.length;
  }

  private async shift(): Promise<{ ctx: C; result: R }> {
    const head = this.queue.shift()!;
    return { ctx: head.ctx, result: await head.result };
  }
}
