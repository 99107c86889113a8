import { statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';

process.env.LANCEDB_LOG ??= 'error';

/** A fresh temp folder, removed when the test file finishes. */
export async function tempDir(prefix = 'tbs-test-'): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), prefix));
  after(() => rm(d, { recursive: true, force: true }));
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
