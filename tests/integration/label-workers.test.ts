import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Engine } from '../../electron/engine/engine.ts';
import { importPaths } from '../../electron/engine/ingest/importer.ts';
import { estimateLabeling, runLabeling } from '../../electron/engine/label/labeler.ts';
import { createCpuPool } from '../../electron/engine/workers/cpu-pool.ts';
import { plantedSamples } from '../support/hygiene-fixtures.ts';
import { startFakeOpenAI, type FakeOpenAI } from '../support/openai-server.ts';
import { STDLIB, tempDir } from '../support/temp.ts';

const servers: FakeOpenAI[] = [];
/** The run options every test here shares: the fake server, its key, the model and the template. */
const callOpts = (server: FakeOpenAI) => ({
  baseURL: server.url,
  apiKey: 'k',
  model: 'gpt-4o-mini',
  template: 'edu-additive',
});
after(async () => {
  for (const s of servers) await s.close();
});

test('prompts built on 2 worker threads are the ones built inline: same requests, tokens, labels, redaction', async () => {
  const dir = await tempDir();
  const fx = plantedSamples();
  const repo = join(dir, 'repo');
  await mkdir(repo);
  await writeFile(join(repo, 'client.py'), fx.python);
  const runs: { bodies: string[]; summary: object; estimate: object; scores: string[] }[] = [];
  for (const workers of [1, 2]) {
    const pool = await createCpuPool(workers);
    after(() => pool.close());
    assert.equal(pool.workers, workers);
    const engine = await Engine.open({ dir: join(dir, `db${workers}`), create: true });
    try {
      // No scan at import: the planted secrets are found by the prompt builder (in the worker).
      await importPaths(engine.store, [join(STDLIB, 'email'), repo], { chunk: 'function', hygiene: false });
      const server = await startFakeOpenAI();
      servers.push(server);
      const opts = {
        baseURL: server.url,
        apiKey: 'k',
        model: 'gpt-4o-mini',
        template: 'edu-additive',
        concurrency: 8,
        // Small enough that long functions are cut inside a token run.
        maxInputTokens: 300,
        pool,
      };
      const estimate = await estimateLabeling(engine.store, opts);
      const s = await runLabeling(engine.store, opts);
      assert.equal(s.failed, 0);
      assert.equal(s.labeled, engine.store.index.size);
      assert.equal(estimate.calls, s.calls);
      const bodies = server.requests
        .filter((r) => r.path.endsWith('/chat/completions'))
        .map((r) => JSON.stringify(r.body));
      const sent = bodies.join('\n');
      for (const value of Object.values(fx.values))
        assert.ok(!sent.includes(value), `${value.slice(0, 14)} reached the LLM`);
      assert.ok(sent.includes('<SECRET>'));
      const labels = await (
        await engine.store.table('labels')
      )
        .query()
        .select(['sample_id', 'score', 'details'])
        .toArray();
      runs.push({
        bodies: bodies.sort(),
        summary: { labeled: s.labeled, prompt: s.prompt_tokens, completion: s.completion_tokens, calls: s.calls },
        estimate: { calls: estimate.calls, prompt: estimate.prompt_tokens, truncated: estimate.truncated },
        scores: labels
          .map((l) => {
            const d = JSON.parse(l.details as string);
            return `${l.sample_id} ${l.score} ${d.sampleTokens} ${d.keptTokens} ${d.truncated}`;
          })
          .sort(),
      });
    } finally {
      await engine.close();
      await pool.close();
    }
  }
  const [one, two] = runs;
  assert.ok(one.bodies.length > 100, `a real selection: ${one.bodies.length} calls`);
  assert.ok((one.estimate as { truncated: number }).truncated > 0, 'some samples were truncated');
  assert.deepEqual(two.summary, one.summary);
  assert.deepEqual(two.estimate, one.estimate);
  assert.deepEqual(two.scores, one.scores);
  assert.deepEqual(two.bodies, one.bodies);
});

test('cancelling a run whose calls are on a worker thread stops at once, with nothing labeled or paid twice', async () => {
  const dir = await tempDir();
  const pool = await createCpuPool(2);
  after(() => pool.close());
  const engine = await Engine.open({ dir: join(dir, 'db'), create: true });
  try {
    await importPaths(engine.store, [join(STDLIB, 'json')], { chunk: 'function' });
    // Answers would take 60 s: only the cancellation can end this run within the test's time.
    const server = await startFakeOpenAI({ latencyMs: 60_000 });
    servers.push(server);
    const ac = new AbortController();
    const run = runLabeling(engine.store, {
      baseURL: server.url,
      apiKey: 'k',
      model: 'gpt-4o-mini',
      template: 'edu-additive',
      concurrency: 4,
      pool,
      signal: ac.signal,
    });
    while (server.requests.filter((r) => r.path.endsWith('/chat/completions')).length < 4)
      await new Promise((r) => setTimeout(r, 20));
    ac.abort();
    const s = await run;
    assert.equal(s.stoppedBy, 'cancelled');
    assert.equal(s.labeled, 0);
    assert.equal(s.failed, 0, 'a cancelled call is not a failure');
    assert.equal(await (await engine.store.table('labels')).countRows(), 0);
  } finally {
    await engine.close();
    await pool.close();
  }
});

