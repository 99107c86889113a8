import assert from 'node:assert/strict';
import { cp, mkdir, writeFile } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startWebServer, TOKEN_HEADER, type WebServer } from '../../electron/web/web-server.ts';
import { STDLIB, tempDir } from '../support/temp.ts';

// Real HTTP against browser mode on 127.0.0.1, with a temp dataset and a stand-in renderer build.
// NOTE: temp dirs are made at the top level: tempDir's after() hook, registered inside before(),
// would run right after that hook and delete them.
const dir = await tempDir('tbs-web-');
const otherRoot = await tempDir('tbs-web-other-');
let server: WebServer;
let srcDir: string;

before(async () => {
  const staticDir = join(dir, 'static');
  await mkdir(join(staticDir, 'assets'), { recursive: true });
  await writeFile(join(staticDir, 'index.html'), '<!doctype html><title>studio</title>');
  await writeFile(join(staticDir, 'assets', 'app.js'), 'console.log(1)');
  srcDir = join(dir, 'src');
  await cp(join(STDLIB, 'json'), join(srcDir, 'json'), { recursive: true });
  await writeFile(join(srcDir, 'broken.jsonl'), '{"text": "x = 1"}\nnot json\n');
  server = await startWebServer({ dir: join(dir, 'db'), staticDir });
});
after(() => server?.close());

const base = () => `http://127.0.0.1:${server.port}`;
const invoke = (name: string, body: unknown, headers: Record<string, string> = { [TOKEN_HEADER]: server.token }) =>
  fetch(`${base()}/api/invoke/${name}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

test('the printed URL is loopback with the token; every API request without it is 401', async () => {
  assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{20,}$/);
  for (const [path, init] of [
    ['/api/events', {}],
    ['/api/events?token=nope', {}],
    ['/api/invoke/dataset.stats', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }],
  ] as const) {
    const r = await fetch(base() + path, init);
    assert.equal(r.status, 401, path);
    assert.equal((await r.json()).error.name, 'UnauthorizedError');
  }
  const wrong = await invoke('dataset.stats', {}, { [TOKEN_HEADER]: 'x'.repeat(server.token.length) });
  assert.equal(wrong.status, 401);
  // Only the event stream reads a token from its URL: a command never does.
  const viaQuery = await fetch(`${base()}/api/invoke/dataset.stats?token=${server.token}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{}',
  });
  assert.equal(viaQuery.status, 401);
});

test('the page carries no cookie: the header the page sets from the URL token authorizes; a strict CSP', async () => {
  const page = await fetch(server.url);
  assert.equal(page.status, 200);
  assert.match(await page.text(), /<title>studio/);
  const csp = page.headers.get('content-security-policy')!;
  assert.match(csp, /script-src 'self'(;|$)/);
  assert.doesNotMatch(csp, /unsafe-eval|https?:/);
  assert.equal(page.headers.get('referrer-policy'), 'no-referrer');
  // Cookies are shared by every port of 127.0.0.1: the token must never travel in one.
  assert.equal(page.headers.get('set-cookie'), null);
  const bare = await fetch(`${base()}/`);
  assert.equal(bare.status, 200, 'the renderer loads without a token and then says what to open');
  assert.equal(bare.headers.get('set-cookie'), null);
  const asset = await fetch(`${base()}/assets/app.js`);
  assert.equal(asset.status, 200);
  assert.match(asset.headers.get('content-type')!, /javascript/);
  const viaHeader = await invoke('dataset.stats', {});
  assert.equal(viaHeader.status, 200);
  const viaCookie = await invoke('dataset.stats', {}, { cookie: `tbs_token_${server.port}=${server.token}` });
  assert.equal(viaCookie.status, 401, 'a cookie is not a credential');
  const events = await new Promise<number>((resolve, reject) => {
    const req = request(`${base()}/api/events?token=${server.token}`, (res) => {
      resolve(res.statusCode!);
      res.destroy();
    });
    req.on('error', reject);
    req.end();
  });
  assert.equal(events, 200);
  const post = await fetch(`${base()}/`, { method: 'POST', body: 'x' });
  assert.equal(post.status, 405);
  const escape = await fetch(`${base()}/..%2f..%2fetc/passwd`);
  assert.doesNotMatch(await escape.text(), /root:/, 'no path escapes the renderer folder');
});

test('no web page can lock the user out: tokenless and cross-site requests never count as wrong tokens', async () => {
  // What an <img src=".../api/events"> on any site sends: no token, and Sec-Fetch-Site: cross-site.
  for (let i = 0; i < 15; i++) {
    assert.equal((await fetch(`${base()}/api/events`)).status, 401);
    const cross = await fetch(`${base()}/api/events?token=guess-${i}`, { headers: { 'sec-fetch-site': 'cross-site' } });
    assert.equal(cross.status, 403);
  }
  assert.equal((await invoke('dataset.stats', {})).status, 200, 'the owner is still let in');
});

