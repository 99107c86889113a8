import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { capNativeThreads } from '../../electron/engine/workers/native-threads.ts';
import { STDLIB, tempDir } from '../support/temp.ts';

const run = promisify(execFile);
const CHILD = join(import.meta.dirname, '..', 'support', 'rayon-threads-child.ts');
const ROOT = join(import.meta.dirname, '..', '..');

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
  const unset: NodeJS.ProcessEnv = {};
  capNativeThreads(null, unset);
  assert.equal(unset.RAYON_NUM_THREADS, undefined, 'no count chosen: Rayon counts the cores');
  assert.throws(() => capNativeThreads(0, {}), /positive integer/);
  assert.throws(() => capNativeThreads(1.5, {}), /positive integer/);
});

// NOTE: the thread counts include tokio's blocking threads, which LanceDB starts on demand: seen to
// vary by up to 7 between runs on a loaded machine. So the test compares a pool of 1 with one of 64,
// where Rayon alone adds 63 (it starts every thread of its pool at once, whatever the core count).
test(
  'the ANN index build runs on as many native threads as --workers asks',
  { skip: !existsSync('/proc/self/task') && 'needs Linux /proc to count threads' },
  async () => {
    const env = { ...process.env };
    delete env.RAYON_NUM_THREADS;
    // Load only ever adds (blocking) threads, so the baseline is the fewer of two 1-thread builds
    // (seen from 19 to 32 on a loaded machine; one CI run's baseline was ~17 high).
    const ones = [await indexThreads(1, env), await indexThreads(1, env)];
    const many = await indexThreads(64, env);
    for (const one of ones) assert.equal(one.rayon, '1');
    assert.equal(many.rayon, '64');
    const base = Math.min(...ones.map((o) => o.total));
    const grew = many.total - base;
    // Without the cap both runs would have the same pool (one per core): the difference would be ~0.
    assert.ok(grew >= 32, `64 index threads instead of 1 should add ~63 threads, added ${grew}`);
    // A RAYON_NUM_THREADS set by the user wins over --workers: far fewer than the 64 asked for.
    const user = await indexThreads(64, { ...env, RAYON_NUM_THREADS: '1' });
    assert.equal(user.rayon, '1');
    assert.ok(user.total - base < 32, `the user's 1 thread: ${user.total} threads vs ${base}`);
  },
);

test("tbs caps the index threads at an explicit --workers only; the default and a user's RAYON_NUM_THREADS are left alone", async () => {
  const dir = await tempDir();
  const env: NodeJS.ProcessEnv = { ...process.env, LANCEDB_LOG: 'error' };
  delete env.RAYON_NUM_THREADS;
  const rayonAfter = async (args: string[], e: NodeJS.ProcessEnv) => {
    const { stderr } = await run(
      process.execPath,
      [
        '--import',
        'tsx',
        '--import',
        join(ROOT, 'tests', 'support', 'report-rayon.mjs'),
        join(ROOT, 'electron', 'cli', 'tbs.ts'),
        ...args,
      ],
      { env: e, cwd: ROOT },
    );
    return /RAYON_NUM_THREADS=(\S*)/.exec(stderr)?.[1];
  };
  const file = join(STDLIB, 'colorsys.py');
  const imp = (db: string, ...more: string[]) => ['--db', join(dir, db), 'import', '--no-scan', ...more, file];
  assert.equal(await rayonAfter(imp('a', '--workers', '3'), env), '3');
  // The default is Node's core count, which ignores a container's CPU quota; Rayon's own count does not.
  assert.equal(await rayonAfter(imp('b'), env), '');
  assert.equal(await rayonAfter(imp('c', '--workers', '3'), { ...env, RAYON_NUM_THREADS: '5' }), '5');
});
