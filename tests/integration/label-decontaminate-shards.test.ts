import assert from 'node:assert/strict';
import { cp, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, test } from 'node:test';
import { Engine } from '../../electron/engine/engine.ts';
import { importPaths } from '../../electron/engine/ingest/importer.ts';
import { runLabeling } from '../../electron/engine/label/labeler.ts';
import { DatasetStore } from '../../electron/engine/store/dataset-store.ts';
import { labelShard, shareOfBudget } from '../../electron/engine/shards/label-shard.ts';
import { decontaminateShard } from '../../electron/engine/shards/decontaminate-shard.ts';
import { mergeShards } from '../../electron/engine/shards/merge.ts';
import { decontaminateStore, DEFAULT_DECONTAMINATE_COSINE } from '../../electron/engine/curate/contamination-check.ts';
import { resolveEmbedder } from '../../electron/engine/embed/embedder-spec.ts';
import { startFakeOpenAI, type FakeOpenAI } from '../support/openai-server.ts';
import { corpus, jsonl, TEAM_ITEMS } from '../support/benchmark-items.ts';
import { runTbs } from '../support/cli.ts';
import { STDLIB, tempDir } from '../support/temp.ts';

const servers: FakeOpenAI[] = [];
after(async () => {
  for (const s of servers) await s.close();
});
async function fake(opts?: Parameters<typeof startFakeOpenAI>[0]) {
  const s = await startFakeOpenAI(opts);
  servers.push(s);
  return s;
}
const chatCalls = (s: FakeOpenAI) => s.requests.filter((r) => r.path.endsWith('/chat/completions'));
const sampleOf = (body: { messages: { content: string }[] }) => body.messages.at(-1)!.content;

/** A dataset of real stdlib functions, plus a copy for the single-process run. */
async function twoDatasets(dir: string) {
  const db = join(dir, 'db');
  const e = await Engine.open({ dir: db });
  await importPaths(e.store, [join(STDLIB, 'json'), join(STDLIB, 'csv.py')], { chunk: 'function' });
  await e.close();
  const copy = join(dir, 'single');
  await cp(db, copy, { recursive: true });
  return { db, copy };
}

/** Every LLM label's content (not its id or time), by sample. */
async function llmLabels(store: DatasetStore) {
  const out: string[] = [];
  for (const id of store.index.ids)
    for (const l of await store.labelsOf(id))
      if (l.kind === 'llm')
        out.push(JSON.stringify([id, l.score, l.keep, l.rationale, l.agent, l.details.paramsHash, l.details.usage]));
  return out.sort();
}

test('tbs label --shard: 3 CLI shards beside a writer, merged under the lock, equal a single run; folding twice adds nothing', async () => {
  const dir = await tempDir();
  const { db, copy } = await twoDatasets(dir);
  const server = await fake();
  const common = ['--base-url', server.url, '--model', 'gpt-4o-mini', '--limit', '24', '--concurrency', '6'];
  // A writer holds the dataset the whole time the shards run: they take no lock.
  const writer = await Engine.open({ dir: db, holder: 'test writer' });
  const outs = await Promise.all(
    [0, 1, 2].map((k) =>
      runTbs(['label', '--db', db, ...common, '--shard', `${k}/3`, '--json'], { env: { OPENAI_API_KEY: 'k' } }),
    ),
  );
  const shards = outs.map((o) => {
    assert.equal(o.code, 0, o.stderr);
    return JSON.parse(o.stdout);
  });
  assert.equal(
    shards.reduce((n, s) => n + s.labeled, 0),
    24,
  );
  assert.deepEqual(
    shards.map((s) => s.concurrency),
    [2, 2, 2],
    '--concurrency 6 is split over 3 shards',
  );
  assert.equal(new Set(chatCalls(server).map((r) => sampleOf(r.body))).size, 24, 'no sample asked twice');
  assert.equal((await writer.stats()).labels.llm, 0, 'shards wrote nothing into the dataset');

  // The merge takes the writer lock: refused while another writer holds it.
  const busy = await runTbs(['merge', '--db', db]);
  assert.notEqual(busy.code, 0);
  assert.match(busy.stderr, /test writer/);
  await writer.close();

  const saved = join(dir, 'shards-before-merge');
  await cp(join(db, 'shards'), saved, { recursive: true });
  const m = await runTbs(['merge', '--db', db, '--json']);
  assert.equal(m.code, 0, m.stderr);
  const set = JSON.parse(m.stdout).sets.find((s: { command: string }) => s.command === 'label');
  assert.equal(set.folded, true);
  assert.equal(set.rows.labels, 24);
  assert.deepEqual(await readdir(join(db, 'shards')), [], 'folded folders are removed');

  // A crash after folding but before the folders were removed: the same shards fold to nothing.
  await cp(saved, join(db, 'shards'), { recursive: true });
  const w = await DatasetStore.open(db);
  const again = await mergeShards(w);
  assert.equal(again.ok, true);
  assert.equal(again.sets[0].rows.labels, 0);
  assert.equal((await llmLabels(w)).length, 24);
  await w.close();

  const single = await Engine.open({ dir: copy });
  const s = await runLabeling(single.store, {
    baseURL: server.url,
    apiKey: 'k',
    model: 'gpt-4o-mini',
    template: 'edu-additive',
    limit: 24,
    concurrency: 6,
  });
  assert.equal(s.labeled, 24);
  const merged = await DatasetStore.open(db, { mode: 'read' });
  const a = await llmLabels(merged);
  const b = await llmLabels(single.store);
  assert.equal(a.length, 24);
  assert.deepEqual(a, b, 'sharded labels equal the single-process ones');
  assert.deepEqual(
    merged.llmSources().map((x) => [x.source, x.samples]),
    single.store.llmSources().map((x) => [x.source, x.samples]),
  );
  await merged.close();
  await single.close();
});

