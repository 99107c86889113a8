// The OpenAI embedder against the project's fake OpenAI server through the real `openai` client:
// batching, vectors as served, retries on 429/5xx, truncation, cost, the in-memory cache, abort.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { EmbedInput } from '../../electron/engine/embed/embedder.js';
import { createEmbedder } from '../../electron/engine/embed/index.js';
import { createOpenAIEmbedder, type OpenAIEmbedderOptions } from '../../electron/engine/embed/openai-embedder.js';
import { countTokens } from '../../electron/engine/label/prompt.js';
import { fakeEmbedding, startFakeOpenAI, type FakeOpenAI } from '../support/openai-server.ts';

const servers: FakeOpenAI[] = [];
after(() => Promise.all(servers.map((s) => s.close())));

async function setup(o: OpenAIEmbedderOptions = {}) {
  const fake = await startFakeOpenAI();
  servers.push(fake);
  const embedder = createOpenAIEmbedder({ baseURL: fake.url, apiKey: 'test', dims: 32, backoffBaseMs: 5, ...o });
  const embeddingCalls = () => fake.requests.filter((r) => r.path === '/v1/embeddings');
  return { fake, embedder, embeddingCalls };
}

const inputs = (texts: string[]): EmbedInput[] => texts.map((text) => ({ text, language: 'python', astCounts: {} }));
const texts = (n: number, tag = 's') =>
  Array.from({ length: n }, (_, i) => `def ${tag}${i}(x):\n    return x * ${i}\n`);

test('600 inputs at batchSize 256 go out as 3 requests and come back in order, as served', async () => {
  const { embedder, embeddingCalls } = await setup();
  const t = texts(600);
  const out = await embedder.embed(inputs(t));
  assert.equal(embeddingCalls().length, 3);
  assert.deepEqual(
    embeddingCalls()
      .map((r) => r.body.input.length)
      .sort((a, b) => a - b),
    [88, 256, 256],
  );
  for (const r of embeddingCalls()) {
    assert.equal(r.body.model, 'text-embedding-3-small');
    assert.equal(r.body.dimensions, 32);
    assert.equal(r.body.encoding_format, 'base64');
  }
  assert.equal(out.length, 600);
  assert.equal(embedder.dims, 32);
  assert.equal(embedder.id, 'openai:text-embedding-3-small:32:v1');
  for (const i of [0, 255, 256, 599]) {
    assert.ok(out[i] instanceof Float32Array);
    assert.deepEqual(out[i], Float32Array.from(fakeEmbedding(t[i], 32)));
  }
});

test('usage: server-reported tokens, priced from prices.json', async () => {
  const { embedder } = await setup();
  const t = texts(10);
  await embedder.embed(inputs(t));
  // The fake bills ceil(chars / 4) per input.
  const expected = t.reduce((n, s) => n + Math.ceil(s.length / 4), 0);
  assert.equal(embedder.usage.promptTokens, expected);
  assert.ok(Math.abs(embedder.usage.costUsd - (expected * 0.02) / 1e6) < 1e-15);
  assert.equal(embedder.usage.requests, 1);
});

test('the in-memory cache avoids asking twice, also for duplicates within a batch', async () => {
  const { embedder, embeddingCalls } = await setup();
  const t = texts(5);
  const first = await embedder.embed(inputs([...t, t[0], t[1]]));
  assert.equal(embeddingCalls().length, 1);
  assert.equal(embeddingCalls()[0].body.input.length, 5);
  assert.deepEqual(first[5], first[0]);
  const again = await embedder.embed(inputs([t[3], t[1]]));
  assert.equal(embeddingCalls().length, 1, 'no second request for texts already embedded');
  assert.deepEqual(again, [first[3], first[1]]);
  assert.equal(embedder.usage.cacheHits, 2);
  // A new text in a mixed batch: only it is sent.
  await embedder.embed(inputs([t[2], 'print("new")']));
  assert.equal(embeddingCalls().length, 2);
  assert.deepEqual(embeddingCalls()[1].body.input, ['print("new")']);
});

test('a 429 with retry-after pauses for as long as asked, then succeeds', async () => {
  const { fake, embedder, embeddingCalls } = await setup();
  fake.queueFaults({ kind: '429', retryAfterSec: 1 });
  const t0 = Date.now();
  const [v] = await embedder.embed(inputs(['x = 1']));
  assert.ok(Date.now() - t0 >= 950, `waited ${Date.now() - t0} ms`);
  assert.equal(embeddingCalls().length, 2);
  assert.deepEqual(v, Float32Array.from(fakeEmbedding('x = 1', 32)));
  assert.equal(embedder.usage.requests, 2);
});

test('500 and 503 are retried with backoff; a 4xx is not; attempts are bounded', async () => {
  const { fake, embedder, embeddingCalls } = await setup({ maxAttempts: 3 });
  fake.queueFaults({ kind: '500' }, { kind: '503' });
  const [v] = await embedder.embed(inputs(['y = 2']));
  assert.deepEqual(v, Float32Array.from(fakeEmbedding('y = 2', 32)));
  assert.equal(embeddingCalls().length, 3);

  fake.queueFaults({ kind: '500' }, { kind: '500' }, { kind: '500' });
  await assert.rejects(embedder.embed(inputs(['z = 3'])), (e: Error & { status?: number }) => e.status === 500);
  assert.equal(embeddingCalls().length, 6);

  const noKey = await startFakeOpenAI({ apiKey: 'right' });
  servers.push(noKey);
  const wrong = createOpenAIEmbedder({ baseURL: noKey.url, apiKey: 'wrong', dims: 32, backoffBaseMs: 5 });
  await assert.rejects(wrong.embed(inputs(['a'])), (e: Error & { status?: number }) => e.status === 401);
  assert.equal(noKey.requests.length, 1, '401 is not retried');
});

