import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { capNativeThreads } from '../../electron/engine/workers/native-threads.ts';

const run = promisify(execFile);
const CHILD = join(import.meta.dirname, '..', 'support', 'rayon-threads-child.ts');

async function indexThreads(workers: number, env: NodeJS.ProcessEnv) {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', CHILD, String(workers)], {
    env: { ...env, LANCEDB_LOG: 'error' },
  });
  const r = JSON.parse(stdout.trim().split('\n').at(-1)!) as {
    action: string;
    rayon: string;
    threads: Record<string, number>;
  };
  assert.equal(r.action, 'built');
  return { rayon: r.rayon, total: Object.values(r.threads).reduce((a, b) => a + b, 0) };
}

test('capNativeThreads sets RAYON_NUM_THREADS from --workers, keeps a value the user set, refuses nonsense', () => {
  const env: NodeJS.ProcessEnv = {};
  capNativeThreads(3, env);
  assert.equal(env.RAYON_NUM_THREADS, '3');
  capNativeThreads(1, env);
  assert.equal(env.RAYON_NUM_THREADS, '3', "the first value, or the user's, stays");
  const empty: NodeJS.ProcessEnv = { RAYON_NUM_THREADS: '' };
  capNativeThreads(2, empty);
  assert.equal(empty.RAYON_NUM_THREADS, '2');
  assert.throws(() => capNativeThreads(0, {}), /positive integer/);
  assert.throws(() => capNativeThreads(1.5, {}), /positive integer/);
});

// NOTE: the thread counts include tokio's blocking threads, which LanceDB starts on demand (a few
// either way), so the test compares a pool of 1 with one of 16, where Rayon alone adds 15.
test(
  'the ANN index build runs on as many native threads as --workers asks',
  { skip: !existsSync('/proc/self/task') && 'needs Linux /proc to count threads' },
  async () => {
    const env = { ...process.env };
    delete env.RAYON_NUM_THREADS;
    const one = await indexThreads(1, env);
    const sixteen = await indexThreads(16, env);
    assert.equal(one.rayon, '1');
    assert.equal(sixteen.rayon, '16');
    const grew = sixteen.total - one.total;
    assert.ok(grew >= 11 && grew <= 19, `16 index threads instead of 1 should add ~15 threads, added ${grew}`);
    // A RAYON_NUM_THREADS set by the user wins over --workers.
    const user = await indexThreads(16, { ...env, RAYON_NUM_THREADS: '1' });
    assert.equal(user.rayon, '1');
    assert.ok(Math.abs(user.total - one.total) <= 4, `the user's 1 thread: ${user.total} threads vs ${one.total}`);
  },
);
