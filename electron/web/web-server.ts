import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { CodedError, ERROR_POLICY, toWireError, type ErrorCode } from '../../shared/errors.js';
import { contentSecurityPolicy } from '../host/csp.js';
import { SettingsStore } from '../host/settings-store.js';
import { StudioSession } from '../host/studio-session.js';
import { serveStatic } from './static-files.js';
import { createTeamGuard } from './team-guard.js';
import { allowedHostHeaders, isLoopback } from './team-hosts.js';
import { BadTokenLimiter, type TeamUser, type TeamUsers } from './users.js';

/**
 * Browser mode: the built renderer plus the command contract over HTTP on 127.0.0.1.
 *   POST /api/invoke/:command   JSON body -> JSON result; errors as {error:{code,name,message}}
 *                               with the status of the code in shared/errors.ts
 *   GET  /api/events            server-sent events (job-progress, job-state, samples-changed, ...)
 * Every API request needs the per-start token in an `x-studio-token` header, which the page sets
 * from the `?token=` of the URL it was opened with (and keeps in sessionStorage, per tab). The
 * event stream, which EventSource cannot give headers, takes it as `api/events?token=`.
 * NOTE: no cookie: browsers share cookies between every port of 127.0.0.1, so a cookie would
 * reach any other local web server the same browser visits. The renderer's files hold no data
 * and are served without a token; the page says what to open when it has none.
 */