test('a huge input is cut to maxInputTokens o200k tokens before sending', async () => {
  const { embedder, embeddingCalls } = await setup({ maxInputTokens: 100 });
  const huge = Array.from({ length: 3000 }, (_, i) => `value_${i} = compute(${i})`).join('\n');
  const small = 'print(1)';
  const out = await embedder.embed(inputs([huge, small]));
  const [sentHuge, sentSmall] = embeddingCalls()[0].body.input as string[];
  assert.ok(countTokens(sentHuge) <= 100 && countTokens(sentHuge) >= 95, `sent ${countTokens(sentHuge)} tokens`);
  assert.ok(huge.startsWith(sentHuge.slice(0, 200)));
  assert.equal(sentSmall, small);
  assert.equal(embedder.usage.truncated, 1);
  assert.deepEqual(out[0], Float32Array.from(fakeEmbedding(sentHuge, 32)));
});

test('abort: before the call nothing is sent; during a hung request it rejects with the reason', async () => {
  const { fake, embedder, embeddingCalls } = await setup();
  const pre = new AbortController();
  pre.abort(new Error('stop early'));
  await assert.rejects(embedder.embed(inputs(['a']), pre.signal), /stop early/);
  assert.equal(embeddingCalls().length, 0);

  fake.queueFaults({ kind: 'timeout' }); // never answers
  const ac = new AbortController();
  const hung = embedder.embed(inputs(['b']), ac.signal);
  // Abort once the server holds the request (a fixed delay races a busy machine).
  for (let i = 0; embeddingCalls().length < 1; i++) {
    if (i > 1000) assert.fail('the request never reached the server');
    await new Promise((r) => setTimeout(r, 10));
  }
  const t0 = Date.now();
  ac.abort(new Error('user cancelled'));
  await assert.rejects(hung, /user cancelled/);
  assert.ok(Date.now() - t0 < 2000);
  assert.equal(embeddingCalls().length, 1);

  // Aborting during a retry-after pause also ends at once.
  fake.queueFaults({ kind: '429', retryAfterSec: 30 });
  const ac2 = new AbortController();
  setTimeout(() => ac2.abort(new Error('cancelled in pause')), 100);
  await assert.rejects(embedder.embed(inputs(['c']), ac2.signal), /cancelled in pause/);
});

test('native dims without `dimensions`; wrong-sized answers are refused, never mixed', async () => {
  const fake = await startFakeOpenAI();
  servers.push(fake);
  const native = createOpenAIEmbedder({ baseURL: fake.url, apiKey: 'k', model: 'text-embedding-3-large' });
  assert.equal(native.dims, 3072);
  assert.equal(native.id, 'openai:text-embedding-3-large:3072:v1');
  // The fake answers 64 dims when no `dimensions` is sent: a mismatch must fail loudly.
  await assert.rejects(native.embed(inputs(['q'])), /returned 64 dims, expected 3072/);
  assert.equal(fake.requests.at(-1)?.body.dimensions, undefined);
  assert.throws(() => createOpenAIEmbedder({ baseURL: fake.url, apiKey: 'k', model: 'nomic-embed-text' }), /pass dims/);
  // Other models: dims is checked, not sent.
  const other = createOpenAIEmbedder({ baseURL: fake.url, apiKey: 'k', model: 'nomic-embed-text', dims: 64 });
  const [v] = await other.embed(inputs(['q']));
  assert.equal(v.length, 64);
  assert.equal(fake.requests.at(-1)?.body.dimensions, undefined);
  assert.equal(other.usage.costUsd, 0, 'no price known: cost 0');
});

test('createEmbedder builds the openai embedder from a spec', async () => {
  const fake = await startFakeOpenAI();
  servers.push(fake);
  const e = await createEmbedder({ kind: 'openai', baseURL: fake.url, apiKey: 'k', dims: 16 });
  assert.equal(e.id, 'openai:text-embedding-3-small:16:v1');
  const [v] = await e.embed(inputs(['hello']));
  assert.equal(v.length, 16);
  const h = await createEmbedder({ kind: 'hash' });
  assert.equal(h.dims, 512);
});

test('text goes to the embeddings API with secrets and PII replaced by placeholders (red-team)', async () => {
  const { embedder, embeddingCalls } = await setup();
  const token = 'gh' + 'p_' + 'Zx81Kq0PwL3mN7vR2tY9uB4cD6eF1gH5iJ7k';
  const email = 'maria.kowalska' + '@posteo.de';
  await embedder.embed(inputs([`# token ${token}\n# owner ${email}\ndef f():\n    return 1\n`]));
  const sent = JSON.stringify(embeddingCalls().map((r) => r.body.input));
  assert.ok(!sent.includes(token) && !sent.includes(email), sent);
  assert.match(sent, /<SECRET>/);
  assert.match(sent, /<EMAIL>/);
});
