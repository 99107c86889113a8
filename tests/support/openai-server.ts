// A fake OpenAI API on 127.0.0.1 for tests: a deterministic code "grader" (chat completions),
// deterministic embeddings, a model list, and injectable faults. It speaks the wire format closely
// enough that the real `openai` npm client parses answers and raises its own APIError subclasses,
// so tests exercise the production client path (retries, timeouts, base64 embeddings) end to end.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createBatchRoutes, type BatchRoutes } from './openai-batches.ts';
import { fakeGeneration, o200kPromptTokens, type Variant } from './openai-generation.ts';

export type Fault =
  | { kind: '429'; retryAfterSec?: number; retryAfterMs?: number }
  | { kind: '500' }
  | { kind: '503' }
  | { kind: 'timeout'; ms?: number }
  | { kind: 'malformed' }
  | { kind: 'truncated' }
  | { kind: 'bad-content' }
  | { kind: 'reject-json-schema' };

export interface FakeOpenAIOptions {
  latencyMs?: number;
  rejectJsonSchema?: boolean;
  rateLimit?: { remainingRequests: number; resetRequestsMs: number };
  apiKey?: string;
}

export interface FakeOpenAI {
  url: string;
  port: number;
  /** faults consumed in order, one per incoming request (to any endpoint); when empty, normal answers */
  queueFaults(...f: Fault[]): void;
  /** fault applied to requests whose user message contains `marker` (every time, not consumed) */
  faultWhenContains(marker: string, f: Fault): void;
  requests: Array<{ path: string; body: any; at: number; headers: Record<string, string | string[] | undefined> }>;
  inFlightMax: number;
  /** Generation answers given (`tbs synth` prompts), in the order they were sent. */
  generated: Array<{ variant: Variant; kind: 'exercises' | 'textbook'; code: string }>;
  /** Uploaded files and batches (files and batches API). */
  batch?: BatchRoutes;
  close(): Promise<void>;
}

export const FAKE_MODELS = ['gpt-4o-mini', 'gpt-4o', 'text-embedding-3-small'];

/** Lengths (in lines) of each Python `def` body, found by indentation; used by fakeScore. */
function functionLengths(code: string): number[] {
  const lines = code.split('\n');
  const indent = (l: string) => l.length - l.trimStart().length;
  const out: number[] = [];
  lines.forEach((line, i) => {
    if (!/^\s*(async\s+)?def\s/.test(line)) return;
    let end = i + 1;
    while (end < lines.length && (lines[end].trim() === '' || indent(lines[end]) > indent(line))) end++;
    out.push(end - i);
  });
  return out;
}

