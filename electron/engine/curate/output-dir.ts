import { CodedError } from '../../../shared/errors.js';
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';

export type OutDirState = 'absent' | 'empty' | 'non-empty';

export async function outDirState(outDir: string): Promise<OutDirState> {
  let info;
  try {
    info = await stat(outDir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'absent';
    throw err;
  }
  if (!info.isDirectory()) throw new CodedError('conflict', `output path ${outDir} exists and is not a folder`);
  return (await readdir(outDir)).length === 0 ? 'empty' : 'non-empty';
}

/** Fails fast (before any work) when the export would clobber a folder the user did not offer. */
export async function assertOutDirUsable(outDir: string, overwrite: boolean): Promise<OutDirState> {
  const state = await outDirState(outDir);
  if (state === 'non-empty' && !overwrite) {
    throw new CodedError('conflict', `output folder ${outDir} is not empty; pass overwrite to replace it`);
  }
  return state;
}

/**
 * A sibling folder `<out>.tmp-<rand>`: same file system as the target, so the final rename is
 * atomic, and a crash leaves an obviously temporary folder, never a half export named like a
 * finished one.
 */
export async function createStagingDir(outDir: string): Promise<string> {
  const target = resolve(outDir);
  await mkdir(dirname(target), { recursive: true });
  await removeStaleStaging(target);
  const staging = `${target}.tmp-${randomBytes(6).toString('hex')}`;
  await mkdir(staging);
  await writeFile(join(staging, WRITER_PID), String(process.pid));
  return staging;
}

const WRITER_PID = '.writer-pid';

/** Staging folders left by a crashed export (their writer process is gone) are removed. */
async function removeStaleStaging(target: string): Promise<void> {
  const prefix = `${basename(target)}.tmp-`;
  for (const name of await readdir(dirname(target)).catch(() => [] as string[])) {
    if (!name.startsWith(prefix)) continue;
    const dir = join(dirname(target), name);
    const pid = Number(await readFile(join(dir, WRITER_PID), 'utf8').catch(() => 'NaN'));
    let alive = false;
    if (Number.isInteger(pid) && pid > 0) {
      try {
        process.kill(pid, 0);
        alive = true;
      } catch {
        alive = false;
      }
    }
    if (!alive) await rm(dir, { recursive: true, force: true });
  }
}

export async function discardStagingDir(staging: string): Promise<void> {
  await rm(staging, { recursive: true, force: true });
}

/**
 * Moves the finished staging folder into place. When replacing, the old folder is first renamed
 * aside, so at every instant `outDir` is either the complete old export or the complete new one;
 * the old one is deleted only after the new one is in place.
 */
export async function commitStagingDir(staging: string, outDir: string, overwrite: boolean): Promise<void> {
  const target = resolve(outDir);
  await rm(join(staging, WRITER_PID), { force: true });
  const state = await assertOutDirUsable(target, overwrite);
  if (state === 'absent') {
    await rename(staging, target);
    return;
  }
  const aside = `${target}.old-${randomBytes(6).toString('hex')}`;
  await rename(target, aside);
  try {
    await rename(staging, target);
  } catch (err) {
    await rename(aside, target);
    throw err;
  }
  await rm(aside, { recursive: true, force: true });
}
