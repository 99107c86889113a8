// Drives tests/support/openai-server.ts with the REAL `openai` client, so the fake is proven to be
// wire-compatible (envelopes, error classes, retry headers, base64 embeddings) before other tests rely on it.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import OpenAI, {
  APIConnectionTimeoutError,
  AuthenticationError,
  BadRequestError,
  InternalServerError,
  NotFoundError,
  RateLimitError,
} from 'openai';
import { fakeScore, startFakeOpenAI, type FakeOpenAI, type FakeOpenAIOptions } from '../support/openai-server.ts';

const servers: FakeOpenAI[] = [];
after(() => Promise.all(servers.map((s) => s.close())));

async function start(opts?: FakeOpenAIOptions): Promise<FakeOpenAI> {
  const s = await startFakeOpenAI(opts);
  servers.push(s);
  return s;
}
const client = (fake: FakeOpenAI, extra: Partial<ConstructorParameters<typeof OpenAI>[0]> = {}) =>
  new OpenAI({ baseURL: fake.url, apiKey: 'test', maxRetries: 0, ...extra });

const GOOD = `"""Tiny geometry helpers."""
import math


def area(r):
    """Area of a circle of radius r."""
    # pi r squared
    return math.pi * r * r


if __name__ == '__main__':
    # example: unit circle
    print(area(1))
`;
const BARE = 'x=1\ny=2\nz=x+y\n';
const prompt = (code: string) => `Rate this sample.\n\n\`\`\`python\n${code}\`\`\`\n`;
const scoreSchema = {
  type: 'json_schema' as const,
  json_schema: {
    name: 'grade',
    strict: true,
    schema: {
      type: 'object',
      additionalProperties: false,
      required: ['score', 'rationale'],
      properties: { score: { type: 'integer' }, rationale: { type: 'string' } },
    },
  },
};

test('fakeScore is monotone in documentation quality', () => {
  assert.equal(fakeScore(''), 0);
  assert.equal(fakeScore(BARE), 0);
  assert.equal(fakeScore(GOOD), 5);
  const plain = 'def f(x):\n    return x + 1\n';
  const documented = 'def f(x):\n    """Add one."""\n    # increment\n    return x + 1\n\nassert f(1) == 2\n';
  assert.ok(fakeScore(plain) < fakeScore(documented));
  const long = `def f(x):\n    """Long."""\n${'    # step\n    x += 1\n'.repeat(20)}    return x\n`;
  assert.equal(fakeScore(long), 3, 'a 40-line function misses the short-functions point');
});

test('structured output round trip: score equals fakeScore, envelope like OpenAI', async () => {
  const fake = await start();
  const r = await client(fake).chat.completions.create({
    model: 'gpt-4o-mini',
    seed: 1,
    temperature: 0,
    response_format: scoreSchema,
    messages: [
      { role: 'system', content: 'You grade code.' },
      { role: 'user', content: prompt(GOOD) },
    ],
  });
  assert.equal(r.object, 'chat.completion');
  assert.equal(r.model, 'gpt-4o-mini');
  assert.equal(r.choices[0].finish_reason, 'stop');
  assert.equal(r.choices[0].message.refusal, null);
  const out = JSON.parse(r.choices[0].message.content!);
  assert.equal(out.score, fakeScore(GOOD));
  assert.equal(typeof out.rationale, 'string');
  assert.ok(
    r.usage!.prompt_tokens > 0 && r.usage!.total_tokens === r.usage!.prompt_tokens + r.usage!.completion_tokens,
  );
  assert.equal(r.usage!.completion_tokens, Math.ceil(r.choices[0].message.content!.length / 4));
  assert.equal(fake.requests[0].path, '/v1/chat/completions');
  assert.equal(fake.requests[0].body.response_format.type, 'json_schema');

  // Binary template: a schema with `keep` (and no `score`) gets keep + rationale only.
  const bin = await client(fake).chat.completions.create({
    model: 'gpt-4o-mini',
    messages: [{ role: 'user', content: prompt(BARE) }],
    response_format: {
      type: 'json_schema',
      json_schema: {
        name: 'keep',
        strict: true,
        schema: {
          type: 'object',
          properties: { keep: { type: 'boolean' }, rationale: { type: 'string' } },
          required: ['keep', 'rationale'],
        },
      },
    },
  });
  const b = JSON.parse(bin.choices[0].message.content!);
  assert.equal(b.keep, false);
  assert.equal('score' in b, false);
});

test('plain-text path: "Score: N", binary "Verdict:", max_tokens truncation', async () => {
  const fake = await start();
  const c = client(fake);
  const r = await c.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: prompt(GOOD) }] });
  assert.match(r.choices[0].message.content!, new RegExp(`^Score: ${fakeScore(GOOD)}\\nRationale: `));
  const sys = 'Answer whether the code has high or low educational value.';
  const v = await c.chat.completions.create({
    model: 'm',
    messages: [
      { role: 'system', content: sys },
      { role: 'user', content: prompt(GOOD) },
    ],
  });
  assert.match(v.choices[0].message.content!, /^Verdict: high\n/);
  const t = await c.chat.completions.create({
    model: 'm',
    max_completion_tokens: 2,
    messages: [{ role: 'user', content: prompt(GOOD) }],
  });
  assert.equal(t.choices[0].finish_reason, 'length');
  assert.equal(t.choices[0].message.content!.length, 8);
});