test(
  'a cold pool does not hold up the first prompts: batches are built inline until every thread has warmed up',
  { timeout: 60_000 },
  async () => {
    const { PromptFeed } = await import('../../electron/engine/label/prompt-feed.ts');
    const { resolveTemplate } = await import('../../electron/engine/label/templates.ts');
    const dir = await tempDir();
    const engine = await Engine.open({ dir: join(dir, 'db'), create: true });
    after(() => engine.close());
    await importPaths(engine.store, [join(STDLIB, 'json'), join(STDLIB, 'email', 'mime')], {
      chunk: 'function',
      hygiene: false,
    });
    const ids = [...engine.store.index.ids].slice(0, 40);
    assert.ok(ids.length >= 24, `${ids.length} samples`);
    const { template } = await resolveTemplate(engine.store, 'edu-additive');
    // A pool whose threads answer only once released: the warm-up tasks and every pooled batch wait.
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const { pool, pooled } = await fakePromptPool(released);
    const feed = new PromptFeed(engine.store, ids, template, 300, pool, { batchSize: 4, ahead: 2, warmUp: true });
    const got: { sampleId: string; prompt: unknown }[] = [];
    for (let k = 0; k < 12; k++) got.push((await feed.take())!);
    assert.deepEqual(pooled, [1, 1], 'only the two one-sample warm-up tasks went to the cold pool');
    assert.ok(feed.inlineBatches >= 3, `${feed.inlineBatches} batches built inline`);
    release();
    for (let r = await feed.take(); r; r = await feed.take()) got.push(r);
    await feed.close();
    assert.ok(pooled.length > 2, `pool batches after warm-up: ${pooled}`);
    // The same prompts, in selection order, as a feed with no pool at all.
    const plain = new PromptFeed(engine.store, ids, template, 300, null, { batchSize: 4 });
    const want: { sampleId: string; prompt: unknown }[] = [];
    for (let r = await plain.take(); r; r = await plain.take()) want.push(r);
    assert.equal(got.length, ids.length);
    assert.deepEqual(got, want);
  },
);

test('a labeling run warms its prompt threads only once its first call is answered', async () => {
  const dir = await tempDir();
  const engine = await Engine.open({ dir: join(dir, 'db'), create: true });
  after(() => engine.close());
  await importPaths(engine.store, [join(STDLIB, 'json')], { chunk: 'function', hygiene: false });
  const n = engine.store.index.size;
  const server = await startFakeOpenAI({ latencyMs: 50 });
  servers.push(server);
  const { pool, pooled } = await fakePromptPool(Promise.resolve());
  // What the server had received when each task reached the pool.
  const seen: number[] = [];
  const prompts = pool.prompts.bind(pool);
  (pool as { prompts: typeof prompts }).prompts = (t) => {
    seen.push(server.requests.length);
    return prompts(t);
  };
  const s = await runLabeling(engine.store, { ...callOpts(server), concurrency: 4, pool });
  assert.equal(s.labeled, n);
  assert.deepEqual(pooled.slice(0, 2), [1, 1], 'the two one-sample warm-up tasks come first');
  // Before, the warm-up went to the pool as soon as the first batch was built: no request yet.
  assert.ok(seen[0] >= 1, `the warm-up reached the pool after ${seen[0]} requests`);
});

test('a labeling run cancelled before its first answer never warms its prompt threads', async () => {
  const dir = await tempDir();
  const engine = await Engine.open({ dir: join(dir, 'db'), create: true });
  after(() => engine.close());
  await importPaths(engine.store, [join(STDLIB, 'json')], { chunk: 'function', hygiene: false });
  const server = await startFakeOpenAI({ latencyMs: 5_000 });
  servers.push(server);
  const { pool, pooled } = await fakePromptPool(Promise.resolve());
  const ac = new AbortController();
  const poll = setInterval(() => {
    if (server.requests.length) ac.abort();
  }, 5);
  try {
    await runLabeling(engine.store, { ...callOpts(server), concurrency: 4, pool, signal: ac.signal }).catch(() => null);
  } finally {
    clearInterval(poll);
  }
  assert.ok(ac.signal.aborted);
  assert.deepEqual(pooled, [], 'no warm-up task after a cancel');
});

