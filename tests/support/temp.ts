import { rmSync, statSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

process.env.LANCEDB_LOG ??= 'error';

/**
 * A fresh temp folder, removed when the test file's process exits.
 *
 * NOTE: not in an `after` hook: hooks run in the order they were registered, so a folder made
 * before a server was started would be removed before that server's `after` closes it, and the
 * close (a final journal flush) would then fail on a missing folder.
 */
const made: string[] = [];
process.once('exit', () => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

export async function tempDir(prefix = 'tbs-test-'): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), prefix));
  made.push(d);
  return d;
}

/** A handful of real standard-library files (the machine's own Python). */
export const STDLIB =
  ['/usr/lib/python3.11', '/root/.pyenv/versions/3.11.7/lib/python3.11'].find((p) => {
    try {
      return statSync(p).isDirectory();
    } catch {
      return false;
    }
  }) ?? '/usr/lib/python3.11';