test('--max-cost holds across shards (split evenly) and across a cancelled shard and its re-run, which pays for nothing twice', async () => {
  const dir = await tempDir();
  const { db } = await twoDatasets(dir);
  const setup = await DatasetStore.open(db);
  await setup.folder.saveConfig({ ...setup.config, prices: { 'pricey-model': { input: 1000, output: 1000 } } });
  await setup.close();
  const server = await fake({ latencyMs: 30 });
  const maxCost = 2.5;
  const base = {
    baseURL: server.url,
    apiKey: 'k',
    model: 'pricey-model',
    template: 'edu-additive',
    limit: 30,
    maxTokens: 100,
    concurrency: 6,
    maxCost,
  };
  const share = shareOfBudget(maxCost, { k: 0, n: 3 });
  assert.ok(share * 3 <= maxCost);

  // Shard 0 is cancelled after its first label, then re-run with the same settings.
  const ctl = new AbortController();
  const r0 = await DatasetStore.open(db, { mode: 'read' });
  const first = await labelShard(
    r0,
    { k: 0, n: 3 },
    {
      ...base,
      signal: ctl.signal,
      onProgress: (p) => {
        if (p.labeled >= 1) ctl.abort();
      },
    },
  );
  assert.equal(first.stoppedBy, 'cancelled');
  assert.ok(first.labeled >= 1);
  const callsAfterFirst = chatCalls(server).length;
  const again = await labelShard(r0, { k: 0, n: 3 }, base);
  assert.equal(again.resumed, true);
  assert.ok(again.earlier_cost_usd >= first.cost_usd - 1e-9, 'the re-run counts what the first run spent');
  assert.ok(
    first.cost_usd + again.cost_usd <= share + 1e-9,
    `shard 0 spent ${first.cost_usd + again.cost_usd} > ${share}`,
  );
  await r0.close();

  const others = await Promise.all(
    [1, 2].map(async (k) => {
      const st = await DatasetStore.open(db, { mode: 'read' });
      try {
        return await labelShard(st, { k, n: 3 }, base);
      } finally {
        await st.close();
      }
    }),
  );
  const total = first.cost_usd + again.cost_usd + others.reduce((n, s) => n + s.cost_usd, 0);
  assert.ok(total <= maxCost, `shards together spent ${total} > --max-cost ${maxCost}`);
  for (const s of others) assert.ok(s.cost_usd <= share + 1e-9);
  assert.ok(
    [again, ...others].some((s) => s.stoppedBy === 'budget'),
    'the cap actually bit',
  );
  // No sample was asked for twice, even across the cancelled run and its re-run.
  const asked = chatCalls(server).map((r) => sampleOf(r.body));
  assert.equal(new Set(asked).size, asked.length);
  assert.ok(asked.length > callsAfterFirst);

  const w = await DatasetStore.open(db);
  const m = await mergeShards(w);
  assert.equal(m.ok, true);
  const labeled = first.labeled + again.labeled + others.reduce((n, s) => n + s.labeled, 0);
  assert.equal(m.sets[0].rows.labels, labeled);
  let recorded = 0;
  for (const id of w.index.ids)
    for (const l of await w.labelsOf(id)) if (l.kind === 'llm') recorded += l.details.costUsd as number;
  assert.ok(recorded <= maxCost, `merged labels cost ${recorded}`);
  await w.close();
});

test('--concurrency smaller than the shard count is refused, naming both', async () => {
  const dir = await tempDir();
  const { db } = await twoDatasets(dir);
  const st = await DatasetStore.open(db, { mode: 'read' });
  await assert.rejects(
    labelShard(
      st,
      { k: 3, n: 4 },
      { model: 'gpt-4o-mini', template: 'edu-additive', concurrency: 2, baseURL: 'http://127.0.0.1:9' },
    ),
    /--concurrency 2 cannot be split over 4 shards/,
  );
  await st.close();
});

