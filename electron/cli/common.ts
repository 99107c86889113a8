import { setMaxListeners } from 'node:events';
import type { Command } from 'commander';
import { CommanderError, Option } from 'commander';
import { createCpuPool, defaultWorkers, type CpuPool } from '../engine/workers/cpu-pool.js';
import { Engine } from '../engine/engine.js';
import { DatasetBusyError } from '../engine/store/writer-lock.js';
import type { ProgressMode } from './progress.js';

/** Helpers every `tbs` command shares. */
export interface GlobalOpts {
  db: string;
  json?: boolean;
  progress?: ProgressMode;
}

export function globals(cmd: Command): GlobalOpts {
  return cmd.optsWithGlobals() as GlobalOpts;
}

/**
 * Opens the engine, wires Ctrl-C to an AbortSignal (twice = exit now), runs, closes.
 * `access`: 'write' takes the dataset's writer lock (refused while another process holds it),
 * 'read' takes none and writes nothing, 'prefer-write' writes when the dataset is free and
 * otherwise reads.
 */
export async function withEngine<T>(
  cmd: Command,
  fn: (engine: Engine, signal: AbortSignal) => Promise<T>,
  opts: { create?: boolean; access?: 'write' | 'read' | 'prefer-write' } = {},
): Promise<T> {
  const g = globals(cmd);
  const access = opts.access ?? 'write';
  const holder = `tbs ${cmd.name()}`;
  const open = (mode: 'write' | 'read') => Engine.open({ dir: g.db, create: opts.create ?? false, mode, holder });
  let engine: Engine;
  if (access === 'prefer-write') {
    try {
      engine = await open('write');
    } catch (e) {
      if (!(e instanceof DatasetBusyError)) throw e;
      engine = await open('read');
    }
  } else engine = await open(access);
  const ctl = new AbortController();
  // NOTE: every in-flight call of a command (up to --concurrency) listens on this one signal.
  setMaxListeners(0, ctl.signal);
  const onSig = () => {
    if (ctl.signal.aborted) process.exit(130);
    process.stderr.write('\ncancelling: finishing the current batch (Ctrl-C again to quit now)\n');
    ctl.abort();
  };
  process.on('SIGINT', onSig);
  process.on('SIGTERM', onSig);
  try {
    return await fn(engine, ctl.signal);
  } finally {
    process.off('SIGINT', onSig);
    process.off('SIGTERM', onSig);
    await engine.close();
  }
}

export function printJson(v: unknown) {
  process.stdout.write(JSON.stringify(v) + '\n');
}

export function parsePositiveInt(v: string, flag: string, allowZero = false): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < (allowZero ? 0 : 1))
    throw new CommanderError(
      2,
      'tbs.usage',
      `${flag} expects a ${allowZero ? 'non-negative' : 'positive'} integer, got ${JSON.stringify(v)}`,
    );
  return n;
}

/** `--workers N`: CPU threads for parsing, embedding and scoring (default: every core). */
export function workersOption(): Option {
  return new Option('--workers <n>', 'worker threads for the CPU-heavy steps (1 = inline)')
    .argParser((v) => parsePositiveInt(v, '--workers'))
    .default(defaultWorkers(), 'number of cores');
}

/** A pool for one command, closed by `await using` when the command ends (also on error). */
export async function openPool(workers: number): Promise<{ pool: CpuPool; [Symbol.asyncDispose](): Promise<void> }> {
  const pool = await createCpuPool(workers);
  return { pool, [Symbol.asyncDispose]: () => pool.close() };
}
