import assert from 'node:assert/strict';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Engine } from '../../electron/engine/engine.ts';
import { importPaths } from '../../electron/engine/ingest/importer.ts';
import { importHumanLabels } from '../../electron/engine/label/label-io.ts';
import { createHashEmbedder } from '../../electron/engine/embed/hash-embedder.ts';
import { embedDataset } from '../../electron/engine/embed/embedding-store.ts';
import { trainModel } from '../../electron/engine/classify/training.ts';
import { runTbs } from '../support/cli.ts';
import { startSlurm, type TestSlurm } from '../support/slurm.ts';

// A real single-node Slurm (Debian's slurm-wlm + munge, installed by .ci/run) runs `tbs slurm`.
// Where it cannot start, the test is reported as SKIPPED with the reason, never as passed.

const DEMO = join(process.cwd(), 'resources/demo/samples.jsonl');
let slurm: TestSlurm | null = null;
let skip: string | false = false;
let dir = '';
let modelId = '';

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
  // ~15k samples: the labelled demo set (a model is trained on it) plus 10,000 distinct unscored functions
  // (kept below 20k so the whole file fits the runner's 180 s per-file limit on 2 busy cores).
  const engine = await Engine.open({ dir: join(dir, 'db'), create: true });
  await importPaths(engine.store, [DEMO], { textField: 'text' });
  await importHumanLabels(engine.store, DEMO, { annotator: 'demo' });
  const emb = createHashEmbedder({ dims: 512 });
  // The spec is what `tbs embed` records, so `tbs score` can rebuild the embedder.
  await embedDataset(engine.store, emb, { spec: { kind: 'hash', dims: 512 } });
  modelId = (await trainModel(engine.store, emb, { algo: 'logistic', seed: 3 })).modelId;
  const lines: string[] = [];
  for (let i = 0; i < 10_000; i++)
    lines.push(
      JSON.stringify({
        content: `def f_${i}(xs, k=${i % 97}):\n    """Sum of the first k items."""\n    total = 0\n    for x in xs[:k]:\n        total += x * ${i}\n    return total\n`,
      }),
    );
  await writeFile(join(dir, 'rows.jsonl'), lines.join('\n'));
  await importPaths(engine.store, [join(dir, 'rows.jsonl')]);
  await engine.close();
});

after(async () => {
  await slurm?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function scores(db: string): Promise<Map<string, number | null>> {
  const r = await runTbs(['--db', db, '--json', 'list']);
  assert.equal(r.code, 0, r.stderr);
  const out = new Map<string, number | null>();
  for (const line of r.stdout.trim().split('\n')) {
    const row = JSON.parse(line);
    out.set(row.id, row.classifier_score);
  }
  return out;
}

// NOTE: a whole cluster run (4 tasks + merge, each a CLI start) outlasts the default per-test limit.
test(
  'tbs slurm score --shards 4 --wait gives every score a single-process tbs score gives',
  { timeout: 600_000 },
  async (t) => {
    if (skip) return t.skip(`SLURM NOT AVAILABLE: ${skip}`);
    const single = join(dir, 'single');
    const sharded = join(dir, 'sharded');
    await cp(join(dir, 'db'), single, { recursive: true });
    await cp(join(dir, 'db'), sharded, { recursive: true });
    const one = await runTbs(['--db', single, '--json', 'score', '--model', modelId]);
    assert.equal(one.code, 0, one.stderr);
    const singleScored = JSON.parse(one.stdout).scored as number;
    assert.ok(singleScored >= 10_000, `the 10k new rows (and the demo rows) are scored: ${singleScored}`);

    const r = await runTbs(
      ['--db', sharded, '--json', 'slurm', 'score', '--shards', '4', '--wait', '--', '--model', modelId],
      { env: slurm!.env },
    );
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const out = JSON.parse(r.stdout);
    assert.equal(out.shards, 4);
    assert.equal(out.command, 'score');
    assert.deepEqual(out.failed_shards, []);
    assert.match(out.job_id, /^\d+$/);
    assert.match(r.stderr, /shard 3\/4: completed/, 'progress per shard');
    assert.equal(out.merge.sets[0].rows.scores, singleScored, 'the shards scored exactly what one process scored');

    const a = await scores(single);
    const b = await scores(sharded);
    assert.equal(b.size, a.size);
    for (const [id, s] of a) assert.equal(b.get(id), s, `score of ${id}`);
    // Merging again adds nothing.
    const again = await runTbs(['--db', sharded, '--json', 'merge']);
    assert.equal(again.code, 0);
    assert.deepEqual(JSON.parse(again.stdout).sets, []);
  },
);
