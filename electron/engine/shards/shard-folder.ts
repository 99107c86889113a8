import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as lancedb from '@lancedb/lancedb';
import { CodedError } from '../../../shared/errors.js';
import { shardDir, type ShardCommand, type ShardSpec } from './shard-spec.js';

/**
 * A shard's private output folder inside the dataset (`shards/<command>-<k>-of-<n>/`): a LanceDB
 * database of its own plus `shard.json` (what ran) and `done.json` (written last, atomically).
 * Shards never write the dataset's tables, so they need no writer lock; `tbs merge` folds them.
 */
export interface ShardInfo {
  command: ShardCommand;
  k: number;
  n: number;
  /** Command-specific facts merge needs (embedder id and dims, model id, ...). */
  params: Record<string, unknown>;
  startedAt: string;
  host: string;
  pid: number;
}

export interface ShardFolder {
  dir: string;
  db: lancedb.Connection;
  info: ShardInfo;
  finish(summary: Record<string, unknown>): Promise<void>;
}

/**
 * Starts a shard: removes what an earlier run of the same shard left (so a re-run replaces it).
 * With `resume` (labeling: its output was paid for) an earlier run with the same params is kept
 * for the caller to continue, and one with other params is refused rather than deleted.
 */
export async function startShard(
  datasetDir: string,
  command: ShardCommand,
  spec: ShardSpec,
  params: Record<string, unknown>,
  opts: { resume?: boolean } = {},
): Promise<ShardFolder & { resumed: boolean }> {
  const dir = shardDir(datasetDir, command, spec);
  const before = opts.resume ? await readShard(dir) : null;
  let resumed = false;
  if (before?.info) {
    if (JSON.stringify(before.info.params) !== JSON.stringify(params))
      throw new CodedError(
        'conflict',
        `${dir} holds an unmerged ${command} shard run with other settings (${JSON.stringify(before.info.params)}); re-run it with those settings and \`tbs merge\`, or remove the folder`,
      );
    await rm(join(dir, 'done.json'), { force: true });
    resumed = true;
  } else {
    // NOTE: only this shard's own folder, which only `tbs --shard` creates.
    await rm(dir, { recursive: true, force: true });
  }
  await mkdir(dir, { recursive: true });
  const info: ShardInfo = {
    command,
    k: spec.k,
    n: spec.n,
    params,
    startedAt: new Date().toISOString(),
    host: process.env.SLURMD_NODENAME ?? process.env.HOSTNAME ?? '',
    pid: process.pid,
  };
  await writeJsonAtomic(join(dir, 'shard.json'), info);
  const db = await lancedb.connect(join(dir, 'tables'));
  return {
    dir,
    db,
    info,
    resumed,
    finish: (summary) => writeJsonAtomic(join(dir, 'done.json'), { ...summary, finishedAt: new Date().toISOString() }),
  };
}

export async function readShard(
  dir: string,
): Promise<{ info: ShardInfo | null; done: Record<string, unknown> | null }> {
  const read = async (f: string) =>
    existsSync(join(dir, f)) ? JSON.parse(await readFile(join(dir, f), 'utf8')) : null;
  return { info: await read('shard.json'), done: await read('done.json') };
}

async function writeJsonAtomic(path: string, v: unknown): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(v, null, 2) + '\n');
  await rename(tmp, path);
}
