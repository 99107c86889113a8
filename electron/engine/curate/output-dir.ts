import { CodedError } from '../../../shared/errors.js';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { realpathSync } from 'node:fs';
import { lstat, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, isAbsolute } from 'node:path';

export type OutDirState = 'absent' | 'empty' | 'non-empty';

export class OutputRefusedError extends CodedError {
  constructor(message: string) {
    super('conflict', message, { name: 'OutputRefusedError' });
  }
}

export async function outDirState(outDir: string): Promise<OutDirState> {
  let info;
  try {
    info = await lstat(outDir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'absent';
    throw err;
  }
  if (!info.isDirectory()) throw new OutputRefusedError(`output path ${outDir} exists and is not a folder`);
  return (await readdir(outDir)).length === 0 ? 'empty' : 'non-empty';
}

function within(inner: string, outer: string): boolean {
  const rel = relative(outer, inner);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/** The path with every symlink of its longest existing prefix resolved (the rest may not exist yet). */
export function realPathLoose(p: string): string {
  let cur = resolve(p);
  const rest: string[] = [];
  for (;;) {
    try {
      return join(realpathSync(cur), ...rest.reverse());
    } catch {
      const parent = dirname(cur);
      if (parent === cur) return resolve(p);
      rest.push(basename(cur));
      cur = parent;
    }
  }
}

/**
 * True when `inner` is `outer` or lies inside it, by name or once symlinks are resolved (a
 * symlinked `--db` or `--out` must not slip past the check).
 */
export function isSameOrInside(inner: string, outer: string): boolean {
  return within(resolve(inner), resolve(outer)) || within(realPathLoose(inner), realPathLoose(outer));
}

/**
 * An output folder must not be the dataset, lie inside it, or contain it: replacing any of those
 * would destroy the data being exported.
 */
export function assertNotDatasetFolder(outDir: string, datasetDir: string | null | undefined): void {
  if (!datasetDir) return;
  if (isSameOrInside(outDir, datasetDir))
    throw new OutputRefusedError(`output ${resolve(outDir)} is inside the dataset folder ${resolve(datasetDir)}`);
  if (isSameOrInside(datasetDir, outDir))
    throw new OutputRefusedError(`output ${resolve(outDir)} contains the dataset folder ${resolve(datasetDir)}`);
}

/** A folder written by this tool's export: its manifest.json names the tool. */
export async function isToolExport(dir: string): Promise<boolean> {
  try {
    const m = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as {
      tool?: { name?: unknown };
      manifestVersion?: unknown;
    };
    return m?.tool?.name === 'textbook-studio' && typeof m.manifestVersion === 'number';
  } catch {
    return false;
  }
}

/**
 * Fails fast (before any work) when the export would clobber a folder the user did not offer:
 * `overwrite` replaces only an empty folder or a previous export of this tool, never the dataset,
 * a folder inside it or one of its ancestors.
 */
export async function assertOutDirUsable(
  outDir: string,
  overwrite: boolean,
  datasetDir?: string | null,
): Promise<OutDirState> {
  assertNotDatasetFolder(outDir, datasetDir);
  const state = await outDirState(outDir);
  if (state !== 'non-empty') return state;
  if (!overwrite) throw new OutputRefusedError(`output folder ${outDir} is not empty; pass overwrite to replace it`);
  if (!(await isToolExport(outDir)))
    throw new OutputRefusedError(
      `output folder ${outDir} is not empty and is not a previous Textbook Studio export (no manifest.json naming the tool); refusing to replace it`,
    );
  return state;
}

/**
 * Refuses a file output that would overwrite an existing file (without `overwrite`), that is not a
 * regular file, or that lies inside the dataset folder.
 */
export async function assertOutFileUsable(file: string, overwrite: boolean, datasetDir?: string | null): Promise<void> {
  if (datasetDir && isSameOrInside(file, datasetDir))
    throw new OutputRefusedError(`output file ${resolve(file)} is inside the dataset folder ${resolve(datasetDir)}`);
  let info;
  try {
    info = await lstat(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  if (!info.isFile()) throw new OutputRefusedError(`output ${file} exists and is not a regular file`);
  if (!overwrite) throw new OutputRefusedError(`output file ${file} exists; pass --overwrite to replace it`);
}

/** Every staging folder holds this file; only folders that do are ever cleaned up. */
export const STAGING_MARKER = '.textbook-studio-staging';

interface StagingMarker {
  tool: 'textbook-studio';
  pid: number;
  host: string;
  createdAt: string;
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
  const rand = randomBytes(6).toString('hex');
  const staging = `${target}.tmp-${rand}`;
  // NOTE: made under another name and renamed once its marker is written, so a folder named like
  // staging always carries the marker that lets a later export clean it up (a kill between the
  // mkdir and the marker used to leave an unmarked `.tmp-` folder that nothing would remove).
  const init = `${target}.init-${rand}`;
  await mkdir(init);
  const marker: StagingMarker = {
    tool: 'textbook-studio',
    pid: process.pid,
    host: hostname(),
    createdAt: new Date().toISOString(),
  };
  await writeFile(join(init, STAGING_MARKER), JSON.stringify(marker));
  await rename(init, staging);
  return staging;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Staging folders left by a crashed export are removed, but only folders that carry our marker,
 * were written on this host and whose writer process is gone. A look-alike name is not enough.
 */
async function removeStaleStaging(target: string): Promise<void> {
  const prefixes = [`${basename(target)}.tmp-`, `${basename(target)}.init-`];
  for (const name of await readdir(dirname(target)).catch(() => [] as string[])) {
    if (!prefixes.some((p) => name.startsWith(p))) continue;
    const dir = join(dirname(target), name);
    let marker: Partial<StagingMarker>;
    try {
      if (!(await lstat(dir)).isDirectory()) continue;
      marker = JSON.parse(await readFile(join(dir, STAGING_MARKER), 'utf8')) as Partial<StagingMarker>;
    } catch {
      continue;
    }
    if (marker.tool !== 'textbook-studio' || marker.host !== hostname()) continue;
    if (!Number.isInteger(marker.pid) || (marker.pid as number) <= 0 || pidAlive(marker.pid as number)) continue;
    await rm(dir, { recursive: true, force: true });
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
export async function commitStagingDir(
  staging: string,
  outDir: string,
  overwrite: boolean,
  datasetDir?: string | null,
): Promise<void> {
  const target = resolve(outDir);
  const state = await assertOutDirUsable(target, overwrite, datasetDir);
  await rm(join(staging, STAGING_MARKER), { force: true });
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

/** Writes a file output atomically (temp file + rename) after `assertOutFileUsable`. */
export async function writeOutputFile(
  file: string,
  write: (tmpPath: string) => Promise<void>,
  opts: { overwrite: boolean; datasetDir?: string | null },
): Promise<void> {
  await assertOutFileUsable(file, opts.overwrite, opts.datasetDir);
  const tmp = `${resolve(file)}.tmp-${randomBytes(6).toString('hex')}`;
  try {
    await write(tmp);
    await assertOutFileUsable(file, opts.overwrite, opts.datasetDir);
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}
