import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { Engine } from '../../electron/engine/engine.ts';
import { importPaths } from '../../electron/engine/ingest/importer.ts';
import { tempDir } from '../support/temp.ts';

async function seeded(dir: string, n = 50) {
  const file = join(dir, 'in.jsonl');
  await writeFile(
    file,
    Array.from({ length: n }, (_, i) => JSON.stringify({ content: `def s${i}():\n    return ${i}\n` })).join('\n'),
  );
  const engine = await Engine.open({ dir: join(dir, 'db') });
  await importPaths(engine.store, [file]);
  return engine;
}

test('human labels, undo by retraction, history kept; current value follows the latest non-retracted label', async () => {
  const dir = await tempDir();
  const engine = await seeded(dir);
  const id = engine.store.index.ids[0];
  const l1 = await engine.invoke('labels.addHuman', { sampleId: id, score: 4, annotator: 'ann' });
  assert.equal(l1.keep, true);
  const l2 = await engine.invoke('labels.addHuman', { sampleId: id, score: 1, annotator: 'ann', note: 'boilerplate' });
  assert.equal((await engine.invoke('samples.get', { id })).row.human_score, 1);
  const undo = await engine.invoke('labels.retract', { labelId: l2.labelId, annotator: 'ann' });
  assert.equal(undo.retracts, l2.labelId);
  const got = await engine.invoke('samples.get', { id });
  assert.equal(got.row.human_score, 4, 'back to the earlier label');
  assert.deepEqual(
    got.labels.map((l) => l.labelId),
    [l1.labelId, l2.labelId, undo.labelId],
  );
  await assert.rejects(engine.invoke('labels.retract', { labelId: l2.labelId, annotator: 'ann' }), /already retracted/);
  await assert.rejects(engine.invoke('labels.addHuman', { sampleId: id, score: 7, annotator: 'ann' }), /score/);
  await assert.rejects(
    engine.invoke('labels.addHuman', { sampleId: 'nope', score: 3, annotator: 'ann' }),
    /unknown sample/,
  );
  await engine.close();
  const again = await Engine.open({ dir: join(dir, 'db') });
  assert.equal((await again.invoke('samples.get', { id })).row.human_score, 4);
  assert.equal((await again.stats()).labels.human, 1);
  await again.close();
});

test('an acknowledged label survives SIGKILL before it reached LanceDB, and is replayed exactly once', async () => {
  const dir = await tempDir();
  const engine = await seeded(dir);
  const ids = engine.store.index.ids.slice(0, 20);
  await engine.close();
  // A child process labels 20 samples, prints ACK after each durable write, then is killed
  // before the 500 ms group commit could move them into LanceDB.
  const script = `
    import { Engine } from ${JSON.stringify(join(process.cwd(), 'electron/engine/engine.ts'))};
    const e = await Engine.open({ dir: ${JSON.stringify(join(dir, 'db'))} });
    for (const id of ${JSON.stringify(ids)}) { await e.invoke('labels.addHuman', { sampleId: id, score: 5, annotator: 'crash' }); }
    process.stdout.write('ACK\\n');
    setInterval(() => {}, 1000);
  `;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, LANCEDB_LOG: 'error' },
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d) => {
      if (String(d).includes('ACK')) {
        child.kill('SIGKILL');
        resolve();
      }
    });
    child.on('exit', (code) => reject(new Error(`child exited early: ${code}`)));
  });
  await new Promise((r) => child.once('close', r));
  const journal = await readdir(join(dir, 'db', 'journal'));
  assert.ok(journal.length >= 1, 'the journal segment is left behind');
  // What the group commit had moved into LanceDB before the kill (a busy machine may get some in).
  const reader = await Engine.open({ dir: join(dir, 'db'), mode: 'read' });
  const committed = await (await reader.store.table('labels')).countRows();
  assert.equal((await reader.stats()).labels.human, 20, 'a read-only open sees the journal too, and leaves it');
  await reader.close();
  assert.ok(committed < 20, 'the kill came before the last group commit');
  const reopened = await Engine.open({ dir: join(dir, 'db') });
  assert.equal(reopened.store.replayedOnOpen, 20 - committed, 'exactly the labels not yet in LanceDB are replayed');
  assert.equal((await reopened.stats()).labels.human, 20);
  assert.equal(await (await reopened.store.table('labels')).countRows(), 20);
  await reopened.close();
  const third = await Engine.open({ dir: join(dir, 'db') });
  assert.equal(third.store.replayedOnOpen, 0, 'nothing replayed twice');
  assert.equal(await (await third.store.table('labels')).countRows(), 20);
  await third.close();
});

test('many concurrent label writes are group-committed into few LanceDB writes', async () => {
  const dir = await tempDir();
  const engine = await seeded(dir, 300);
  const ids = engine.store.index.ids;
  await Promise.all(
    ids.map((id, i) => engine.invoke('labels.addHuman', { sampleId: id, score: i % 6, annotator: 'bulk' })),
  );
  await engine.store.flush();
  const labels = await engine.store.table('labels');
  assert.equal(await labels.countRows(), 300);
  const versions = await labels.listVersions();
  assert.ok(versions.length <= 5, `300 labels took ${versions.length} table versions`);
  await engine.close();
});

test('a retried save with the same requestId returns the stored label instead of a duplicate', async () => {
  const dir = await tempDir();
  const engine = await seeded(dir, 5);
  const id = engine.store.index.ids[1];
  const requestId = '0f8fad5b-d9cb-469f-a165-70867728950e';
  const a = await engine.invoke('labels.addHuman', { sampleId: id, score: 3, annotator: 'ann', requestId });
  const b = await engine.invoke('labels.addHuman', { sampleId: id, score: 3, annotator: 'ann', requestId });
  assert.equal(a.labelId, b.labelId);
  await engine.store.flush();
  const c = await engine.invoke('labels.addHuman', { sampleId: id, score: 3, annotator: 'ann', requestId });
  assert.equal(c.labelId, a.labelId, 'also once the label reached LanceDB');
  assert.equal((await engine.invoke('samples.get', { id })).labels.length, 1);
  await assert.rejects(
    engine.invoke('labels.addHuman', { sampleId: id, score: 5, annotator: 'ann', requestId }),
    /already used/,
  );
  await engine.close();
});
