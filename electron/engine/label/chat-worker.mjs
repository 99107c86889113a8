// A worker thread that makes chat calls with its own `openai` client, so the labeler's and the
// generator's main thread spends no CPU on HTTP (see chat-transport.ts). Plain JavaScript: it
// needs no TypeScript loader, so it starts in milliseconds, from sources and from a build alike.
import { parentPort, workerData } from 'node:worker_threads';
import OpenAI from 'openai';

const client = new OpenAI({
  baseURL: workerData.baseURL,
  apiKey: workerData.apiKey,
  // NOTE: retries are the caller's (shared rate gate, attempt records), as in-process.
  maxRetries: 0,
  timeout: workerData.timeoutMs,
});
/**
 * One call to a stub `fetch` at start, while the caller builds its first prompts: loads fetch's
 * internals and compiles the client's request and response path, which the first real calls
 * otherwise pay for when they are all sent at once (~50 ms on an idle machine, ~250 ms while the
 * prompt threads load). Nothing leaves the thread; the stub client has no key of the caller's.
 */
async function warmUp() {
  const answer = {
    id: 'warm-up',
    object: 'chat.completion',
    created: 0,
    model: 'warm-up',
    choices: [{ index: 0, message: { role: 'assistant', content: '{}' }, finish_reason: 'stop' }],
  };
  const stub = new OpenAI({
    apiKey: 'warm-up',
    baseURL: 'http://127.0.0.1:9/v1',
    maxRetries: 0,
    fetch: async () =>
      new Response(JSON.stringify(answer), { status: 200, headers: { 'content-type': 'application/json' } }),
  });
  await stub.chat.completions
    .create({ model: 'warm-up', messages: [{ role: 'user', content: 'warm-up' }] })
    .withResponse();
  void globalThis.fetch;
}
warmUp().catch(() => {});

/** The headers RateGate.pauseFromHeaders reads (an error's headers are sent whole). */
const GATE_HEADER = /^(retry-after|x-ratelimit-)/;
/** @type {Map<number, AbortController>} */
const inFlight = new Map();

/** An error as plain data; chat-transport.ts rebuilds the same `openai` error class from it. */
function serialize(e) {
  if (e instanceof OpenAI.APIConnectionTimeoutError) return { kind: 'timeout', message: e.message };
  if (e instanceof OpenAI.APIUserAbortError) return { kind: 'abort', message: e.message };
  if (e instanceof OpenAI.APIConnectionError) return { kind: 'connection', message: e.message };
  if (e instanceof OpenAI.APIError)
    return {
      kind: 'api',
      status: e.status,
      error: e.error,
      message: e.message,
      headers: e.headers ? [...e.headers] : [],
    };
  return { kind: 'other', name: e?.name ?? 'Error', message: String(e?.message ?? e) };
}

parentPort.on('message', async (m) => {
  if (m.type === 'cancel') {
    inFlight.get(m.id)?.abort();
    return;
  }
  const ac = new AbortController();
  inFlight.set(m.id, ac);
  try {
    const { data, response } = await client.chat.completions.create(m.params, { signal: ac.signal }).withResponse();
    // NOTE: an answer's headers matter to the caller only for its rate gate (RateGate.pauseFromHeaders):
    // the rest (~15 of them) would be copied across threads and rebuilt on every call for nothing.
    const headers = [];
    for (const h of response.headers) if (GATE_HEADER.test(h[0])) headers.push(h);
    parentPort.postMessage({ id: m.id, data, headers });
  } catch (e) {
    parentPort.postMessage({ id: m.id, error: serialize(e) });
  } finally {
    inFlight.delete(m.id);
  }
});
