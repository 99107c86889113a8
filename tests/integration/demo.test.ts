import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { DEMO_MARKER } from '../../electron/engine/pipeline/demo.ts';
import { runTbs } from '../support/cli.ts';
import { tempDir } from '../support/temp.ts';

const noNetwork = join(process.cwd(), 'tests/support/no-network.cjs');

test('tbs demo runs the whole pipeline offline, beats the baselines, exports with a manifest, and a second run changes nothing', async () => {
  const dir = await tempDir();
  const db = join(dir, 'demo-db');
  const out = join(dir, 'demo-export');
  const env = { NODE_OPTIONS: `--require ${noNetwork}`, OPENAI_API_KEY: '', OPENAI_BASE_URL: '' };
  const first = await runTbs(['demo', '--db', db, '--out', out, '--json'], { env });
  assert.equal(first.code, 0, first.stderr);
  const s = JSON.parse(first.stdout);
  assert.equal(s.demoSamples, 346);
  assert.ok(s.stdlibSamples > 1000, 'the local stdlib was added as unlabeled real code');
  assert.ok(s.stdlibKept > 0 && s.stdlibKept < s.stdlibSamples);
  const m = s.model.metrics;
  assert.ok(
    m.accuracy > s.model.baselines.majorityAccuracy,
    `accuracy ${m.accuracy} vs majority ${s.model.baselines.majorityAccuracy}`,
  );
  assert.ok(
    m.f1 > s.model.baselines.alwaysKeepF1 + 0.1 && m.f1 > s.model.baselines.lengthOnlyF1 + 0.1,
    JSON.stringify({ m: m.f1, b: s.model.baselines }),
  );
  const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8'));
  assert.equal(manifest.provenance.classifier.modelId, s.model.modelId);
  const data = (await readdir(join(out, 'data'))).filter((f) => f.endsWith('.parquet'));
  assert.ok(data.length >= 1);
  const hash = async () =>
    Promise.all(
      data.map(async (f) =>
        createHash('sha256')
          .update(await readFile(join(out, 'data', f)))
          .digest('hex'),
      ),
    );
  const before = await hash();
  const manifestBefore = await readFile(join(out, 'manifest.json'), 'utf8');

  const second = await runTbs(['demo', '--db', db, '--out', out, '--json'], { env });
  assert.equal(second.code, 0, second.stderr);
  const s2 = JSON.parse(second.stdout);
  assert.equal(s2.model.reused, true, 'no retraining on unchanged labels');
  assert.equal(s2.model.modelId, s.model.modelId);
  assert.equal(s2.export.skipped, true);
  assert.deepEqual(await hash(), before);
  assert.equal(await readFile(join(out, 'manifest.json'), 'utf8'), manifestBefore, 'the export was not rewritten');
  const stats = JSON.parse((await runTbs(['stats', '--db', db, '--json'], { env })).stdout);
  assert.equal(stats.samples, s.demoSamples + s.stdlibSamples);
  assert.equal(stats.labels.human, 346);
});

test('tbs demo refuses a dataset it did not make and leaves it exactly as it was', async () => {
  const dir = await tempDir();
  const db = join(dir, 'mine');
  const src = join(dir, 'code.jsonl');
  await writeFile(src, '{"text": "def f(x):\\n    return x + 1\\n"}\n{"text": "def g():\\n    pass\\n"}\n');
  assert.equal((await runTbs(['import', src, '--db', db])).code, 0);
  const before = JSON.parse((await runTbs(['stats', '--db', db, '--json'])).stdout);
  const r = await runTbs(['demo', '--db', db, '--out', join(dir, 'out'), '--no-stdlib']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /holds 2 samples that the demo did not import.*own dataset/);
  const after = JSON.parse((await runTbs(['stats', '--db', db, '--json'])).stdout);
  assert.deepEqual(after, before, 'nothing added, no model trained');
  assert.ok(!existsSync(join(dir, 'out')), 'no export written');
  assert.ok(!existsSync(join(db, DEMO_MARKER)));
  // A planted (or copied) marker does not make a user's samples the demo's (red-team finding).
  await writeFile(join(db, DEMO_MARKER), '{"createdBy": "tbs demo"}\n');
  const planted = await runTbs(['demo', '--db', db, '--out', join(dir, 'out'), '--no-stdlib']);
  assert.notEqual(planted.code, 0);
  assert.match(planted.stderr, /holds 2 samples that the demo did not import/);
  assert.deepEqual(JSON.parse((await runTbs(['stats', '--db', db, '--json'])).stdout), before);
});
