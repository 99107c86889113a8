import { execFile } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { CodedError } from '../../../shared/errors.js';
import { readShard } from './shard-folder.js';
import { shardDir, SHARDS_DIR, type ShardCommand } from './shard-spec.js';

const run = promisify(execFile);

/**
 * `tbs slurm`: one sbatch job array (task i runs `tbs <command> --shard i/N`) plus a merge job
 * that depends on it (afterok), the way datatrove runs pipelines. Shards write only their own
 * folders under <db>/shards/, which must be on a filesystem every node sees.
 */
export interface SlurmPlan {
  command: ShardCommand;
  db: string;
  shards: number;
  /** Extra arguments for the command (after `--` on the CLI). */
  args: string[];
  partition?: string;
  time?: string;
  cpusPerTask?: number;
  /** Array indices to run (re-running failed shards); default all. */
  indices?: number[];
  /** How a node starts tbs: [executable, ...leading args]. */
  tbs: string[];
  cwd: string;
}

/** Commands with a CPU worker pool (`--workers`); label is network-bound, decontaminate runs inline. */
const WORKER_COMMANDS: readonly ShardCommand[] = ['import', 'embed', 'score'];

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export function slurmDir(db: string): string {
  return join(resolve(db), SHARDS_DIR, 'slurm');
}

export function arrayScript(p: SlurmPlan): string {
  const db = resolve(p.db);
  const logs = slurmDir(db);
  const idx = p.indices?.length ? p.indices.join(',') : `0-${p.shards - 1}`;
  return [
    '#!/bin/bash',
    `#SBATCH --job-name=tbs-${p.command}`,
    `#SBATCH --array=${idx}`,
    `#SBATCH --output=${logs}/${p.command}-%a.out`,
    `#SBATCH --chdir=${p.cwd}`,
    ...(p.partition ? [`#SBATCH --partition=${p.partition}`] : []),
    ...(p.time ? [`#SBATCH --time=${p.time}`] : []),
    ...(p.cpusPerTask ? [`#SBATCH --cpus-per-task=${p.cpusPerTask}`] : []),
    '# Each task writes only <db>/shards/<command>-<task>-of-<N>/; the merge job folds them in.',
    `exec ${p.tbs.map(q).join(' ')} --db ${q(db)} --progress none ${p.command} --shard "$SLURM_ARRAY_TASK_ID/${p.shards}"${WORKER_COMMANDS.includes(p.command) ? ' --workers "${SLURM_CPUS_PER_TASK:-1}"' : ''} ${p.args.map(q).join(' ')}`,
    '',
  ].join('\n');
}

export function mergeScript(p: SlurmPlan): string {
  const db = resolve(p.db);
  const logs = slurmDir(db);
  return [
    '#!/bin/bash',
    `#SBATCH --job-name=tbs-merge`,
    `#SBATCH --output=${logs}/merge-${p.command}.out`,
    `#SBATCH --chdir=${p.cwd}`,
    ...(p.partition ? [`#SBATCH --partition=${p.partition}`] : []),
    ...(p.time ? [`#SBATCH --time=${p.time}`] : []),
    `exec ${p.tbs.map(q).join(' ')} --db ${q(db)} --json merge > ${q(join(logs, `merge-${p.command}.json`))}`,
    '',
  ].join('\n');
}

export interface SlurmSubmission {
  job_id: string;
  merge_job_id: string;
  scripts: { array: string; merge: string };
}

async function sbatch(args: string[]): Promise<string> {
  try {
    const { stdout } = await run('sbatch', ['--parsable', ...args]);
    return stdout.trim().split(';')[0];
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: string };
    if (err.code === 'ENOENT') throw new CodedError('unavailable', 'sbatch not found: is this a Slurm login node?');
    throw new CodedError('unavailable', `sbatch failed: ${(err.stderr || err.message).trim()}`);
  }
}

