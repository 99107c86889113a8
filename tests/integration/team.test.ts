import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { Engine } from '../../electron/engine/engine.ts';
import { importPaths } from '../../electron/engine/ingest/importer.ts';
import { runTbs } from '../support/cli.ts';
import { tempDir } from '../support/temp.ts';

/** A dataset of `n` tiny distinct Python samples in a real LanceDB folder. */
async function dataset(n: number) {
  const dir = await tempDir();
  const src = join(dir, 'src.jsonl');
  await writeFile(
    src,
    Array.from({ length: n }, (_, i) => JSON.stringify({ content: `def f${i}(x):\n    return x + ${i}\n` })).join('\n'),
  );
  const db = join(dir, 'db');
  const engine = await Engine.open({ dir: db, create: true });
  await importPaths(engine.store, [src]);
  return { dir, db, engine };
}

test('assign: every selected sample gets `overlap` distinct annotators, balanced, deterministic; re-runs only top up', async () => {
  const a = await dataset(30);
  const b = await dataset(30);
  const run = (e: Engine, annotators: string[], overlap: number, limit?: number) =>
    e.invoke('team.assign', { annotators, overlap, limit });
  const r1 = await run(a.engine, ['alice', 'bob', 'carol'], 2, 20);
  assert.equal(r1.samples, 20);
  assert.equal(r1.added, 40);
  const loads = Object.values(r1.assigned);
  assert.equal(
    loads.reduce((x, y) => x + y, 0),
    40,
  );
  assert.ok(Math.max(...loads) - Math.min(...loads) <= 1, `balanced: ${JSON.stringify(r1.assigned)}`);
  const rows = async (e: Engine) =>
    ((await (await e.store.table('assignments')).query().toArray()) as { sample_id: string; annotator: string }[])
      .map((r) => `${r.sample_id}:${r.annotator}`)
      .sort();
  const first = await rows(a.engine);
  const perSample = new Map<string, Set<string>>();
  for (const k of first) {
    const [s, who] = k.split(':');
    perSample.set(s, (perSample.get(s) ?? new Set()).add(who));
  }
  assert.equal(perSample.size, 20);
  for (const set of perSample.values()) assert.equal(set.size, 2, 'two distinct annotators per sample');
  // Same data, same call, another folder: the same split.
  await run(b.engine, ['alice', 'bob', 'carol'], 2, 20);
  assert.deepEqual(await rows(b.engine), first);
  // Re-running tops up nothing and moves nothing.
  const again = await run(a.engine, ['alice', 'bob', 'carol'], 2, 20);
  assert.equal(again.added, 0);
  assert.deepEqual(await rows(a.engine), first);
  // More samples and a fourth annotator: old assignments stay exactly as they were.
  const more = await run(a.engine, ['alice', 'bob', 'carol', 'dan'], 2);
  assert.equal(more.samples, 30);
  assert.equal(more.added, 20);
  const after = await rows(a.engine);
  for (const k of first) assert.ok(after.includes(k), `kept ${k}`);
  assert.ok(more.assigned.dan >= 5, `dan takes new work: ${JSON.stringify(more.assigned)}`);
  await assert.rejects(run(a.engine, ['alice'], 2), /overlap 2/);
  await a.engine.close();
  await b.engine.close();
});