test('reject-json-schema (fault and persistent option) gives 400 BadRequestError; plain text still works', async () => {
  const fake = await start();
  fake.queueFaults({ kind: 'reject-json-schema' });
  const req = {
    model: 'm',
    messages: [{ role: 'user' as const, content: prompt(GOOD) }],
    response_format: scoreSchema,
  };
  await assert.rejects(client(fake).chat.completions.create(req), (e: unknown) => {
    assert.ok(e instanceof BadRequestError);
    assert.equal(e.status, 400);
    assert.equal(e.param, 'response_format');
    assert.match(e.message, /json_schema is not supported/);
    return true;
  });
  await client(fake).chat.completions.create(req); // fault consumed

  const strict = await start({ rejectJsonSchema: true });
  await assert.rejects(client(strict).chat.completions.create(req), BadRequestError);
  await assert.rejects(client(strict).chat.completions.create(req), BadRequestError);
  const ok = await client(strict).chat.completions.create({ model: 'm', messages: req.messages });
  assert.match(ok.choices[0].message.content!, /^Score: /);
});

test('429 with retry-after / retry-after-ms is retried by the client after the advertised wait', async () => {
  const fake = await start();
  fake.queueFaults({ kind: '429', retryAfterSec: 1 }, { kind: '429', retryAfterMs: 300 });
  const t0 = Date.now();
  const r = await client(fake, { maxRetries: 2 }).chat.completions.create({
    model: 'm',
    messages: [{ role: 'user', content: 'hi' }],
  });
  assert.match(r.choices[0].message.content!, /^Score: /);
  assert.equal(fake.requests.length, 3);
  const [a, b, c] = fake.requests.map((q) => q.at);
  // The lower bounds catch an ignored header; the upper ones only a wait far past it (a loaded
  // machine adds pauses, never removes them).
  assert.ok(b - a >= 950 && b - a < 5000, `waited ${b - a}ms for retry-after: 1`);
  assert.ok(c - b >= 280 && c - b < 3000, `waited ${c - b}ms for retry-after-ms: 300`);
  assert.ok(Date.now() - t0 >= 1250);

  fake.queueFaults({ kind: '429' });
  await assert.rejects(
    client(fake).chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }),
    RateLimitError,
  );
});

test('500 and 503 raise InternalServerError with maxRetries 0', async () => {
  const fake = await start();
  fake.queueFaults({ kind: '500' }, { kind: '503' });
  const call = () => client(fake).chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] });
  await assert.rejects(
    call(),
    (e: unknown) => e instanceof InternalServerError && e.status === 500 && e.type === 'server_error',
  );
  await assert.rejects(call(), (e: unknown) => e instanceof InternalServerError && e.status === 503);
});

test('timeout fault: the client timeout fires; a delayed answer still arrives', async () => {
  const fake = await start();
  fake.queueFaults({ kind: 'timeout' }, { kind: 'timeout', ms: 150 });
  const msgs = [{ role: 'user' as const, content: prompt(GOOD) }];
  const t0 = Date.now();
  await assert.rejects(
    client(fake, { timeout: 200 }).chat.completions.create({ model: 'm', messages: msgs }),
    APIConnectionTimeoutError,
  );
  // NOTE: timed on the client, whose timer cannot fire early; the server's arrival times were
  // compared before, and a loaded machine delayed the first arrival past the 10 ms slack.
  const waited = Date.now() - t0;
  assert.ok(waited >= 195 && waited < 1500, `the client gave up after ${waited} ms`);
  const r = await client(fake, { timeout: 2000 }).chat.completions.create({ model: 'm', messages: msgs });
  assert.equal(fake.requests.length, 2);
  assert.match(r.choices[0].message.content!, /^Score: 5/);
});

test('malformed and truncated bodies raise errors; bad-content has no score', async () => {
  const fake = await start();
  fake.queueFaults({ kind: 'malformed' }, { kind: 'truncated' }, { kind: 'bad-content' });
  const call = () =>
    client(fake).chat.completions.create({ model: 'm', messages: [{ role: 'user', content: prompt(GOOD) }] });
  // Body-parse failures surface as raw SyntaxError / undici TypeError('terminated'), not APIError,
  // and the client does not retry them: callers must handle these themselves.
  await assert.rejects(call(), (e: unknown) => e instanceof SyntaxError);
  await assert.rejects(call(), /terminated/);
  const r = await call();
  assert.equal(r.choices[0].finish_reason, 'stop');
  assert.doesNotMatch(r.choices[0].message.content!, /\d|score/i);
});