export async function submit(p: SlurmPlan): Promise<SlurmSubmission> {
  const dir = slurmDir(p.db);
  await mkdir(dir, { recursive: true });
  const array = join(dir, `${p.command}-array.sbatch`);
  const merge = join(dir, `${p.command}-merge.sbatch`);
  await writeFile(array, arrayScript(p), { mode: 0o755 });
  await writeFile(merge, mergeScript(p), { mode: 0o755 });
  await rm(join(dir, `merge-${p.command}.json`), { force: true });
  const jobId = await sbatch([array]);
  // NOTE: kill-on-invalid-dep: when a shard fails, the merge is cancelled instead of pending forever.
  const mergeId = await sbatch([`--dependency=afterok:${jobId}`, '--kill-on-invalid-dep=yes', merge]);
  return { job_id: jobId, merge_job_id: mergeId, scripts: { array, merge } };
}

export interface SlurmOutcome {
  job_id: string;
  merge_job_id: string;
  shards: number;
  command: ShardCommand;
  failed_shards: number[];
  merged: boolean;
  merge?: unknown;
  seconds: number;
}

/** Job states of a job (array tasks by index); empty once Slurm forgot it or it left the queue. */
async function queued(jobId: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  try {
    const { stdout } = await run('squeue', ['-h', '-r', '-j', jobId, '-o', '%K|%T']);
    for (const line of stdout.split('\n')) {
      const [k, st] = line.trim().split('|');
      if (st) out.set(k, st);
    }
  } catch {
    /* squeue exits non-zero once the job id is no longer known: nothing queued */
  }
  return out;
}

/**
 * Follows the array until it leaves the queue, printing each shard's state as it changes; a
 * shard failed when its folder has no done.json. Then follows the merge (cancelled when any
 * shard failed).
 */
export async function follow(
  p: SlurmPlan,
  sub: SlurmSubmission,
  log: (line: string) => void,
  pollMs = 1000,
): Promise<SlurmOutcome> {
  const t0 = Date.now();
  const indices = p.indices?.length ? p.indices : [...Array(p.shards).keys()];
  const last = new Map<number, string>();
  const done = async (k: number) =>
    Boolean((await readShard(shardDir(resolve(p.db), p.command, { k, n: p.shards }))).done);
  for (;;) {
    const q = await queued(sub.job_id);
    for (const k of indices) {
      // `squeue -r` lists every pending or running task; one that left the queue finished or failed.
      const st = q.get(String(k)) ?? ((await done(k)) ? 'COMPLETED' : 'FAILED');
      if (last.get(k) !== st) {
        last.set(k, st);
        log(`shard ${k}/${p.shards}: ${st.toLowerCase()}`);
      }
    }
    if (!q.size) break;
    await new Promise((r) => setTimeout(r, pollMs));
  }
  const failed: number[] = [];
  for (const k of indices) if (!(await done(k))) failed.push(k);
  let merged = false;
  let merge: unknown;
  if (failed.length) {
    await run('scancel', [sub.merge_job_id]).catch(() => {});
    log(
      `${failed.length} shard(s) failed: ${failed.join(', ')}; merge cancelled. Re-run them with --indices ${failed.join(',')}`,
    );
  } else {
    while ((await queued(sub.merge_job_id)).size) await new Promise((r) => setTimeout(r, pollMs));
    try {
      merge = JSON.parse(await readFile(join(slurmDir(p.db), `merge-${p.command}.json`), 'utf8'));
      merged = Boolean((merge as { ok?: boolean }).ok);
    } catch {
      merged = false;
    }
    log(merged ? 'merge: completed' : `merge: failed (see ${join(slurmDir(p.db), `merge-${p.command}.out`)})`);
  }
  return {
    job_id: sub.job_id,
    merge_job_id: sub.merge_job_id,
    shards: p.shards,
    command: p.command,
    failed_shards: failed,
    merged,
    merge,
    seconds: (Date.now() - t0) / 1000,
  };
}