export interface WebServerOptions {
  /** Dataset folder to open (created when missing or empty). */
  dir: string;
  port?: number;
  /** Loopback by default; any other address needs `users` (a team server). */
  host?: string;
  /** A team: per-user tokens and roles (electron/web/users.ts). Without it, one token, one person. */
  users?: TeamUsers;
  /** PEM certificate and key: serve HTTPS. */
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** Extra Host header values to accept (the name a reverse proxy forwards), e.g. `studio.example.org`. */
  allowedHosts?: string[];
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
const DRAIN_LIMIT = 256 << 20;
const HEARTBEAT_MS = 15_000;

export async function startWebServer(opts: WebServerOptions): Promise<WebServer> {
  const host = opts.host ?? '127.0.0.1';
  if (!isLoopback(host) && !opts.users)
    throw new CodedError(
      'invalid_input',
      `binding ${host} serves the studio beyond this machine: give a users file (--users) so every person has their own token and role`,
    );
  const token = randomBytes(24).toString('base64url');
  const users = opts.users ?? null;
  const limiter = new BadTokenLimiter();
  const scheme = opts.tls ? 'https' : 'http';
  const settings = opts.settings ?? (await SettingsStore.load({ file: null }));
  const session = await StudioSession.start({ mode: 'browser', settings, dir: opts.dir, create: opts.create ?? true });
  const guard = createTeamGuard(() => session.currentEngine);
  const staticDir = opts.staticDir ?? DEFAULT_STATIC_DIR;
  const sseClients = new Set<ServerResponse>();
  let port = 0;

  const baseHeaders: Record<string, string> = {
    'content-security-policy': contentSecurityPolicy(),
    'x-content-type-options': 'nosniff',
    // The token travels in the first URL; never leak it to another site.
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
  };

  // Single-user mode: the one token is the dataset's owner, whose labels carry the settings' name.
  const identify = (given: string | undefined | null): TeamUser | null =>
    users ? users.identify(given) : tokenOk(given) ? { name: '', role: 'owner' } : null;
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
    if (!hostsOk.has(hostHeader)) return sendError(res, 'forbidden', 'ForbiddenError', 'unexpected Host header');
    // Browsers send Origin on cross-site requests: only this server's own pages may call it.
    const origin = req.headers.origin;
    // NOTE: the host part only: behind a TLS-terminating reverse proxy the page is https while we serve http.
    if (origin !== undefined && originHost(origin) !== hostHeader)
      return sendError(res, 'forbidden', 'ForbiddenError', 'unexpected Origin header');
    const path = url.pathname;
    if (!path.startsWith('/api/')) {
      if (req.method !== 'GET' && req.method !== 'HEAD')
        return sendError(res, 'invalid_input', 'MethodNotAllowedError', 'use GET', 405);
      return serveStatic(staticDir, path, res, { ...baseHeaders });
    }
    // A page on another site (an <img> or a form needs no Origin) never reaches the API: refused
    // before the wrong-token limiter, so no web page can lock the user out by failing for them.
    const fetchSite = req.headers['sec-fetch-site'];
    if (fetchSite !== undefined && fetchSite !== 'same-origin' && fetchSite !== 'none')
      return sendError(res, 'forbidden', 'ForbiddenError', `cross-site request (${fetchSite})`);
    const addr = req.socket.remoteAddress ?? '';
    const headerToken = req.headers[TOKEN_HEADER];
    // Only the event stream takes the token from its URL (EventSource cannot send headers).
    const queryToken = path === '/api/events' ? url.searchParams.get('token') : null;
    const presented = (typeof headerToken === 'string' && headerToken !== '') || Boolean(queryToken);
    // NOTE: only a presented wrong token counts against the address (a request without one is a
    // plain 401); while blocked, no token is even checked, so guessing stays slow.
    if (presented && limiter.blocked(addr))
      return sendError(res, 'unauthorized', 'RateLimitedError', 'too many wrong tokens; wait a minute', 429);
    const user = identify(typeof headerToken === 'string' ? headerToken : null) ?? identify(queryToken);
    if (!user) {
      if (presented) limiter.fail(addr);
      return sendError(
        res,
        'unauthorized',
        'UnauthorizedError',
        'missing or wrong token: open the URL that `tbs serve` printed',
      );
    }
    if (path.startsWith('/api/invoke/')) {
      if (req.method !== 'POST') return sendError(res, 'invalid_input', 'MethodNotAllowedError', 'use POST', 405);
      // JSON only: a cross-site form cannot send it without a CORS preflight, which we never grant.
      if (!/^application\/json\b/i.test(req.headers['content-type'] ?? ''))
        return sendError(res, 'invalid_input', 'UnsupportedMediaTypeError', 'send application/json', 415);
      let name: string;
      try {
        name = decodeURIComponent(path.slice('/api/invoke/'.length));
      } catch {
        return sendError(res, 'invalid_input', 'BadRequestError', 'malformed command name in the URL');
      }
      if (!StudioSession.isKnown(name))
        return sendError(res, 'not_found', 'UnknownCommandError', `unknown command ${JSON.stringify(name)}`);
      let input: unknown;
      try {
        const body = await readBody(req);
        input = body.length ? JSON.parse(body) : {};
      } catch (e) {
        const w = toWireError(e);
        return sendError(
          res,
          w.code === 'too_large' ? 'too_large' : 'invalid_input',
          w.name,
          `request body: ${w.message}`,
        );
      }
      try {
        if (!users) sendJson(res, 200, await session.invoke(name, input));
        else {
          // NOTE: a team server trusts no name the client sends: the guard puts the signed-in user's.
          const checked = await guard.before(user, name, input);
          sendJson(res, 200, await guard.after(user, name, await session.invoke(name, checked)));
        }
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

    return sendError(res, 'not_found', 'NotFoundError', `no route ${path}`);
  };

  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((e) => {
      if (!res.headersSent) {
        const w = toWireError(e);
        sendError(res, w.code, w.name, w.message);
      } else res.destroy();
    });
  };
  const server: Server = opts.tls
    ? createHttpsServer({ cert: opts.tls.cert, key: opts.tls.key }, onRequest)
    : createServer(onRequest);
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolveListen();
    });
  });
  port = (server.address() as AddressInfo).port;
  const hostsOk = allowedHostHeaders(host, port, opts.allowedHosts ?? []);
  const shownHost = isLoopback(host) || host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  // A second writer of the dataset is told to use this server (the URL without its token).
  await session.advertiseUrl(`${scheme}://${shownHost}:${port}/`);

  return {
    // A team server has no shared token: each person appends their own.
    url: users ? `${scheme}://${shownHost}:${port}/?token=` : `${scheme}://${shownHost}:${port}/?token=${token}`,
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

/**
 * The body, up to MAX_BODY. A larger one is read to its end and dropped, so the client receives
 * the 413 instead of a reset connection; past DRAIN_LIMIT the connection is cut after all.
 */
function readBody(req: IncomingMessage): Promise<string> {
  const tooLarge = () => new CodedError('too_large', `larger than ${MAX_BODY} bytes`, { name: 'PayloadTooLargeError' });
  return new Promise((resolveBody, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = Number(req.headers['content-length'] ?? 0) > MAX_BODY;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) over = true;
      if (over) {
        chunks.length = 0;
        if (size > DRAIN_LIMIT) {
          reject(tooLarge());
          req.destroy();
        }
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => (over ? reject(tooLarge()) : resolveBody(Buffer.concat(chunks).toString('utf8'))));
    req.on('error', reject);
  });
}

function originHost(origin: string): string | null {
  try {
    return new URL(origin).host;
  } catch {
    return null;
  }
}
