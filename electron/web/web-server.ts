import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { ERROR_POLICY, toWireError, type ErrorCode } from '../../shared/errors.js';
import { contentSecurityPolicy } from '../host/csp.js';
import { SettingsStore } from '../host/settings-store.js';
import { StudioSession } from '../host/studio-session.js';
import { serveStatic } from './static-files.js';

/**
 * Browser mode: the built renderer plus the command contract over HTTP on 127.0.0.1.
 *   POST /api/invoke/:command   JSON body -> JSON result; errors as {error:{code,name,message}}
 *                               with the status of the code in shared/errors.ts
 *   GET  /api/events            server-sent events (job-progress, job-state, samples-changed, ...)
 * Every request needs the per-start token: `?token=` on the first page load (which sets an
 * HttpOnly, SameSite=Strict cookie), then the cookie or an `x-studio-token` header.
 */
export interface WebServerOptions {
  /** Dataset folder to open (created when missing or empty). */
  dir: string;
  port?: number;
  /** Only loopback is allowed; the option exists to make that explicit at call sites. */
  host?: '127.0.0.1';
  /** Built renderer (default: dist/renderer of this checkout). */
  staticDir?: string;
  /** Studio settings (default: in memory, seeded from the environment). */
  settings?: SettingsStore;
  create?: boolean;
}

export interface WebServer {
  url: string;
  port: number;
  token: string;
  session: StudioSession;
  close(): Promise<void>;
}

export const DEFAULT_STATIC_DIR = fileURLToPath(new URL('../../dist/renderer', import.meta.url));
export const TOKEN_HEADER = 'x-studio-token';
const MAX_BODY = 32 << 20;
const HEARTBEAT_MS = 15_000;

export async function startWebServer(opts: WebServerOptions): Promise<WebServer> {
  const host = opts.host ?? '127.0.0.1';
  if (host !== '127.0.0.1') throw new Error('browser mode binds 127.0.0.1 only');
  const token = randomBytes(24).toString('base64url');
  const settings = opts.settings ?? (await SettingsStore.load({ file: null }));
  const session = await StudioSession.start({ mode: 'browser', settings, dir: opts.dir, create: opts.create ?? true });
  const staticDir = opts.staticDir ?? DEFAULT_STATIC_DIR;
  const sseClients = new Set<ServerResponse>();
  let port = 0;
  const cookieName = () => `tbs_token_${port}`;

  const baseHeaders: Record<string, string> = {
    'content-security-policy': contentSecurityPolicy(),
    'x-content-type-options': 'nosniff',
    // The token travels in the first URL; never leak it to another site.
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
  };

  const tokenOk = (given: string | undefined | null) => {
    if (!given) return false;
    const a = Buffer.from(given);
    const b = Buffer.from(token);
    return a.length === b.length && timingSafeEqual(a, b);
  };

  const sendJson = (res: ServerResponse, status: number, body: unknown) => {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      ...baseHeaders,
      'content-type': 'application/json; charset=utf-8',
      'cache-control': 'no-store',
      'content-length': String(Buffer.byteLength(text)),
    });
    res.end(text);
  };
  // The status comes from the shared code table; `status` overrides it only for HTTP's own
  // protocol errors (405, 415), which happen before any command runs.
  const sendError = (res: ServerResponse, code: ErrorCode, name: string, message: string, status?: number) =>
    sendJson(res, status ?? ERROR_POLICY[code].http, { error: { code, name, message } });

  const unsubscribe = session.onEvent((event, payload) => {
    const frame = `event: ${event}\ndata: ${JSON.stringify(payload)}\n\n`;
    for (const c of sseClients) c.write(frame);
  });

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    // A page on another origin that resolves its own name to 127.0.0.1 (DNS rebinding) sends its own Host.
    const hostHeader = req.headers.host ?? '';
    if (hostHeader !== `127.0.0.1:${port}` && hostHeader !== `localhost:${port}`)
      return sendError(res, 'forbidden', 'ForbiddenError', 'unexpected Host header');
    const queryToken = url.searchParams.get('token');
    const headerToken = req.headers[TOKEN_HEADER];
    const cookieToken = parseCookies(req.headers.cookie)[cookieName()];
    if (
      !tokenOk(queryToken) &&
      !tokenOk(typeof headerToken === 'string' ? headerToken : null) &&
      !tokenOk(cookieToken)
    ) {
      return sendError(
        res,
        'unauthorized',
        'UnauthorizedError',
        'missing or wrong token: open the URL that `tbs serve` printed',
      );
    }
    const path = url.pathname;

    if (path.startsWith('/api/invoke/')) {
      if (req.method !== 'POST') return sendError(res, 'invalid_input', 'MethodNotAllowedError', 'use POST', 405);
      // JSON only: a cross-site form cannot send it without a CORS preflight, which we never grant.
      if (!/^application\/json\b/i.test(req.headers['content-type'] ?? ''))
        return sendError(res, 'invalid_input', 'UnsupportedMediaTypeError', 'send application/json', 415);
      const name = decodeURIComponent(path.slice('/api/invoke/'.length));
      if (!StudioSession.isKnown(name))
        return sendError(res, 'not_found', 'UnknownCommandError', `unknown command ${JSON.stringify(name)}`);
      let input: unknown;
      try {
        const body = await readBody(req);
        input = body.length ? JSON.parse(body) : {};
      } catch (e) {
        return sendError(res, 'invalid_input', 'BadRequestError', `request body: ${(e as Error).message}`);
      }
      try {
        sendJson(res, 200, await session.invoke(name, input));
      } catch (e) {
        const w = toWireError(e);
        sendError(res, w.code, w.name, w.message);
      }
      return;
    }

    if (path === '/api/events') {
      res.writeHead(200, {
        ...baseHeaders,
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
      });
      res.write('retry: 2000\n: connected\n\n');
      sseClients.add(res);
      const beat = setInterval(() => res.write(': heartbeat\n\n'), HEARTBEAT_MS);
      req.on('close', () => {
        clearInterval(beat);
        sseClients.delete(res);
      });
      return;
    }

    if (path.startsWith('/api/')) return sendError(res, 'not_found', 'NotFoundError', `no route ${path}`);
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return sendError(res, 'invalid_input', 'MethodNotAllowedError', 'use GET', 405);
    const headers = { ...baseHeaders };
    if (tokenOk(queryToken)) headers['set-cookie'] = `${cookieName()}=${token}; HttpOnly; SameSite=Strict; Path=/`;
    await serveStatic(staticDir, path, res, headers);
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e) => {
      if (!res.headersSent) {
        const w = toWireError(e);
        sendError(res, w.code, w.name, w.message);
      } else res.destroy();
    });
  });
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolveListen();
    });
  });
  port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    port,
    token,
    session,
    async close() {
      unsubscribe();
      for (const c of sseClients) c.end();
      sseClients.clear();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await session.close();
    },
  };
}

function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0) out[part.slice(0, i).trim()] = part.slice(i + 1).trim();
  }
  return out;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolveBody, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error(`larger than ${MAX_BODY} bytes`));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolveBody(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
