import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.ttf': 'font/ttf',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
  '.wasm': 'application/wasm',
};

/**
 * Serves the built renderer. Paths are resolved inside `root` only (no `..` escapes); a path
 * without an extension falls back to index.html so client-side routes reload.
 */
export async function serveStatic(
  root: string,
  urlPath: string,
  res: ServerResponse,
  headers: Record<string, string>,
): Promise<void> {
  const base = resolve(root);
  let rel: string;
  try {
    rel = decodeURIComponent(urlPath);
  } catch {
    rel = '/';
  }
  let file = resolve(join(base, normalize(rel)));
  if (file !== base && !file.startsWith(base + sep)) return send(res, 404, 'not found', headers);
  let st = await stat(file).catch(() => null);
  if (!st || st.isDirectory()) {
    if (extname(file) && !st) return send(res, 404, 'not found', headers);
    file = join(base, 'index.html');
    st = await stat(file).catch(() => null);
    if (!st)
      return send(
        res,
        503,
        'The studio UI is not built yet: run `npm run build:renderer` (tbs serve builds it unless --no-build).',
        headers,
      );
  }
  const isIndex = file.endsWith(`${sep}index.html`);
  res.writeHead(200, {
    ...headers,
    'content-type': MIME[extname(file)] ?? 'application/octet-stream',
    'content-length': String(st.size),
    // Hashed asset names never change content; the page itself must always be fresh.
    'cache-control': isIndex ? 'no-store' : 'private, max-age=31536000, immutable',
  });
  createReadStream(file).pipe(res);
}

function send(res: ServerResponse, status: number, text: string, headers: Record<string, string>) {
  res.writeHead(status, { ...headers, 'content-type': 'text/plain; charset=utf-8' });
  res.end(text);
}
