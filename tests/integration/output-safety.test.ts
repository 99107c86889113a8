import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Engine } from '../../electron/engine/engine.ts';
import { importPaths } from '../../electron/engine/ingest/importer.ts';
import { importHumanLabels, exportLabels } from '../../electron/engine/label/label-io.ts';
import { exportFromStore } from '../../electron/engine/curate/store-export.ts';
import { STAGING_MARKER } from '../../electron/engine/curate/output-dir.ts';
import { runTbs } from '../support/cli.ts';
import { tempDir } from '../support/temp.ts';

const DEMO = join(process.cwd(), 'resources/demo/samples.jsonl');

/** A small labeled dataset under `<root>/db`, plus a user file next to it. */
async function fixture() {
  const root = await tempDir();
  const db = join(root, 'db');
  const lines = (await readFile(DEMO, 'utf8')).trim().split('\n').slice(0, 40);
  const src = join(root, 'src.jsonl');
  await writeFile(src, lines.join('\n') + '\n');
  const engine = await Engine.open({ dir: db, create: true });
  await importPaths(engine.store, [src], { textField: 'text' });
  await importHumanLabels(engine.store, src, { annotator: 't' });
  await writeFile(join(root, 'my-notes.txt'), 'precious');
  const count = async () => (await engine.stats()).samples;
  return { root, db, engine, count };
}

const rule = { minScore: 0 };

test('export --overwrite never replaces the dataset, a folder inside it, or its parent', async () => {
  const { root, db, engine, count } = await fixture();
  try {
    const n = await count();
    for (const out of [db, join(db, 'tables'), join(db, 'sub-export'), root]) {
      await assert.rejects(
        exportFromStore(engine.store, { outDir: out, format: 'jsonl', overwrite: true, rule }),
        /dataset folder/,
        out,
      );
    }
    assert.equal(await readFile(join(root, 'my-notes.txt'), 'utf8'), 'precious');
    assert.ok(existsSync(join(db, 'config.json')));
    assert.equal(await count(), n);
    assert.ok(!existsSync(join(db, 'sub-export')), 'nothing was created inside the dataset');
  } finally {
    await engine.close();
  }
  // And through the CLI, as the attack was made.
  const r = await runTbs(['export', '--db', db, '--out', db, '--overwrite', '--min-score', '0']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /dataset folder/);
  const reopened = await Engine.open({ dir: db });
  assert.ok((await reopened.stats()).samples > 0);
  await reopened.close();
});

test('--overwrite replaces only a previous export of this tool, never a user folder', async () => {
  const { root, engine } = await fixture();
  try {
    const user = join(root, 'user-folder');
    await mkdir(user);
    await writeFile(join(user, 'thesis.tex'), 'do not delete');
    await assert.rejects(
      exportFromStore(engine.store, { outDir: user, format: 'jsonl', overwrite: true, rule }),
      /not a previous Textbook Studio export/,
    );
    assert.equal(await readFile(join(user, 'thesis.tex'), 'utf8'), 'do not delete');
    // A fake manifest that does not name the tool is not enough.
    await writeFile(join(user, 'manifest.json'), JSON.stringify({ tool: { name: 'other' }, manifestVersion: 1 }));
    await assert.rejects(exportFromStore(engine.store, { outDir: user, format: 'jsonl', overwrite: true, rule }));
    assert.ok(existsSync(join(user, 'thesis.tex')));

    const out = join(root, 'export');
    await exportFromStore(engine.store, { outDir: out, format: 'jsonl', rule });
    await assert.rejects(exportFromStore(engine.store, { outDir: out, format: 'jsonl', rule }), /not empty/);
    const again = await exportFromStore(engine.store, { outDir: out, format: 'jsonl', overwrite: true, rule });
    assert.ok(again.manifestPath && existsSync(again.manifestPath));
  } finally {
    await engine.close();
  }
});

