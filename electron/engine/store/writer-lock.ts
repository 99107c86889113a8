import { CodedError } from '../../../shared/errors.js';
import { randomBytes } from 'node:crypto';
import { readFileSync, unlinkSync } from 'node:fs';
import { constants } from 'node:fs';
import { link, lstat, open, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';

/** The file that marks which process may write a dataset folder. */
export const LOCK_FILE = 'writer.lock';
const MAX_LOCK_BYTES = 4096;

export interface LockInfo {
  pid: number;
  host: string;
  startedAt: string;
  /** What holds it, for the message a second writer sees: "tbs serve", "Textbook Studio app". */
  holder: string;
  /** Where the holder can be reached (the web server's URL without its token), when it has one. */
  url?: string | null;
  /** Random per acquisition: release removes the file only when it is still this one. */
  nonce: string;
}

/** Another process holds the dataset: not retried by the renderer, the holder does not go away by itself. */
export class DatasetBusyError extends CodedError {
  constructor(
    message: string,
    readonly holder: LockInfo | null,
  ) {
    super('conflict', message, { name: 'DatasetBusyError' });
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function describeHolder(info: LockInfo, dir: string): string {
  const where = info.host === hostname() ? '' : ` on host ${info.host}`;
  const url = info.url ? ` at ${info.url}; use its URL` : '';
  return `dataset ${dir} is open in ${info.holder} (pid ${info.pid}${where}, since ${info.startedAt})${url}`;
}

/** Reads the current lock: null when there is none, 'unreadable' when the file is not a lock we wrote. */
export async function readLockFile(dir: string): Promise<LockInfo | null | 'unreadable'> {
  let text: string;
  const path = join(dir, LOCK_FILE);
  try {
    // Only a small regular file can be a lock we wrote: a FIFO would block the read forever,
    // a link to /dev/zero or a huge file would fill memory.
    const st = await lstat(path);
    if (!st.isFile() || st.size > MAX_LOCK_BYTES) return 'unreadable';
    const fh = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    try {
      const buf = Buffer.alloc(MAX_LOCK_BYTES);
      const { bytesRead } = await fh.read(buf, 0, MAX_LOCK_BYTES, 0);
      text = buf.subarray(0, bytesRead).toString('utf8');
    } finally {
      await fh.close();
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    return 'unreadable';
  }
  try {
    const raw = JSON.parse(text) as Partial<LockInfo>;
    if (
      !Number.isSafeInteger(raw.pid) ||
      (raw.pid as number) <= 0 ||
      typeof raw.host !== 'string' ||
      raw.host === '' ||
      typeof raw.nonce !== 'string'
    )
      return 'unreadable';
    return raw as LockInfo;
  } catch {
    return 'unreadable';
  }
}

/** The current lock, or null when there is none or it is unreadable. */
export async function readLock(dir: string): Promise<LockInfo | null> {
  const l = await readLockFile(dir);
  return l === 'unreadable' ? null : l;
}

/**
 * Exclusive writer lock of a dataset folder: a file created with O_EXCL holding pid, host and
 * start time. A lock whose process is gone (same host, pid dead) is stale and taken over; a
 * lock from another host is never stolen, because its pid means nothing here.
 *
 * NOTE: O_EXCL creation is atomic on local file systems and on NFSv3+; we do not use flock(),
 * which NFS does not reliably honour. A lock left by a crashed machine on a shared folder must
 * be removed by hand (the error says which file).
 */
export class WriterLock {
  private released = false;
  private readonly onExit = () => this.releaseSync();

  private constructor(
    readonly dir: string,
    private info: LockInfo,
  ) {
    process.once('exit', this.onExit);
  }

  get path() {
    return join(this.dir, LOCK_FILE);
  }

  static async acquire(dir: string, opts: { holder?: string } = {}): Promise<WriterLock> {
    const info: LockInfo = {
      pid: process.pid,
      host: hostname(),
      startedAt: new Date().toISOString(),
      holder: opts.holder ?? 'textbook-studio',
      url: null,
      nonce: randomBytes(8).toString('hex'),
    };
    const path = join(dir, LOCK_FILE);
    // The lock appears whole or not at all: written to a private file, then hard-linked into
    // place (link fails with EEXIST atomically). So a lock that cannot be read was never ours,
    // and another process can never see our lock half written and judge it torn.
    const tmp = `${path}.new-${info.nonce}`;
    await writeFile(tmp, JSON.stringify(info), { flag: 'wx' });
    try {
      for (let attempt = 0; attempt < 20; attempt++) {
        try {
          await link(tmp, path);
          return new WriterLock(dir, info);
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code;
          if (code === 'EPERM' || code === 'ENOTSUP' || code === 'ENOSYS') {
            // A file system without hard links (some FUSE mounts): exclusive create, one write.
            try {
              await writeFile(path, JSON.stringify(info), { flag: 'wx' });
              return new WriterLock(dir, info);
            } catch (e) {
              if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
            }
          } else if (code !== 'EEXIST') throw err;
        }
        const current = await readLockFile(dir);
        // Released between our link and our read: try the link again. (Judging "nothing" stale
        // would move aside a lock another process links in meanwhile.)
        if (current === null) continue;
        if (current === 'unreadable')
          throw new DatasetBusyError(
            `${path} is not a lock this tool wrote (unreadable, or its pid or host is invalid): it is left alone. ` +
              'If no process is using the dataset, delete that file and try again',
            null,
          );
        await WriterLock.judge(dir, path, info, current);
      }
    } finally {
      await unlink(tmp).catch(() => undefined);
    }
    throw new DatasetBusyError(`could not take the writer lock ${path}: it keeps changing`, await readLock(dir));
  }

  /** Throws when `current` is a live holder; otherwise moves the stale lock aside. */
  private static async judge(dir: string, path: string, info: LockInfo, current: LockInfo | null): Promise<void> {
    if (current && current.pid === process.pid && current.host === info.host)
      throw new DatasetBusyError(`${describeHolder(current, dir)}: this process already holds it`, current);
    if (current && (current.host !== info.host || pidAlive(current.pid))) {
      const hint =
        current.host !== info.host
          ? ` (a lock from another host is never taken over; if that machine is gone, delete ${path})`
          : '; stop it first, or use read-only commands';
      throw new DatasetBusyError(`${describeHolder(current, dir)}${hint}`, current);
    }
    // Stale (its process is dead) or gone meanwhile: move it aside, and make sure what we moved is what we judged.
    await WriterLock.removeStale(path, current);
  }

  private static async removeStale(path: string, judged: LockInfo | null): Promise<void> {
    const aside = `${path}.stale-${randomBytes(6).toString('hex')}`;
    try {
      await rename(path, aside);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    let moved: LockInfo | null = null;
    try {
      moved = JSON.parse(await readFile(aside, 'utf8')) as LockInfo;
    } catch {
      /* torn */
    }
    if (judged && moved && moved.nonce !== judged.nonce) {
      // Another process took the lock between our read and our rename: give it back.
      await link(aside, path).catch(() => undefined);
    }
    await unlink(aside).catch(() => undefined);
  }

  /** Records where the holder can be reached (shown to a second writer). */
  async setUrl(url: string): Promise<void> {
    this.info = { ...this.info, url };
    const tmp = `${this.path}.tmp-${this.info.nonce}`;
    await writeFile(tmp, JSON.stringify(this.info));
    await rename(tmp, this.path);
  }

  /** Removes the lock file if it is still ours. */
  async release(): Promise<void> {
    this.releaseSync();
  }

  private releaseSync(): void {
    if (this.released) return;
    this.released = true;
    process.off('exit', this.onExit);
    try {
      const cur = JSON.parse(readFileSync(this.path, 'utf8')) as LockInfo;
      if (cur.nonce === this.info.nonce) unlinkSync(this.path);
    } catch {
      /* already gone */
    }
  }
}
