import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Engine } from '../../electron/engine/engine.ts';
import { sliceForShard } from '../../electron/engine/shards/shard-spec.ts';
import { runTbs } from '../support/cli.ts';
import { startSlurm, type TestSlurm } from '../support/slurm.ts';
import { STDLIB } from '../support/temp.ts';

// A real single-node Slurm (Debian's slurm-wlm + munge, installed by .ci/run) runs `tbs slurm`.
// Where it cannot start, the test is reported as SKIPPED with the reason, never as passed.

let slurm: TestSlurm | null = null;
let skip: string | false = false;
let dir = '';

before(async () => {
  // NOTE: not tempDir(): an after() registered inside before() runs as soon as before() ends.
  dir = await mkdtemp(join(tmpdir(), 'tbs-slurm-'));
  const s = await startSlurm(join(dir, 'slurm'));
  if ('skip' in s) {
    skip = s.skip;
    process.stderr.write(`\n!!! SLURM TEST SKIPPED: ${s.skip}\n\n`);
    return;
  }
  slurm = s;
});

after(async () => {
  await slurm?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

// NOTE: a whole cluster run (4 tasks + merge, each a CLI start) outlasts the default per-test limit.
test(
  'a sharded import of a file list equals a single-process import; a killed shard is re-run, not duplicated',
  { timeout: 600_000 },
  async (t) => {
    if (skip) return t.skip(`SLURM NOT AVAILABLE: ${skip}`);
    const small: string[] = [];
    for (const sub of ['json', 'email', 'http', 'urllib', 'logging', 'concurrent/futures'])
      for (const f of (await readdir(join(STDLIB, sub))).sort())
        if (f.endsWith('.py')) small.push(join(STDLIB, sub, f));
    // Shard 1 (the one killed) takes the largest top-level modules, so it is still importing when
    // the cancel lands: list = small[0..start) + big + small[start..), with big exactly shard 1's block.
    const top = (await readdir(STDLIB)).filter((f) => f.endsWith('.py')).map((f) => join(STDLIB, f));
    const big = top.map((p) => ({ p, size: statSync(p).size })).sort((a, b) => b.size - a.size || (a.p < b.p ? -1 : 1));
    let nBig = 1;
    while (Math.floor((small.length + nBig) / 2) - Math.floor((small.length + nBig) / 4) !== nBig) nBig++;
    const start = Math.floor((small.length + nBig) / 4);
    const files = [...small.slice(0, start), ...big.slice(0, nBig).map((b) => b.p), ...small.slice(start)];
    assert.deepEqual(
      sliceForShard(files, { k: 1, n: 4 }),
      big.slice(0, nBig).map((b) => b.p),
    );
    const list = join(dir, 'files.txt');
    await writeFile(list, files.join('\n') + '\n');
    const single = join(dir, 'imp-single');
    const one = await runTbs(['--db', single, '--json', 'import', '--files-from', list, '--chunk', 'function']);
    assert.equal(one.code, 0, one.stderr);

    // Submit without --wait, cancel shard 1 once it has started writing its own folder, then re-run
    // only that shard. A machine under load can still let the shard finish between the poll and
    // the cancel; then the run says so and starts again on a fresh dataset (at most 3 times).
    const env = { ...process.env, ...slurm!.env };
    const slurmImport = (db: string, extra: string[]) =>
      runTbs(
        [
          '--db',
          db,
          '--json',
          'slurm',
          'import',
          '--shards',
          '4',
          ...extra,
          '--',
          '--files-from',
          list,
          '--chunk',
          'function',
        ],
        { env: slurm!.env },
      );
    let sharded = '';
    let shard1 = '';
    let killedMidRun = false;
    for (let attempt = 1; attempt <= 3 && !killedMidRun; attempt++) {
      sharded = join(dir, `imp-sharded-${attempt}`);
      shard1 = join(sharded, 'shards', 'import-1-of-4');
      const sub = await slurmImport(sharded, []);
      assert.equal(sub.code, 0, sub.stderr);
      const jobId = JSON.parse(sub.stdout).job_id as string;
      let cancelled = false;
      for (let i = 0; i < 1200 && !cancelled; i++) {
        const q = execFileSync('squeue', ['-h', '-r', '-j', jobId, '-o', '%K|%T'], { env, encoding: 'utf8' });
        if (/^1\|RUNNING$/m.test(q) && existsSync(shard1)) {
          execFileSync('scancel', [`${jobId}_1`], { env });
          cancelled = true;
        } else await new Promise((r) => setTimeout(r, 50));
      }
      assert.ok(cancelled, 'shard 1 was caught running');
      for (let i = 0; i < 600; i++) {
        const q = execFileSync('squeue', ['-h', '-r', '-o', '%i'], { env, encoding: 'utf8' });
        if (!q.trim()) break;
        await new Promise((r) => setTimeout(r, 250));
      }
      killedMidRun = !existsSync(join(shard1, 'done.json'));
      if (!killedMidRun)
        t.diagnostic(
          `attempt ${attempt}: shard 1 finished before the cancel landed; starting again on a fresh dataset`,
        );
    }
    assert.ok(killedMidRun, 'the killed shard did not finish (3 attempts)');
    // Nothing was merged: the merge job needed every shard.
    const merge1 = await runTbs(['--db', sharded, '--json', 'merge']);
    assert.equal(merge1.code, 1);
    assert.deepEqual(JSON.parse(merge1.stdout).sets[0].incomplete, [1]);

    const rerun = await slurmImport(sharded, ['--indices', '1', '--wait']);
    assert.equal(rerun.code, 0, rerun.stderr + rerun.stdout);
    assert.deepEqual(JSON.parse(rerun.stdout).failed_shards, []);

    const rows = async (db: string) => {
      const e = await Engine.open({ dir: db, create: false });
      const out: string[] = [];
      for await (const b of (await e.store.table('samples')).query().select(['id', 'source', 'tokens', 'ast_counts']))
        for (let i = 0; i < b.numRows; i++) out.push(JSON.stringify(b.get(i)!.toJSON()));
      await e.close();
      return out;
    };
    const a = await rows(single);
    const b = await rows(sharded);
    assert.ok(a.length > 400, `${a.length} samples`);
    // Same ids, in the same stored order, none twice.
    assert.deepEqual(b, a);
  },
);
