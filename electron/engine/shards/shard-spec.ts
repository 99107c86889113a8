import { join } from 'node:path';
import { CodedError } from '../../../shared/errors.js';

/**
 * How work splits across shards (Slurm array tasks): an import by its input list (contiguous
 * blocks, so folding shards 0..N-1 in order reproduces a single run's row order), everything else
 * by sample-id hash. Shards are numbered from 0, like SLURM_ARRAY_TASK_ID in `--array=0-(N-1)`.
 */
export interface ShardSpec {
  k: number;
  n: number;
}

export const SHARD_COMMANDS = ['import', 'embed', 'score', 'label', 'decontaminate'] as const;
export type ShardCommand = (typeof SHARD_COMMANDS)[number];

export function parseShard(s: string): ShardSpec {
  const m = /^(\d+)\/(\d+)$/.exec(s.trim());
  const k = m ? Number(m[1]) : NaN;
  const n = m ? Number(m[2]) : NaN;
  if (!m || n < 1 || k >= n)
    throw new CodedError('invalid_input', `--shard expects K/N with 0 <= K < N (e.g. 0/4), got ${JSON.stringify(s)}`);
  return { k, n };
}

/** Sample ids are hex sha256 prefixes, so their first 32 bits are uniform. */
export function shardOfId(id: string, n: number): number {
  return parseInt(id.slice(0, 8), 16) % n;
}

/** The contiguous block of `list` that shard k of n takes (sizes differ by at most one). */
export function sliceForShard<T>(list: T[], s: ShardSpec): T[] {
  return list.slice(Math.floor((s.k * list.length) / s.n), Math.floor(((s.k + 1) * list.length) / s.n));
}

export const SHARDS_DIR = 'shards';
const NAME = new RegExp(`^(${SHARD_COMMANDS.join('|')})-(\\d+)-of-(\\d+)$`);

export function shardDirName(command: ShardCommand, s: ShardSpec): string {
  return `${command}-${s.k}-of-${s.n}`;
}

export function shardDir(datasetDir: string, command: ShardCommand, s: ShardSpec): string {
  return join(datasetDir, SHARDS_DIR, shardDirName(command, s));
}

export function parseShardDirName(name: string): ({ command: ShardCommand } & ShardSpec) | null {
  const m = NAME.exec(name);
  if (!m) return null;
  const k = Number(m[2]);
  const n = Number(m[3]);
  return k < n ? { command: m[1] as ShardCommand, k, n } : null;
}
