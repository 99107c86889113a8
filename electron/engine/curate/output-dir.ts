import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

export type OutDirState = 'absent' | 'empty' | 'non-empty';

export async function outDirState(outDir: string): Promise<OutDirState> {
  let info;
  try {
    info = await stat(outDir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'absent';
    throw err;
  }
  if (!info.isDirectory()) throw new Error(`output path ${outDir} exists and is not a folder`);
  return (await readdir(outDir)).length === 0 ? 'empty' : 'non-empty';
}

/** Fails fast (before any work) when the export would clobber a folder the user did not offer. */
export async function assertOutDirUsable(outDir: string, overwrite: boolean): Promise<OutDirState> {
  const state = await outDirState(outDir);
  if (state === 'non-empty' && !overwrite) {
    throw new Error(`output folder ${outDir} is not empty; pass overwrite to replace it`);
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
  const staging = `${target}.tmp-${randomBytes(6).toString('hex')}`;
  await mkdir(staging);
  return staging;
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