test('a foreign Host header (DNS rebinding) is refused even with the token', async () => {
  const status = await new Promise<number>((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: server.port,
        path: '/api/invoke/dataset.stats',
        method: 'POST',
        headers: { host: 'evil.example:80', 'content-type': 'application/json', [TOKEN_HEADER]: server.token },
      },
      (res) => {
        res.resume();
        resolve(res.statusCode!);
      },
    );
    req.on('error', reject);
    req.end('{}');
  });
  assert.equal(status, 403);
});

test('invoke validates with the contract: 400 naming the field; 404 for unknown commands; JSON errors', async () => {
  const bad = await invoke('samples.list', { limit: 'many' });
  assert.equal(bad.status, 400);
  const body = await bad.json();
  assert.equal(body.error.name, 'ValidationError');
  assert.match(body.error.message, /limit/);
  const badScore = await invoke('labels.addHuman', { sampleId: 'x', score: 9, annotator: 'ann' });
  assert.equal(badScore.status, 400);
  assert.match((await badScore.json()).error.message, /score/);
  const unknown = await invoke('nope.nothing', {});
  assert.equal(unknown.status, 404);
  const notJson = await fetch(`${base()}/api/invoke/dataset.stats`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [TOKEN_HEADER]: server.token },
    body: '{oops',
  });
  assert.equal(notJson.status, 400);
  const form = await fetch(`${base()}/api/invoke/dataset.stats`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', [TOKEN_HEADER]: server.token },
    body: 'a=1',
  });
  assert.equal(form.status, 415);
  const where = await invoke('samples.list', { where: 'bogus >= 3' });
  assert.equal(where.status, 400);
  const whereBody = await where.json();
  assert.match(whereBody.error.message, /unknown field/);
  assert.equal(whereBody.error.code, 'invalid_input');
  // Failures of the engine carry their code, and the status comes from the shared table.
  const missing = await invoke('samples.get', { id: 'f'.repeat(32) });
  assert.equal(missing.status, 404);
  assert.equal((await missing.json()).error.code, 'not_found');
  const ghostLabel = await invoke('labels.addHuman', {
    sampleId: 'f'.repeat(32),
    score: 3,
    annotator: 'ann',
    origin: 'key',
    note: null,
  });
  assert.equal(ghostLabel.status, 404, 'a label for an unknown sample is permanent, not a 500');
  assert.equal((await ghostLabel.json()).error.code, 'not_found');
});

test('server-sent events deliver job-progress and job-state during an import; import errors are listed', async () => {
  const ctl = new AbortController();
  const res = await fetch(`${base()}/api/events`, { headers: { [TOKEN_HEADER]: server.token }, signal: ctl.signal });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type')!, /text\/event-stream/);
  const frames: { event: string; data: any }[] = [];
  const reading = (async () => {
    const dec = new TextDecoder();
    let buf = '';
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buf += dec.decode(chunk, { stream: true });
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const ev = /^event: (.+)$/m.exec(block);
          const data = /^data: (.+)$/m.exec(block);
          if (ev && data) frames.push({ event: ev[1], data: JSON.parse(data[1]) });
        }
      }
    } catch {
      /* aborted */
    }
  })();
  const r = await invoke('samples.import', { paths: [srcDir, join(srcDir, 'broken.jsonl')], chunk: 'function' });
  assert.equal(r.status, 200);
  const out = await r.json();
  assert.ok(out.imported > 10);
  assert.equal(out.errorCount, 1);
  // A read changes nothing: no window should reload its lists for it.
  assert.equal((await invoke('samples.importErrors', {})).status, 200);
  // Nor does a change refused before any work (bad input).
  assert.equal((await invoke('samples.import', { paths: 5 })).status, 400);
  await new Promise((resolve) => setTimeout(resolve, 100));
  ctl.abort();
  await reading;
  const progress = frames.filter((f) => f.event === 'job-progress');
  assert.ok(progress.length >= 1, `got ${frames.map((f) => f.event).join(',')}`);
  assert.equal(progress[0].data.kind, 'import');
  assert.equal(progress[0].data.jobId, out.jobId);
  assert.ok(frames.some((f) => f.event === 'job-state' && f.data.jobId === out.jobId && f.data.status === 'done'));
  assert.deepEqual(
    frames.filter((f) => f.event === 'samples-changed').map((f) => f.data.reason),
    ['samples.import'],
  );

  const jobs = await (await invoke('jobs.list', {})).json();
  assert.ok(jobs.some((j: any) => j.jobId === out.jobId && j.status === 'done'));
  const errs = await (await invoke('samples.importErrors', {})).json();
  assert.equal(errs.total, 1);
  assert.match(errs.errors[0].file, /broken\.jsonl/);
  assert.equal(errs.errors[0].line, 2);
  const list = await (await invoke('samples.list', { sort: 'tokens', desc: true, limit: 5 })).json();
  assert.equal(list.rows.length, 5);
  assert.ok(list.rows[0].tokens >= list.rows[4].tokens);
});