function features(code: string) {
  const lines = code.split('\n').filter((l) => l.trim() !== '');
  const comments = lines.filter((l) => /^\s*(#|\/\/)/.test(l)).length;
  return {
    lines: lines.length,
    codeLike: /^\s*(async\s+def|def|class|function|import|from\s+\S+\s+import|const|let|var|fn|func|public)\b/m.test(
      code,
    ),
    docstring: /("""|''')[\s\S]*?\1/.test(code),
    commented: lines.length > 0 && comments / lines.length >= 0.1,
    demo: /if\s+__name__\s*==|^\s*assert\b|\bprint\s*\(|^\s*>>>|\bexample\b/im.test(code),
    short: functionLengths(code).every((n) => n <= 30),
  };
}

/** The deterministic score the fake grader gives a code text (exported so tests can predict it).
 *  Additive, FineWeb-Edu style: every criterion only ever adds a point, so adding documentation
 *  (docstrings, comments, a usage demo) never lowers the score. */
export function fakeScore(code: string): number {
  const f = features(code);
  if (f.lines === 0) return 0;
  return (
    Number(f.codeLike) +
    Number(f.docstring) +
    Number(f.commented) +
    Number(f.demo) +
    Number(f.docstring && f.commented && f.short)
  );
}

function rationale(code: string): string {
  const f = features(code);
  const has = (ok: boolean, what: string) => `${ok ? 'has' : 'lacks'} ${what}`;
  return (
    `${f.lines} non-blank lines; ${has(f.codeLike, 'recognisable code')}, ${has(f.docstring, 'a docstring')}, ` +
    `${has(f.commented, 'enough comments')}, ${has(f.demo, 'a usage example')}.`
  );
}

/** Text of a message's content, whether a plain string or an array of {type:'text', text} parts. */
function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((p) => (p && typeof p.text === 'string' ? p.text : '')).join('');
  return '';
}

/** Deterministic unit vector from hashed character trigrams (FNV-1a), so similar texts get similar vectors. */
export function fakeEmbedding(text: string, dims: number): number[] {
  const v = new Float64Array(dims);
  const s = `  ${text.toLowerCase()} `;
  for (let i = 0; i + 3 <= s.length; i++) {
    let h = 0x811c9dc5;
    for (let j = i; j < i + 3; j++) h = Math.imul(h ^ s.charCodeAt(j), 0x01000193) >>> 0;
    v[h % dims] += h & 0x80000000 ? -1 : 1;
  }
  let norm = Math.hypot(...v);
  if (norm === 0) {
    v[0] = 1;
    norm = 1;
  }
  // Rounded to float32 so 'float' and 'base64' encodings carry the same numbers.
  return Array.from(v, (x) => Math.fround(x / norm));
}

/** OpenAI's reset-duration style: "250ms", "1s", "1.5s", "2m0s". */
function formatReset(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.ceil(ms))}ms`;
  if (ms < 60_000) return `${+(ms / 1000).toFixed(3)}s`;
  return `${Math.floor(ms / 60_000)}m${+((ms % 60_000) / 1000).toFixed(3)}s`;
}

const err = (message: string, type: string, param: string | null = null, code: string | null = null) => ({
  error: { message, type, param, code },
});

export async function startFakeOpenAI(opts: FakeOpenAIOptions = {}): Promise<FakeOpenAI> {
  const queued: Fault[] = [];
  const markers: Array<{ marker: string; fault: Fault }> = [];
  const timers = new Set<NodeJS.Timeout>();
  let inFlight = 0;
  let seq = 0;
  let closed = false;
  // Rate-limit window: starts on the first request after the previous window expired.
  let window = { remaining: opts.rateLimit?.remainingRequests ?? 0, resetAt: 0 };

  // Timers are tracked so close() can cancel pending latency/late answers instead of leaking them.
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      if (ms <= 0) return resolve();
      const t = setTimeout(() => {
        timers.delete(t);
        resolve();
      }, ms);
      timers.add(t);
    });

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    if (res.destroyed || res.writableEnded) return; // the client gave up (e.g. its own timeout)
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(text)),
      ...headers,
    });
    res.end(text);
  };

  function chatCompletion(body: any, fault: Fault | undefined) {
    const messages: any[] = body.messages;
    const users = messages.filter((m) => m?.role === 'user');
    const userText = textOf(users.at(-1)?.content);
    const system = messages
      .filter((m) => m?.role === 'system' || m?.role === 'developer')
      .map((m) => textOf(m.content))
      .join('\n');
    const gen = fault?.kind === 'bad-content' ? null : fakeGeneration(system, userText);
    if (gen) return generationCompletion(body, messages, gen);
    const fence = /```[^\n]*\n([\s\S]*?)```/.exec(userText);
    const code = fence ? fence[1] : userText;
    const score = fakeScore(code);
    const why = rationale(code);
    const rf = body.response_format;
    let content: string;
    if (fault?.kind === 'bad-content') {
      // Prose without any digit or JSON: neither the JSON nor the "Score: N" parser can find a score.
      content = 'This sample is interesting, but I would rather not put a number on it.';
    } else if (rf?.type === 'json_schema') {
      const props = rf.json_schema?.schema?.properties ?? {};
      // Binary template: {keep, rationale}; a score only when the schema asks for one.
      const out: Record<string, unknown> = 'keep' in props ? { keep: score >= 3 } : { score };
      if ('keep' in props && 'score' in props) out.score = score;
      out.rationale = why;
      content = JSON.stringify(out);
    } else if (rf?.type === 'json_object') {
      content = JSON.stringify({ score, rationale: why });
    } else if (/\bhigh\b/i.test(system) && /\blow\b/i.test(system) && !/\bscore\b/i.test(system)) {
      content = `Verdict: ${score >= 3 ? 'high' : 'low'}\nReason: ${why}`;
    } else {
      content = `Score: ${score}\nRationale: ${why}`;
    }
    let finish = 'stop';
    const limit = body.max_completion_tokens ?? body.max_tokens;
    if (typeof limit === 'number' && Math.ceil(content.length / 4) > limit) {
      content = content.slice(0, Math.max(0, limit) * 4);
      finish = 'length';
    }
    const promptChars = messages.reduce((n, m) => n + textOf(m?.content).length, 0);
    const prompt_tokens = Math.ceil(promptChars / 4);
    const completion_tokens = Math.ceil(content.length / 4);
    return {
      id: `chatcmpl-fake${++seq}`,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: body.model,
      choices: [
        { index: 0, message: { role: 'assistant', content, refusal: null }, finish_reason: finish, logprobs: null },
      ],
      usage: { prompt_tokens, completion_tokens, total_tokens: prompt_tokens + completion_tokens },
    };
  }

  /** A generation answer: structured when asked, else prose around a fenced block; usage counted in o200k_base. */
  function generationCompletion(body: any, messages: any[], gen: NonNullable<ReturnType<typeof fakeGeneration>>) {
    let content =
      body.response_format?.type === 'json_schema'
        ? JSON.stringify(gen.answer)
        : gen.kind === 'exercises'
          ? `Here is the exercise:\n\n\`\`\`python\n${gen.code}\n\`\`\`\n`
          : gen.answer.markdown;
    let finish = 'stop';
    const limit = body.max_completion_tokens ?? body.max_tokens;
    if (typeof limit === 'number' && Math.ceil(content.length / 4) > limit) {
      content = content.slice(0, Math.max(0, limit) * 4);
      finish = 'length';
    }
    api.generated.push({ variant: gen.variant, kind: gen.kind, code: gen.code });
    const prompt_tokens = o200kPromptTokens(messages.map((m) => ({ content: textOf(m?.content) })));
    const completion_tokens = Math.ceil(content.length / 4);
    return {
      id: `chatcmpl-fake${++seq}`,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: body.model,
      choices: [
        { index: 0, message: { role: 'assistant', content, refusal: null }, finish_reason: finish, logprobs: null },
      ],
      usage: { prompt_tokens, completion_tokens, total_tokens: prompt_tokens + completion_tokens },
    };
  }

  function embeddings(body: any) {
    const raw = body.input;
    // Token-array inputs are accepted and embedded by their textual form; tests only use strings.
    const inputs: string[] =
      typeof raw === 'string'
        ? [raw]
        : Array.isArray(raw) && raw.every((x) => typeof x === 'number')
          ? [raw.join(' ')]
          : Array.isArray(raw)
            ? raw.map((x) => (typeof x === 'string' ? x : JSON.stringify(x)))
            : [String(raw)];
    const dims = Number.isInteger(body.dimensions) && body.dimensions > 0 ? body.dimensions : 64;
    const data = inputs.map((text, index) => {
      const vec = fakeEmbedding(text, dims);
      if (body.encoding_format !== 'base64') return { object: 'embedding', index, embedding: vec };
      // The client decodes base64 as raw float32 bytes in little-endian order.
      const buf = Buffer.alloc(dims * 4);
      vec.forEach((x, i) => buf.writeFloatLE(x, i * 4));
      return { object: 'embedding', index, embedding: buf.toString('base64') };
    });
    const tokens = inputs.reduce((n, t) => n + Math.ceil(t.length / 4), 0);
    return { object: 'list', data, model: body.model, usage: { prompt_tokens: tokens, total_tokens: tokens } };
  }

  async function applyFault(
    res: ServerResponse,
    f: Fault,
    isJsonSchema: boolean,
    answer: () => unknown,
  ): Promise<boolean> {
    switch (f.kind) {
      case '429': {
        const h: Record<string, string> = {};
        if (f.retryAfterSec !== undefined) h['retry-after'] = String(f.retryAfterSec);
        if (f.retryAfterMs !== undefined) h['retry-after-ms'] = String(f.retryAfterMs);
        send(
          res,
          429,
          err('Rate limit reached for requests. Please try again later.', 'requests', null, 'rate_limit_exceeded'),
          h,
        );
        return true;
      }
      case '500':
        send(res, 500, err('The server had an error while processing your request. Sorry about that!', 'server_error'));
        return true;
      case '503':
        send(res, 503, err('The engine is currently overloaded, please try again later.', 'server_error'));
        return true;
      case 'timeout':
        if (f.ms === undefined) return true; // never answer: the socket stays open until the client aborts or close()
        await sleep(f.ms);
        send(res, 200, answer());
        return true;
      case 'malformed':
        // JSON content-type (so the client tries to parse it) but an HTML-ish proxy error page as body.
        send(res, 200, '<html><body>502 Bad Gateway</body></html>');
        return true;
      case 'truncated': {
        const full = JSON.stringify(answer());
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(full)) });
        // Flush half the promised bytes, then kill the connection mid-body.
        res.write(full.slice(0, Math.floor(full.length / 2)), () => res.socket?.destroy());
        return true;
      }
      case 'reject-json-schema':
        if (!isJsonSchema) return false;
        send(res, 400, err('response_format json_schema is not supported', 'invalid_request_error', 'response_format'));
        return true;
      case 'bad-content':
        return false; // handled inside chatCompletion
    }
  }

  const batchRoutes = createBatchRoutes((body) => chatCompletion(body, undefined), send);

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const rawBody = Buffer.concat(chunks).toString('utf8');
    let body: any = null;
    let badJson = false;
    if (rawBody && !String(req.headers['content-type'] ?? '').startsWith('multipart/')) {
      try {
        body = JSON.parse(rawBody);
      } catch {
        badJson = true;
      }
    }
    api.requests.push({ path, body, at: Date.now(), headers: { ...req.headers } });
    res.setHeader('x-request-id', `req_fake${api.requests.length}`);

    // Consumed by every request, whatever happens next, so "the Nth request fails" is easy to script.
    let fault: Fault | undefined = queued.shift();
    const userText = Array.isArray(body?.messages)
      ? body.messages
          .filter((m: any) => m?.role === 'user')
          .map((m: any) => textOf(m.content))
          .join('\n')
      : typeof body?.input === 'string'
        ? body.input
        : Array.isArray(body?.input)
          ? body.input.join('\n')
          : '';
    fault ??= markers.find((m) => userText.includes(m.marker))?.fault;

    await sleep(opts.latencyMs ?? 0);

    if (opts.apiKey !== undefined && req.headers.authorization !== `Bearer ${opts.apiKey}`) {
      return send(res, 401, err('Incorrect API key provided.', 'invalid_request_error', null, 'invalid_api_key'));
    }
    if (opts.rateLimit) {
      const now = Date.now();
      if (now >= window.resetAt)
        window = { remaining: opts.rateLimit.remainingRequests, resetAt: now + opts.rateLimit.resetRequestsMs };
      const left = window.resetAt - now;
      res.setHeader('x-ratelimit-limit-requests', String(opts.rateLimit.remainingRequests));
      res.setHeader('x-ratelimit-reset-requests', formatReset(left));
      if (window.remaining <= 0) {
        res.setHeader('x-ratelimit-remaining-requests', '0');
        return send(
          res,
          429,
          err(
            `Rate limit reached on requests. Please try again in ${formatReset(left)}.`,
            'requests',
            null,
            'rate_limit_exceeded',
          ),
          { 'retry-after-ms': String(left) },
        );
      }
      window.remaining--;
      res.setHeader('x-ratelimit-remaining-requests', String(window.remaining));
    }

    if (
      batchRoutes.handle(
        req.method ?? 'GET',
        path,
        Buffer.concat(chunks),
        String(req.headers['content-type'] ?? ''),
        res,
      )
    )
      return;
    const post = req.method === 'POST';
    const route =
      post && path === '/v1/chat/completions'
        ? 'chat'
        : post && path === '/v1/embeddings'
          ? 'embeddings'
          : req.method === 'GET' && path === '/v1/models'
            ? 'models'
            : null;
    if (!route)
      return send(res, 404, err(`Invalid URL (${req.method} ${path})`, 'invalid_request_error', null, 'unknown_url'));
    if (badJson)
      return send(res, 400, err('We could not parse the JSON body of your request.', 'invalid_request_error'));
    if (route === 'models') {
      const created = 1_700_000_000;
      return send(res, 200, {
        object: 'list',
        data: FAKE_MODELS.map((id) => ({ id, object: 'model', created, owned_by: 'fake' })),
      });
    }
    for (const p of route === 'chat' ? ['model', 'messages'] : ['model', 'input']) {
      if (body?.[p] === undefined)
        return send(
          res,
          400,
          err(`Missing required parameter: '${p}'.`, 'invalid_request_error', p, 'missing_required_parameter'),
        );
    }
    if (route === 'chat' && !Array.isArray(body.messages)) {
      return send(
        res,
        400,
        err("Invalid type for 'messages': expected an array.", 'invalid_request_error', 'messages', 'invalid_type'),
      );
    }
    const isJsonSchema = route === 'chat' && body.response_format?.type === 'json_schema';
    const answer = () => (route === 'chat' ? chatCompletion(body, fault) : embeddings(body));
    if (fault && (await applyFault(res, fault, isJsonSchema, answer))) return;
    if (opts.rejectJsonSchema && isJsonSchema) {
      return send(
        res,
        400,
        err('response_format json_schema is not supported', 'invalid_request_error', 'response_format'),
      );
    }
    send(res, 200, answer());
  }

  const server = createServer((req, res) => {
    inFlight++;
    api.inFlightMax = Math.max(api.inFlightMax, inFlight);
    res.on('close', () => {
      inFlight--;
    });
    handle(req, res).catch((e: unknown) => {
      send(res, 500, err(`fake server bug: ${e instanceof Error ? e.message : String(e)}`, 'server_error'));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  const api: FakeOpenAI = {
    url: `http://127.0.0.1:${port}/v1`,
    port,
    queueFaults: (...f) => {
      queued.push(...f);
    },
    faultWhenContains: (marker, fault) => {
      markers.push({ marker, fault });
    },
    requests: [],
    generated: [],
    inFlightMax: 0,
    batch: batchRoutes,
    async close() {
      if (closed) return;
      closed = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections(); // includes hung 'timeout' requests and idle keep-alive sockets
      });
    },
  };
  return api;
}