test('decontaminate --shard: 3 shards merged equal a single-process check; folding twice adds nothing', async () => {
  const dir = await tempDir();
  const db = join(dir, 'db');
  const { file } = await corpus(dir);
  const setup = await DatasetStore.open(db);
  await importPaths(setup, [file], { textField: 'text' });
  await importPaths(setup, [join(STDLIB, 'json')], { chunk: 'function' });
  await setup.close();
  const copy = join(dir, 'single');
  await cp(db, copy, { recursive: true });
  const bench = join(dir, 'team.jsonl.gz');
  await writeFile(bench, gzipSync(jsonl(TEAM_ITEMS)));
  const opts = async (store: DatasetStore) => ({
    benchmarks: [bench],
    ngram: 13,
    cosine: DEFAULT_DECONTAMINATE_COSINE,
    ast: true,
    embedder: (await resolveEmbedder(store)).embedder,
  });

  // Shards beside a writer (no lock), each into its own folder.
  const writer = await DatasetStore.open(db);
  for (const k of [0, 1, 2]) {
    const st = await DatasetStore.open(db, { mode: 'read' });
    const r = await decontaminateShard(st, { k, n: 3 }, await opts(st));
    assert.ok(r.checked > 0);
    await st.close();
  }
  assert.equal(writer.annotations.runsOf('contamination').length, 0, 'shards wrote nothing into the dataset');
  await writer.close();

  const saved = join(dir, 'saved');
  await cp(join(db, 'shards'), saved, { recursive: true });
  const w = await DatasetStore.open(db);
  const m = await mergeShards(w);
  assert.equal(m.ok, true);
  assert.equal(m.sets[0].rows.checked, w.index.size);
  await w.close();
  await cp(saved, join(db, 'shards'), { recursive: true });
  const w2 = await DatasetStore.open(db);
  const m2 = await mergeShards(w2);
  assert.equal(m2.sets[0].rows.checked, 0, 'folding the same runs again adds nothing');
  const runs = w2.annotations.runsOf('contamination').length;
  await w2.close();

  const single = await DatasetStore.open(copy);
  const s = await decontaminateStore(single, await opts(single));
  assert.equal(s.flagged, 3);
  const merged = await DatasetStore.open(db, { mode: 'read' });
  assert.equal(merged.annotations.runsOf('contamination').length, runs, 'a reload sees the same runs');
  const flags = (st: DatasetStore) =>
    st.index.ids.flatMap((id) =>
      st.annotations
        .annotationsOf(id, 'contamination')
        .map((a) => JSON.stringify([id, a.method, a.subject, a.evidence]))
        .sort(),
    );
  assert.equal(flags(merged).length, flags(single).length);
  assert.deepEqual(flags(merged), flags(single), 'the same flags with the same evidence');
  // A re-check after the merge finds every sample current for this scope.
  const re = await decontaminateStore(merged, await opts(merged));
  assert.equal(re.rechecked, 0);
  assert.equal(re.flagged, 3);
  await merged.close();
  await single.close();
});

test('a label shard killed mid-call: its open reservation counts as spent on the re-run; other settings are refused, not deleted', async () => {
  const dir = await tempDir();
  const { db } = await twoDatasets(dir);
  const setup = await DatasetStore.open(db);
  await setup.folder.saveConfig({ ...setup.config, prices: { 'pricey-model': { input: 1000, output: 1000 } } });
  await setup.close();
  const server = await fake();
  const base = {
    baseURL: server.url,
    apiKey: 'k',
    model: 'pricey-model',
    template: 'edu-additive',
    limit: 6,
    maxTokens: 100,
    concurrency: 2,
    maxCost: 200,
  };
  const st = await DatasetStore.open(db, { mode: 'read' });
  const first = await labelShard(st, { k: 0, n: 2 }, base);
  assert.equal(first.stoppedBy, 'done');
  // What a SIGKILL during a call leaves: its reservation, never released.
  const ledger = join(first.shard, 'ledger.jsonl');
  await writeFile(ledger, (await readFile(ledger, 'utf8')) + JSON.stringify({ t: 'r', usd: 40 }) + '\n{"t":"s","us');
  const again = await labelShard(st, { k: 0, n: 2 }, { ...base, limit: 20 });
  assert.ok(Math.abs(again.earlier_cost_usd - (first.cost_usd + 40)) < 1e-9, `earlier ${again.earlier_cost_usd}`);
  assert.ok(first.cost_usd + 40 + again.cost_usd <= 100 + 1e-9, 'the shard stays within its half of --max-cost');
  await assert.rejects(labelShard(st, { k: 0, n: 2 }, { ...base, model: 'gpt-4o-mini' }), /other settings/);
  assert.ok((await readFile(ledger, 'utf8')).length > 0, 'the refused run left the ledger alone');
  await st.close();
});