test('host calls: app.state never carries the key; browser mode refuses to store one; datasets switch by path', async () => {
  const state = await (await invoke('app.state', {})).json();
  assert.equal(state.mode, 'browser');
  assert.ok(state.dataset.samples > 0);
  assert.ok(state.commands.includes('samples.list'));
  assert.equal(typeof state.settings.hasApiKey, 'boolean');
  assert.equal(state.settings.apiKeyWritable, false);
  assert.ok(!('apiKey' in state.settings));
  const key = await invoke('settings.update', { apiKey: 'sk-secret' });
  assert.equal(key.status, 400);
  const named = await (await invoke('settings.update', { annotator: 'ada' })).json();
  assert.equal(named.annotator, 'ada');
  const dialog = await (await invoke('dialog.pickPaths', { purpose: 'import-folder' })).json();
  assert.deepEqual(dialog, { paths: [], supported: false });

  const other = join(otherRoot, 'second');
  const opened = await (await invoke('dataset.open', { dir: other })).json();
  assert.equal(opened.samples, 0);
  assert.equal(opened.name, 'second');
  const after2 = await (await invoke('app.state', {})).json();
  assert.equal(after2.dataset.dir, other);
  assert.equal(after2.settings.recent[0], other);
  const missing = await invoke('dataset.open', { dir: join(other, 'nope'), create: false });
  assert.equal(missing.status, 404);
  assert.equal((await missing.json()).error.code, 'not_found');
  assert.equal(
    (await (await invoke('app.state', {})).json()).dataset.dir,
    other,
    'a failed open keeps the current dataset',
  );
});

test('tbs serve prints the URL with its token as the first stdout line, serves, and stops on SIGTERM', async () => {
  const db = join(dir, 'served');
  const child = spawn(process.execPath, ['--import', 'tsx', 'electron/cli/tbs.ts', 'serve', '--db', db, '--no-build'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LANCEDB_LOG: 'error', XDG_CONFIG_HOME: join(dir, 'xdg') },
  });
  try {
    const first = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d) => {
        out += d;
        const nl = out.indexOf('\n');
        if (nl >= 0) resolve(out.slice(0, nl));
      });
      child.on('exit', (code) => reject(new Error(`tbs serve exited ${code}`)));
    });
    assert.match(first, /^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{20,}$/);
    const url = new URL(first);
    const ok = await fetch(`${url.origin}/api/invoke/dataset.stats`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [TOKEN_HEADER]: url.searchParams.get('token')! },
      body: '{}',
    });
    assert.equal(ok.status, 200);
    assert.equal((await ok.json()).samples, 0);
    assert.equal(
      (
        await fetch(`${url.origin}/api/invoke/dataset.stats`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{}',
        })
      ).status,
      401,
    );
  } finally {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
  assert.equal(child.exitCode, 0);
});

test('jobs.cancel stops a running import; the partial result says so', async () => {
  const ctl = new AbortController();
  const res = await fetch(`${base()}/api/events`, { headers: { [TOKEN_HEADER]: server.token }, signal: ctl.signal });
  const cancel: { request: Promise<Response> | null } = { request: null };
  const watching = (async () => {
    const dec = new TextDecoder();
    let buf = '';
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buf += dec.decode(chunk, { stream: true });
        const m = /event: job-progress\ndata: (.+)\n/.exec(buf);
        if (m && !cancel.request) cancel.request = invoke('jobs.cancel', { jobId: JSON.parse(m[1]).jobId });
      }
    } catch {
      /* aborted */
    }
  })();
  const r = await (await invoke('samples.import', { paths: [STDLIB], chunk: 'file' })).json();
  ctl.abort();
  await watching;
  assert.ok(cancel.request, 'a progress event arrived');
  assert.deepEqual(await (await cancel.request).json(), { cancelled: true });
  assert.equal(r.cancelled, true);
  const jobs = await (await invoke('jobs.list', {})).json();
  assert.equal(jobs.find((j: any) => j.jobId === r.jobId).status, 'cancelled');
});