test('only marked, orphaned staging folders are cleaned; a look-alike sibling survives', async () => {
  const { root, engine } = await fixture();
  try {
    const out = join(root, 'out');
    const lookalike = join(root, 'out.tmp-2024-backup');
    await mkdir(lookalike);
    await writeFile(join(lookalike, 'data.bin'), 'backup');
    // A marked staging folder of a dead writer on this host: ours to clean.
    const orphan = join(root, 'out.tmp-deadbeef0000');
    await mkdir(orphan);
    const dead = 2 ** 22 + 12345; // above pid_max's usual default: no such process
    await writeFile(
      join(orphan, STAGING_MARKER),
      JSON.stringify({ tool: 'textbook-studio', pid: dead, host: hostname(), createdAt: '' }),
    );
    // A staging folder killed before its rename (made as `.init-`, marked): cleaned the same way;
    // an unmarked `.init-` look-alike is left alone.
    const half = join(root, 'out.init-deadbeef0001');
    await mkdir(half);
    await writeFile(
      join(half, STAGING_MARKER),
      JSON.stringify({ tool: 'textbook-studio', pid: dead, host: hostname(), createdAt: '' }),
    );
    const initLookalike = join(root, 'out.init-notes');
    await mkdir(initLookalike);
    // A marked folder from another host: its pid means nothing here, so it is left alone.
    const foreign = join(root, 'out.tmp-feedface0000');
    await mkdir(foreign);
    await writeFile(
      join(foreign, STAGING_MARKER),
      JSON.stringify({ tool: 'textbook-studio', pid: dead, host: 'another-host', createdAt: '' }),
    );
    await exportFromStore(engine.store, { outDir: out, format: 'jsonl', rule });
    assert.equal(await readFile(join(lookalike, 'data.bin'), 'utf8'), 'backup');
    assert.ok(!existsSync(orphan), 'orphaned staging folder removed');
    assert.ok(!existsSync(half), 'orphaned staging folder that was never renamed removed');
    assert.ok(existsSync(initLookalike), 'an unmarked look-alike kept');
    assert.deepEqual(
      (await readdir(root)).filter((f) => /^out\.(tmp|init)-[0-9a-f]{12}$/.test(f) && f !== 'out.tmp-feedface0000'),
      [],
      'the export left no staging folder of its own',
    );
    assert.ok(existsSync(foreign), 'staging folder of another host kept');
    assert.ok(!existsSync(join(out, STAGING_MARKER)), 'the finished export carries no staging marker');
  } finally {
    await engine.close();
  }
});

test('labels export refuses an existing file without --overwrite and any path inside the dataset', async () => {
  const { root, db, engine } = await fixture();
  try {
    const config = await readFile(join(db, 'config.json'), 'utf8');
    await assert.rejects(
      exportLabels(engine.store, join(db, 'config.json'), { overwrite: true }),
      /inside the dataset folder/,
    );
    assert.equal(await readFile(join(db, 'config.json'), 'utf8'), config);
    const notes = join(root, 'my-notes.txt');
    await assert.rejects(exportLabels(engine.store, notes), /exists; pass --overwrite/);
    assert.equal(await readFile(notes, 'utf8'), 'precious');
    const out = join(root, 'labels.jsonl');
    const n = await exportLabels(engine.store, out);
    assert.equal((await readFile(out, 'utf8')).trim().split('\n').length, n);
    assert.equal(await exportLabels(engine.store, out, { overwrite: true }), n);
    assert.deepEqual(
      (await readdir(root)).filter((f) => f.includes('.tmp-')),
      [],
      'no temp file left behind',
    );
  } finally {
    await engine.close();
  }
  const r = await runTbs(['labels', 'export', '--db', db, '--out', join(db, 'config.json')]);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /inside the dataset folder/);
  const reopened = await Engine.open({ dir: db });
  await reopened.close();
});

test('demo refuses a non-empty --out that is not an export, and runs twice into the same folder', async () => {
  const root = await tempDir();
  const db = join(root, 'demo-db');
  const user = join(root, 'mine');
  await mkdir(user);
  await writeFile(join(user, 'keep.txt'), 'mine');
  const env = { OPENAI_API_KEY: '', OPENAI_BASE_URL: '' };
  const refused = await runTbs(['demo', '--db', db, '--out', user, '--no-stdlib'], { env });
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /not a previous Textbook Studio export/);
  assert.equal(await readFile(join(user, 'keep.txt'), 'utf8'), 'mine');
  const out = join(root, 'demo-out');
  await mkdir(out); // empty: allowed
  for (let i = 0; i < 2; i++) {
    const r = await runTbs(['demo', '--db', db, '--out', out, '--no-stdlib', '--json'], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(existsSync(join(out, 'manifest.json')));
  }
});

test('a symlink does not slip a dataset past the output checks (red-team finding)', async () => {
  const { assertOutDirUsable, assertOutFileUsable, isSameOrInside } =
    await import('../../electron/engine/curate/output-dir.ts');
  const { symlink } = await import('node:fs/promises');
  const root = await tempDir();
  const out = join(root, 'out');
  const ds = join(out, 'ds');
  await mkdir(ds, { recursive: true });
  await writeFile(join(ds, 'config.json'), '{}');
  await writeFile(
    join(out, 'manifest.json'),
    JSON.stringify({ tool: { name: 'textbook-studio' }, manifestVersion: 1 }),
  );
  const dsLink = join(root, 'ds-link');
  await symlink(ds, dsLink);
  assert.ok(isSameOrInside(dsLink, out), 'the linked dataset lies inside the export folder');
  // A previous export that holds the dataset (reached through a link) is never replaced.
  await assert.rejects(assertOutDirUsable(out, true, dsLink), /contains the dataset folder/);
  // A file output whose path goes through a link into the dataset is refused.
  const outLink = join(root, 'out-link');
  await symlink(ds, outLink);
  await assert.rejects(assertOutFileUsable(join(outLink, 'config.json'), true, ds), /inside the dataset folder/);
  assert.equal(await readFile(join(ds, 'config.json'), 'utf8'), '{}');
});