test('faultWhenContains applies to every matching request, not others', async () => {
  const fake = await start();
  fake.faultWhenContains('POISON', { kind: '500' });
  const call = (s: string) =>
    client(fake).chat.completions.create({ model: 'm', messages: [{ role: 'user', content: s }] });
  await assert.rejects(call('x POISON y'), InternalServerError);
  await assert.rejects(call('POISON again'), InternalServerError);
  await call('clean');
});

test('embeddings: default base64 decodes to deterministic unit vectors of the requested dims', async () => {
  const fake = await start();
  const c = client(fake);
  const texts = ['def add(a, b): return a + b', 'def add(a, b): return a+b  # sum', 'The quick brown fox'];
  const r = await c.embeddings.create({ model: 'text-embedding-3-small', input: texts, dimensions: 32 });
  assert.equal(fake.requests[0].body.encoding_format, 'base64', 'client asks for base64 by default');
  assert.equal(r.object, 'list');
  assert.equal(r.data.length, 3);
  for (const [i, d] of r.data.entries()) {
    assert.equal(d.index, i);
    assert.equal(d.embedding.length, 32);
    assert.ok(Math.abs(Math.hypot(...d.embedding) - 1) < 1e-5);
  }
  assert.ok(r.usage.prompt_tokens > 0);
  const f = await c.embeddings.create({ model: 'e', input: texts[0], dimensions: 32, encoding_format: 'float' });
  assert.deepEqual(f.data[0].embedding, r.data[0].embedding, 'float and base64 carry the same numbers');
  const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i], 0);
  const [e0, e1, e2] = r.data.map((d) => d.embedding);
  assert.ok(dot(e0, e1) > dot(e0, e2), 'similar texts are closer');
  const def = await c.embeddings.create({ model: 'e', input: 'hello' });
  assert.equal(def.data[0].embedding.length, 64);
});

test('inFlightMax sees 8 concurrent requests with latencyMs 500', async () => {
  // Long enough that all 8 arrive before the first answer even on a loaded machine.
  const fake = await start({ latencyMs: 500 });
  const c = client(fake);
  const t0 = Date.now();
  await Promise.all(
    Array.from({ length: 8 }, (_, i) =>
      c.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: `sample ${i}` }] }),
    ),
  );
  assert.equal(fake.inFlightMax, 8);
  assert.ok(Date.now() - t0 >= 500);
});

test('apiKey enforcement: wrong key is 401 AuthenticationError, right key works', async () => {
  const fake = await start({ apiKey: 'sk-right' });
  await assert.rejects(client(fake, { apiKey: 'sk-wrong' }).models.list(), AuthenticationError);
  const page = await client(fake, { apiKey: 'sk-right' }).models.list();
  assert.ok(page.data.map((m) => m.id).includes('gpt-4o-mini'));
  assert.equal(fake.requests[1].headers.authorization, 'Bearer sk-right');
});

test('rateLimit: x-ratelimit headers, 429 when exhausted, recovery after the window', async () => {
  // A window far longer than three calls take, even on a loaded machine.
  const fake = await start({ rateLimit: { remainingRequests: 2, resetRequestsMs: 900 } });
  const c = client(fake);
  const call = () =>
    c.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
  const first = await call();
  assert.equal(first.response.headers.get('x-ratelimit-remaining-requests'), '1');
  assert.match(first.response.headers.get('x-ratelimit-reset-requests')!, /^\d+ms$/);
  assert.equal((await call()).response.headers.get('x-ratelimit-remaining-requests'), '0');
  let wait = NaN;
  await assert.rejects(call(), (e: unknown) => {
    if (!(e instanceof RateLimitError) || e.headers?.get('x-ratelimit-remaining-requests') !== '0') return false;
    wait = Number(e.headers.get('retry-after-ms'));
    return true;
  });
  assert.ok(wait > 0 && wait <= 900, `retry-after-ms ${wait}`);
  await new Promise((r) => setTimeout(r, wait + 20));
  assert.equal((await call()).response.headers.get('x-ratelimit-remaining-requests'), '1');
});

test('unknown routes are 404 NotFoundError; close() destroys hung sockets', async () => {
  const fake = await start();
  await assert.rejects(
    client(fake).get('/nope'),
    (e: unknown) => e instanceof NotFoundError && /Invalid URL/.test(e.message),
  );
  fake.queueFaults({ kind: 'timeout' });
  const hung = client(fake, { timeout: 10_000 }).chat.completions.create({
    model: 'm',
    messages: [{ role: 'user', content: 'hi' }],
  });
  const outcome = hung.then(
    () => 'answered',
    () => 'failed',
  );
  while (fake.requests.length < 2) await new Promise((r) => setTimeout(r, 5));
  const t0 = Date.now();
  await fake.close();
  assert.equal(await outcome, 'failed');
  assert.ok(Date.now() - t0 < 1000);
});
