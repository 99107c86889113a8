import assert from 'node:assert/strict';
import { copyFile, mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import { Engine } from '../../electron/engine/engine.ts';
import { importPaths } from '../../electron/engine/ingest/importer.ts';
import { runLabeling } from '../../electron/engine/label/labeler.ts';
import { runSynth } from '../../electron/engine/synth/generator.ts';
import { startFakeOpenAI, type FakeOpenAI } from '../support/openai-server.ts';
import { runTbs } from '../support/cli.ts';
import { tempDir } from '../support/temp.ts';

const servers: FakeOpenAI[] = [];
after(async () => {
  for (const s of servers) await s.close();
});

/** Real stdlib files: the `filtered` subset's imported code. */
async function stdlibFiles(dir: string): Promise<string[]> {
  const lib = (await readdir('/usr/lib')).filter((d) => /^python3\.\d+$/.test(d)).sort()[0];
  const out: string[] = [];
  await mkdir(join(dir, 'src'));
  for (const f of ['colorsys.py', 'bisect.py', 'keyword.py', 'textwrap.py', 'graphlib.py']) {
    await copyFile(join('/usr/lib', lib, f), join(dir, 'src', f));
    out.push(join(dir, 'src', f));
  }
  return out;
}

/** An independent Parquet reader (DuckDB): rows, tokens and sources of one config's files. */
async function readConfig(out: string, config: string) {
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  try {
    const glob = join(out, 'data', config, 'train-*.parquet').replaceAll("'", "''");
    const r = await c.runAndReadAll(`SELECT id, source, tokens FROM read_parquet('${glob}') ORDER BY id`);
    return (r.getRowObjects() as { id: string; source: string; tokens: number }[]).map((x) => ({
      ...x,
      tokens: Number(x.tokens),
    }));
  } finally {
    c.closeSync();
  }
}

interface Step {
  step: string;
  samples: number;
  tokens: number;
  removed: number;
}
interface SubsetOut {
  name: string;
  funnel: Step[];
  rows: number;
  tokens: number;
  files: string[];
  warnings: string[];
}

test('export --subsets: textbooks, exercises and imported code as three configs, each counted by its own funnel', async () => {
  const dir = await tempDir();
  const db = join(dir, 'db');
  const engine = await Engine.open({ dir: db });
  const server = await startFakeOpenAI();
  servers.push(server);
  const topics = join(dir, 'topics.txt');
  await writeFile(topics, 'variant:unique loops\nvariant:unique strings\nvariant:unique recursion\n');
  const common = { model: 'gpt-4o-mini', baseURL: server.url, apiKey: 'k', concurrency: 4, topics };
  const ex = await runSynth(engine.store, { ...common, kind: 'exercises', count: 12 });
  const tb = await runSynth(engine.store, { ...common, kind: 'textbook', count: 5 });
  assert.equal(ex.generated, 12, JSON.stringify(ex.rejections));
  assert.equal(tb.generated, 5, JSON.stringify(tb.rejections));
  // Imported code, plus a near copy of one generated exercise (a comment added): a duplicate
  // across subsets that the synth gate never saw (it was imported afterwards).
  const files = await stdlibFiles(dir);
  const exercise = (await engine.query.list({ where: "source = 'synthetic:exercises'", limit: 1 })).rows[0];
  const copyText = (await engine.store.getSample(exercise.id))!.text + '\n# from the course notes\n';
  const copy = join(dir, 'src', 'copied_exercise.py');
  await writeFile(copy, copyText);
  const imported = await importPaths(engine.store, [...files, copy], {});
  assert.ok(imported.imported >= files.length + 1, JSON.stringify(imported));
  const copied = (await engine.query.list({ where: "path LIKE '%copied_exercise.py'", limit: 5 })).rows;
  assert.equal(copied.length, 1);
  // Every sample flows through the same labeler as filtered code (the fake server scores them).
  const labeled = await runLabeling(engine.store, { ...common, template: 'edu-additive' });
  assert.equal(labeled.failed, 0);
  const total = engine.store.index.size;
  await engine.close();

  const out = join(dir, 'out');
  const r = await runTbs([
    'export',
    '--db',
    db,
    '--out',
    out,
    '--subsets',
    'filtered,textbook,exercises',
    '--min-score',
    '0',
    '--minhash',
    '0.8',
    '--json',
  ]);
  assert.equal(r.code, 0, r.stderr);
  const res = JSON.parse(r.stdout) as { funnel: Step[]; subsets: SubsetOut[]; warnings: string[] };
  const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')) as {
    funnel: Step[];
    subsets: { scope: string; configs: SubsetOut[] };
    files: { path: string; rows: number | null }[];
  };
  assert.deepEqual(
    manifest.subsets.configs.map((s) => s.name),
    ['filtered', 'textbook', 'exercises'],
  );
  assert.equal(res.funnel[0].samples, total);
  const budgetOf = (f: Step[]) => f[f.length - 1];
  let exported = 0;
  for (const s of manifest.subsets.configs) {
    const rows = await readConfig(out, s.name);
    const last = budgetOf(s.funnel);
    // What DuckDB reads back is exactly what the subset's own funnel says it kept.
    assert.equal(rows.length, last.samples, `${s.name}: rows vs funnel`);
    assert.equal(
      rows.reduce((a, x) => a + x.tokens, 0),
      Math.round(last.tokens),
      `${s.name}: tokens vs funnel`,
    );
    assert.equal(s.rows, rows.length);
    assert.ok(rows.length > 0, s.name);
    for (const x of rows)
      assert.ok(
        s.name === 'filtered' ? !x.source.startsWith('synthetic:') : x.source === `synthetic:${s.name}`,
        `${s.name} holds ${x.source}`,
      );
    assert.deepEqual(
      s.files,
      manifest.files.filter((f) => f.path.startsWith(`data/${s.name}/`)).map((f) => f.path),
    );
    assert.deepEqual(res.subsets.find((x) => x.name === s.name)?.funnel, s.funnel, 'json = manifest');
    exported += rows.length;
  }
  assert.equal(exported, budgetOf(manifest.funnel).samples, 'the configs partition the export');
  // Input counts per subset add up to the dataset (every source belongs to one of the three).
  assert.equal(
    manifest.subsets.configs.reduce((a, s) => a + s.funnel[0].samples, 0),
    total,
  );
  assert.equal(manifest.subsets.configs[1].funnel[0].samples, 5);
  assert.equal(manifest.subsets.configs[2].funnel[0].samples, 12);
  // Near-dup ran across subsets: the imported copy and its exercise are one cluster, one survives.
  const near = (f: Step[]) => f.find((x) => x.step === 'near-dup')!.removed;
  assert.equal(near(manifest.funnel), 1);
  assert.equal(
    manifest.subsets.configs.reduce((a, s) => a + near(s.funnel), 0),
    1,
  );
  const all = new Set(
    (await Promise.all(['filtered', 'exercises'].map((c) => readConfig(out, c)))).flat().map((x) => x.id),
  );
  assert.equal(
    [exercise.id, copied[0].id].filter((id) => all.has(id)).length,
    1,
    'exactly one of the pair is exported',
  );
  // The card lists one config per subset and a section for each.
  const card = await readFile(join(out, 'README.md'), 'utf8');
  for (const name of ['filtered', 'textbook', 'exercises']) {
    assert.ok(
      card.includes(`- config_name: ${name}\n  data_files:\n  - split: train\n    path: "data/${name}/train-*"`),
    );
    assert.ok(card.includes(`### ${name}\n`), name);
  }
  assert.ok(!card.includes('config_name: default'));
  assert.match(card, /across subsets/);
  assert.deepEqual(res.warnings, []);
});