test('CLI: assigned queue, list fields, disagreements, adjudicate + undo, agreement, consensus rule in export and model', async () => {
  const { dir, db, engine } = await dataset(12);
  const ids = (await engine.query.list({ limit: 100 })).rows.map((r) => r.id);
  await engine.invoke('team.assign', { annotators: ['alice', 'bob'], overlap: 2, limit: 4 });
  const label = (sampleId: string, annotator: string, score: number, seconds?: number) =>
    engine.invoke('labels.addHuman', { sampleId, annotator, score, seconds });
  // ids[0]: 3 and 4 -> median 3.5, no disagreement; ids[1]: 1 and 4 -> disagreement (spread 3);
  // ids[2]: 2 and 3 -> keep/drop split at threshold 3; ids[3]: only alice.
  await label(ids[0], 'alice', 3, 12);
  await label(ids[0], 'bob', 4, 20);
  await label(ids[1], 'alice', 1, 8);
  await label(ids[1], 'bob', 4, 30);
  await label(ids[2], 'alice', 2, 10);
  await label(ids[2], 'bob', 3, 40);
  await label(ids[3], 'alice', 5, 6);
  const rec = await engine.store.labelsOf(ids[0]);
  assert.equal(rec[0].details.guidelineVersion, 1, 'labels record the guideline version');
  assert.equal(rec[0].details.seconds, 12);
  await engine.close();

  const queue = await runTbs(['queue', '--kind', 'assigned', '--annotator', 'bob', '--db', db, '--json']);
  assert.equal(queue.code, 0, queue.stderr);
  const bobRows = queue.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.deepEqual(
    bobRows.map((r) => r.id),
    [ids[3]],
    'bob has labeled three of his four',
  );

  const list = await runTbs(['list', '--db', db, '--json', '--where', 'human_score IS NOT NULL']);
  assert.equal(list.code, 0, list.stderr);
  const byId = new Map(
    list.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
      .map((r) => [r.id, r]),
  );
  assert.deepEqual(
    [byId.get(ids[0]).human_score, byId.get(ids[0]).human_labels, byId.get(ids[0]).human_spread],
    [3.5, 2, 1],
  );
  assert.equal(byId.get(ids[0]).adjudicated, false);

  const dis = await runTbs(['queue', '--kind', 'disagreements', '--db', db, '--json']);
  assert.equal(dis.code, 0, dis.stderr);
  assert.deepEqual(
    dis.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).id),
    [ids[1], ids[2]],
    'widest spread first; no model needed',
  );

  const adj = await runTbs([
    'adjudicate',
    ids[1],
    '--score',
    '2',
    '--annotator',
    'rita',
    '--note',
    'loops only',
    '--db',
    db,
    '--json',
  ]);
  assert.equal(adj.code, 0, adj.stderr);
  const adjRec = JSON.parse(adj.stdout);
  assert.equal(adjRec.origin, 'adjudication');
  assert.equal(adjRec.details.settles.length, 2);
  const dis2 = await runTbs(['queue', '--kind', 'disagreements', '--db', db, '--json']);
  assert.deepEqual(
    dis2.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).id),
    [ids[2]],
    'adjudicated samples leave the queue',
  );
  const bad = await runTbs(['adjudicate', ids[9], '--score', '2', '--annotator', 'rita', '--db', db]);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /no human label to adjudicate/);

  const agr = await runTbs(['agreement', '--db', db, '--json']);
  assert.equal(agr.code, 0, agr.stderr);
  const humans = JSON.parse(agr.stdout).humans;
  assert.equal(humans.n_items, 3);
  assert.equal(humans.pairs.length, 1);
  assert.deepEqual([humans.pairs[0].a, humans.pairs[0].b, humans.pairs[0].n], ['alice', 'bob', 3]);
  assert.equal(humans.pairs[0].exact, 0);
  const alice = humans.annotators.find((a: { annotator: string }) => a.annotator === 'alice');
  assert.equal(alice.labels, 4);
  assert.equal(alice.mean_score, (3 + 1 + 2 + 5) / 4);
  assert.equal(alice.median_seconds, 9, 'median of 12, 8, 10, 6');

  // Export uses the resolved value and says which rule it used.
  const out = join(dir, 'out');
  const ex = await runTbs(['export', '--out', out, '--format', 'jsonl', '--precedence', 'human', '--db', db, '--json']);
  assert.equal(ex.code, 0, ex.stderr);
  const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8'));
  assert.deepEqual(manifest.provenance.extra.humanResolution, { adjudicationWins: true, consensusRule: 'median' });
  const dataFiles = manifest.files.filter((f: { path: string }) => f.path.startsWith('data/'));
  const kept: string[] = [];
  for (const f of dataFiles)
    for (const l of (await readFile(join(out, f.path), 'utf8')).trim().split('\n')) if (l) kept.push(JSON.parse(l).id);
  // ids[0] median 3.5 keeps; ids[1] adjudicated 2 drops; ids[2] median 2.5 drops; ids[3] 5 keeps.
  assert.deepEqual(kept.sort(), [ids[0], ids[3]].sort());

  // Switching the rule re-resolves; undo of the adjudication brings the rule back.
  const cons = await runTbs(['consensus', 'latest', '--db', db, '--json']);
  assert.equal(cons.code, 0, cons.stderr);
  const e2 = await Engine.open({ dir: db });
  assert.equal(e2.store.index.rowView(e2.store.index.row(ids[2])!).human_score, 3, 'latest: bob 3');
  assert.equal(e2.store.index.rowView(e2.store.index.row(ids[1])!).human_score, 2, 'adjudication still wins');
  await e2.invoke('labels.retract', { labelId: adjRec.labelId, annotator: 'rita' });
  assert.equal(e2.store.index.rowView(e2.store.index.row(ids[1])!).human_score, 4);
  assert.equal(e2.store.index.rowView(e2.store.index.row(ids[1])!).adjudicated, false);
  await e2.close();
});

test('offline: a desktop annotator exports her labels, the owner imports them with provenance, idempotently', async () => {
  const desk = await dataset(5);
  const own = await dataset(5);
  const ids = (await desk.engine.query.list({ limit: 10 })).rows.map((r) => r.id);
  const a = await desk.engine.invoke('labels.addHuman', { sampleId: ids[0], score: 4, annotator: 'alice', seconds: 7 });
  const b = await desk.engine.invoke('labels.addHuman', { sampleId: ids[1], score: 1, annotator: 'alice' });
  await desk.engine.invoke('labels.retract', { labelId: b.labelId, annotator: 'alice' });
  const file = join(desk.dir, 'alice.jsonl');
  await desk.engine.invoke('labels.export', { path: file, kind: 'human' });
  await desk.engine.close();
  const first = await own.engine.invoke('labels.importHuman', { path: file });
  assert.deepEqual([first.imported, first.alreadyPresent, first.errors.length], [1, 0, 0], JSON.stringify(first));
  const again = await own.engine.invoke('labels.importHuman', { path: file });
  assert.deepEqual([again.imported, again.alreadyPresent], [0, 1]);
  const [rec] = (await own.engine.store.labelsOf(ids[0])).filter((l) => l.kind === 'human');
  assert.equal(rec.agent, 'alice');
  assert.equal(rec.origin, 'import');
  assert.equal(rec.details.sourceLabelId, a.labelId);
  assert.equal(rec.details.guidelineVersion, 1);
  assert.equal(rec.details.seconds, 7);
  assert.equal((await own.engine.store.labelsOf(ids[1])).length, 0, 'the label she undid does not travel');
  await own.engine.close();
});
