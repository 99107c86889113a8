import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import OpenAI from 'openai';
import { CodedError } from '../../../shared/errors.js';
import type { CpuPool } from '../workers/cpu-pool.js';
import { clientAuth } from './client-auth.js';
import type { ChatCompletion, ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions';

/**
 * How a chat call reaches the server: the `openai` client on this thread, or the same client on a
 * worker thread (chat-worker.mjs). Both give the caller the same answers and the same `openai`
 * error classes (status, headers, message), so retries, the rate gate's `retry-after` pauses and
 * the structured-output fallback behave the same. The worker takes the HTTP client's CPU (about
 * 2 ms a call through fetch) off the thread that runs the gate, the budget and the journal.
 */
export interface ChatTransport {
  create(params: ChatCompletionCreateParamsNonStreaming, signal?: AbortSignal): Promise<ChatResult>;
  close(): Promise<void>;
}
export interface ChatResult {
  data: ChatCompletion;
  headers: Headers;
}

export function inProcessChat(client: OpenAI): ChatTransport {
  return {
    async create(params, signal) {
      // NOTE: `openai` adds a listener to the signal it is given and never removes it. Given the
      // run's signal, every call of a run left one behind (a leak, and Node's listener warning once
      // retries passed 2 x concurrency + 16), so each call gets a signal of its own, linked while it runs.
      const call = new AbortController();
      const onAbort = () => call.abort(signal?.reason);
      if (signal?.aborted) onAbort();
      else signal?.addEventListener('abort', onAbort, { once: true });
      try {
        const { data, response } = await client.chat.completions.create(params, { signal: call.signal }).withResponse();
        return { data, headers: response.headers };
      } finally {
        signal?.removeEventListener('abort', onAbort);
      }
    },
    close: async () => {},
  };
}

type WireError =
  | { kind: 'timeout' | 'abort' | 'connection'; message: string }
  | { kind: 'api'; status: number; error: unknown; message: string; headers: [string, string][] }
  | { kind: 'other'; name: string; message: string };
type WireReply = { id: number; data: ChatCompletion; headers: [string, string][] } | { id: number; error: WireError };

function rebuild(e: WireError): Error {
  switch (e.kind) {
    case 'timeout':
      return new OpenAI.APIConnectionTimeoutError({ message: e.message });
    case 'abort':
      return new OpenAI.APIUserAbortError({ message: e.message });
    case 'connection':
      return new OpenAI.APIConnectionError({ message: e.message });
    case 'api': {
      const err = OpenAI.APIError.generate(e.status, { error: e.error }, e.message, new Headers(e.headers));
      err.message = e.message;
      return err;
    }
    default: {
      const err = new Error(e.message);
      err.name = e.name;
      return err;
    }
  }
}

/** The worker's file next to this module, or null (then calls stay on this thread). */
export function chatWorkerEntry(): string | null {
  const file = fileURLToPath(new URL('./chat-worker.mjs', import.meta.url));
  return existsSync(file) ? file : null;
}

export function workerChat(entry: string, o: { baseURL?: string; apiKey: string; timeoutMs: number }): ChatTransport {
  // NOTE: the key goes to a thread of this process only; it is never logged or sent elsewhere.
  const worker = new Worker(entry, {
    workerData: { baseURL: o.baseURL, apiKey: o.apiKey, timeoutMs: o.timeoutMs },
    // The parent's `--import tsx` is not needed (plain JavaScript) and not inherited.
    execArgv: [],
  });
  const pending = new Map<number, { resolve: (r: ChatResult) => void; reject: (e: Error) => void }>();
  let next = 0;
  let dead: Error | null = null;
  const failAll = (e: Error) => {
    dead = e;
    for (const p of pending.values()) p.reject(e);
    pending.clear();
  };
  worker.on('message', (m: WireReply) => {
    const p = pending.get(m.id);
    if (!p) return;
    pending.delete(m.id);
    if ('error' in m) p.reject(rebuild(m.error));
    else p.resolve({ data: m.data, headers: new Headers(m.headers) });
  });
  worker.on('error', (e) => failAll(new OpenAI.APIConnectionError({ message: `chat worker failed: ${e.message}` })));
  worker.on('exit', (code) => failAll(new OpenAI.APIConnectionError({ message: `chat worker exited (${code})` })));
  return {
    create(params, signal) {
      if (signal?.aborted) return Promise.reject(new OpenAI.APIUserAbortError());
      if (dead) return Promise.reject(dead);
      const id = next++;
      return new Promise<ChatResult>((resolve, reject) => {
        const onAbort = () => {
          pending.delete(id);
          worker.postMessage({ type: 'cancel', id });
          reject(new OpenAI.APIUserAbortError());
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        pending.set(id, {
          resolve: (r) => {
            signal?.removeEventListener('abort', onAbort);
            resolve(r);
          },
          reject: (e) => {
            signal?.removeEventListener('abort', onAbort);
            reject(e);
          },
        });
        worker.postMessage({ type: 'call', id, params });
      });
    },
    async close() {
      worker.removeAllListeners('exit');
      failAll(new OpenAI.APIConnectionError({ message: 'chat worker closed' }));
      await worker.terminate();
    },
  };
}

export function createClient(o: { baseURL?: string; apiKey?: string; timeoutMs?: number }): OpenAI {
  const { baseURL, apiKey } = clientAuth(o);
  if (!apiKey)
    throw new CodedError(
      'invalid_input',
      'no API key: set OPENAI_API_KEY, or --base-url for a local OpenAI-compatible server',
    );
  // NOTE: retries are ours (global slow-down, attempt records), so the client's are off.
  return new OpenAI({ baseURL, apiKey, maxRetries: 0, timeout: o.timeoutMs ?? 60_000 });
}

/**
 * The chat transport of one run: on a worker thread when the run has worker threads (a pool of
 * more than one), else on this thread. The key and base URL are resolved (and checked) here once.
 */
export function openChat(
  o: { baseURL?: string; apiKey?: string; timeoutMs?: number },
  pool: Pick<CpuPool, 'workers'> | null,
): ChatTransport {
  const client = createClient(o);
  const entry = pool && pool.workers > 1 ? chatWorkerEntry() : null;
  if (!entry) return inProcessChat(client);
  return workerChat(entry, { baseURL: client.baseURL, apiKey: client.apiKey ?? '', timeoutMs: client.timeout });
}