test('export --subsets: an empty subset is written with 0 rows and a warning; an unknown name is refused', async () => {
  const dir = await tempDir();
  const db = join(dir, 'db');
  const engine = await Engine.open({ dir: db });
  await importPaths(engine.store, await stdlibFiles(dir), {});
  const server = await startFakeOpenAI();
  servers.push(server);
  await runLabeling(engine.store, { model: 'gpt-4o-mini', baseURL: server.url, apiKey: 'k', template: 'edu-additive' });
  await engine.close();

  const bad = await runTbs(['export', '--db', db, '--out', join(dir, 'bad'), '--subsets', 'filtered,textbooks']);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /unknown subset "textbooks".*filtered, textbook, exercises/);
  await assert.rejects(readdir(join(dir, 'bad')), 'nothing written');

  const out = join(dir, 'out');
  const r = await runTbs([
    'export',
    '--db',
    db,
    '--out',
    out,
    '--subsets',
    'textbook,filtered',
    '--min-score',
    '0',
    '--json',
  ]);
  assert.equal(r.code, 0, r.stderr);
  const res = JSON.parse(r.stdout) as { subsets: SubsetOut[]; warnings: string[] };
  assert.deepEqual(
    res.subsets.map((s) => [s.name, s.rows]),
    [
      ['textbook', 0],
      ['filtered', 5],
    ],
  );
  assert.equal((await readConfig(out, 'textbook')).length, 0, 'an empty but loadable config');
  assert.equal((await readConfig(out, 'filtered')).length, 5);
  assert.deepEqual(await readdir(join(out, 'data')), ['filtered', 'textbook']);
  assert.equal(res.warnings.length, 1);
  assert.match(res.warnings[0], /subset textbook is empty: the dataset has no sample from source `synthetic:textbook`/);
  const card = await readFile(join(out, 'README.md'), 'utf8');
  assert.ok(card.includes(`- **warning:** ${res.warnings[0]}`));
});
