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