test("the in-process transport leaves no listener on the run's signal, and a cancel still stops its call", async () => {
  const { createClient, inProcessChat } = await import('../../electron/engine/label/chat-transport.ts');
  const { EventEmitter } = await import('node:events');
  const server = await startFakeOpenAI({ apiKey: 'k' });
  servers.push(server);
  const chat = inProcessChat(createClient({ baseURL: server.url, apiKey: 'k' }));
  const run = new AbortController();
  const ask = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'hi' }] };
  for (let i = 0; i < 25; i++) await chat.create(ask, run.signal);
  server.queueFaults({ kind: '500' });
  await assert.rejects(chat.create(ask, run.signal));
  // `openai` never removes the listener it adds: given the run's signal, 26 were left here.
  assert.equal(EventEmitter.getEventListeners(run.signal, 'abort').length, 0);
  // A signal aborted before the call: refused at once, nothing sent.
  const gone = new AbortController();
  gone.abort();
  const sent = server.requests.length;
  await assert.rejects(chat.create(ask, gone.signal), (e: Error) => e instanceof OpenAI.APIUserAbortError);
  assert.equal(server.requests.length, sent);
  const slow = await startFakeOpenAI({ apiKey: 'k', latencyMs: 10_000 });
  servers.push(slow);
  const stuck = inProcessChat(createClient({ baseURL: slow.url, apiKey: 'k' })).create(ask, run.signal);
  setTimeout(() => run.abort(), 50);
  await assert.rejects(stuck, (e: Error) => e instanceof OpenAI.APIUserAbortError);
});

test("no request reaches the server before the first call, and the first carries the caller's key", async () => {
  const { chatWorkerEntry, workerChat } = await import('../../electron/engine/label/chat-transport.ts');
  const server = await startFakeOpenAI({ apiKey: 'k' });
  servers.push(server);
  const chat = workerChat(chatWorkerEntry()!, { baseURL: server.url, apiKey: 'k', timeoutMs: 10_000 });
  try {
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(server.requests.length, 0);
    const r = await chat.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
    assert.ok(r.data.choices.length >= 1);
    assert.equal(server.requests.length, 1);
    assert.equal(server.requests[0].headers.authorization, 'Bearer k');
  } finally {
    await chat.close();
  }
});

test('without warm-up (an estimate), every batch goes to the pool from the first', async () => {
  const { PromptFeed } = await import('../../electron/engine/label/prompt-feed.ts');
  const { resolveTemplate } = await import('../../electron/engine/label/templates.ts');
  const dir = await tempDir();
  const engine = await Engine.open({ dir: join(dir, 'db'), create: true });
  after(() => engine.close());
  await importPaths(engine.store, [join(STDLIB, 'json')], { chunk: 'function', hygiene: false });
  const ids = [...engine.store.index.ids];
  const { template } = await resolveTemplate(engine.store, 'edu-additive');
  const { pool, pooled } = await fakePromptPool(Promise.resolve());
  const feed = new PromptFeed(engine.store, ids, template, 300, pool, { batchSize: 4 });
  let n = 0;
  for (let r = await feed.take(); r; r = await feed.take()) n++;
  await feed.close();
  assert.equal(n, ids.length);
  assert.equal(feed.inlineBatches, 0);
  assert.equal(
    pooled.reduce((a, b) => a + b, 0),
    ids.length,
    'no warm-up task, every sample built on the pool',
  );
});

/** A 2-thread pool that builds prompts inline once `gate` settles, logging each task's size. */
async function fakePromptPool(gate: Promise<void>) {
  const { buildPrompts } = await import('../../electron/engine/label/prompt-build.ts');
  const pooled: number[] = [];
  const pool = {
    workers: 2,
    prompts: async (t: {
      template: Parameters<typeof buildPrompts>[0];
      items: Parameters<typeof buildPrompts>[1];
      maxInputTokens: number;
    }) => {
      pooled.push(t.items.length);
      await gate;
      return buildPrompts(t.template, t.items, t.maxInputTokens);
    },
  } as unknown as import('../../electron/engine/workers/cpu-pool.ts').CpuPool;
  return { pool, pooled };
}

test("a success's rate-limit headers pause the calls on either transport: the limit is never hit", async () => {
  const dir = await tempDir();
  for (const workers of [1, 2]) {
    const pool = await createCpuPool(workers);
    after(() => pool.close());
    const engine = await Engine.open({ dir: join(dir, `db${workers}`), create: true });
    try {
      await importPaths(engine.store, [join(STDLIB, 'colorsys.py')], { chunk: 'function', hygiene: false });
      const n = engine.store.index.size;
      assert.ok(n >= 6, `${n} samples`);
      // 3 requests per 400 ms window: the 3rd answer says none are left, and when the window resets.
      const server = await startFakeOpenAI({ rateLimit: { remainingRequests: 3, resetRequestsMs: 400 } });
      servers.push(server);
      const s = await runLabeling(engine.store, {
        baseURL: server.url,
        apiKey: 'k',
        model: 'gpt-4o-mini',
        template: 'edu-additive',
        concurrency: 1,
        backoffBaseMs: 1,
        pool,
      });
      assert.equal(s.labeled, n);
      // Without the headers the 4th call of each window is refused (429) and retried: more calls than labels.
      assert.equal(
        server.requests.filter((r) => r.path.endsWith('/chat/completions')).length,
        n,
        `${workers} worker(s)`,
      );
    } finally {
      await engine.close();
    }
  }
});
