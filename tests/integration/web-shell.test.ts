import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { createStudioBridge } from '../../electron/main/bridge.ts';
import {
  bindStudioIpc,
  EVENT_CHANNEL,
  INVOKE_CHANNEL,
  type InvokeEventLike,
  type InvokeReply,
} from '../../electron/main/ipc.ts';
import { resolveAppFile } from '../../electron/main/app-protocol.ts';
import {
  allowNavigation,
  allowPermission,
  APP_ENTRY_URL,
  APP_SCHEME_PRIVILEGES,
  CONTENT_SECURITY_POLICY,
  isAppUrl,
  secureWebPreferences,
  windowOpenDecision,
} from '../../electron/main/security.ts';
import { SettingsStore, type SecretCodec } from '../../electron/host/settings-store.ts';
import { StudioSession } from '../../electron/host/studio-session.ts';
import { tempDir } from '../support/temp.ts';

// The Electron shell's logic, checked without the Electron binary: the window's security
// options, the preload bridge, the IPC binding, and the settings/key handling.
const dir = await tempDir('tbs-shell-');

test('webPreferences isolate and sandbox the page; no Node anywhere in it', () => {
  const p = secureWebPreferences('/x/preload.cjs');
  assert.equal(p.contextIsolation, true);
  assert.equal(p.sandbox, true);
  assert.equal(p.nodeIntegration, false);
  assert.equal(p.nodeIntegrationInWorker, false);
  assert.equal(p.webSecurity, true);
  assert.equal(p.allowRunningInsecureContent, false);
  assert.equal(p.webviewTag, false);
  assert.equal(p.preload, '/x/preload.cjs');
});

test('the CSP allows only the app itself: no remote or inline scripts, no eval; Monaco workers from self/blob', () => {
  const directives = Object.fromEntries(
    CONTENT_SECURITY_POLICY.split(';')
      .map((d) => d.trim().split(/\s+/))
      .map(([k, ...v]) => [k, v]),
  );
  assert.deepEqual(directives['script-src'], ["'self'"]);
  assert.deepEqual(directives['default-src'], ["'self'"]);
  assert.deepEqual(directives['connect-src'], ["'self'"]);
  assert.deepEqual(directives['worker-src'], ["'self'", 'blob:']);
  assert.deepEqual(directives['object-src'], ["'none'"]);
  assert.deepEqual(directives['frame-ancestors'], ["'none'"]);
  assert.doesNotMatch(CONTENT_SECURITY_POLICY, /unsafe-eval|https?:|\*/);
});

test('navigation, window.open and permissions are denied; the app scheme is secure but not privileged beyond that', () => {
  assert.equal(isAppUrl(APP_ENTRY_URL), true);
  assert.equal(allowNavigation('app://studio/index.html#review'), true);
  for (const url of [
    'https://example.com/',
    'file:///etc/passwd',
    'app://other/index.html',
    'http://127.0.0.1:5173/',
    'javascript:alert(1)',
  ]) {
    assert.equal(allowNavigation(url), false, url);
  }
  assert.deepEqual(windowOpenDecision(), { action: 'deny' });
  assert.equal(allowPermission('media'), false);
  assert.equal(allowPermission('notifications'), false);
  assert.equal((APP_SCHEME_PRIVILEGES as Record<string, unknown>).bypassCSP, undefined);
  assert.equal((APP_SCHEME_PRIVILEGES as Record<string, unknown>).corsEnabled, undefined);
  assert.equal(APP_SCHEME_PRIVILEGES.secure, true);
  const entry = readFileSync('electron/main/entry.mjs', 'utf8');
  assert.match(entry, /registerSchemesAsPrivileged/);
  assert.match(entry, /app-scheme\.json/, 'entry.mjs registers the same scheme security.ts describes');
});

test('app:// resolves inside the built renderer only', () => {
  const root = '/srv/renderer';
  assert.equal(resolveAppFile(root, 'app://studio/index.html'), '/srv/renderer/index.html');
  assert.equal(resolveAppFile(root, 'app://studio/assets/app-1.js'), '/srv/renderer/assets/app-1.js');
  assert.equal(resolveAppFile(root, 'app://studio/review'), '/srv/renderer/index.html');
  for (const sneaky of ['app://studio/..%2f..%2fetc/passwd.txt', 'app://studio/%2e%2e/%2e%2e/etc/hosts.txt']) {
    const f = resolveAppFile(root, sneaky);
    assert.ok(f === null || f.startsWith('/srv/renderer/'), `${sneaky} -> ${f}`);
  }
  assert.equal(resolveAppFile(root, 'app://evil/index.html'), null);
  assert.equal(resolveAppFile(root, 'file:///srv/renderer/index.html'), null);
});

test('the preload bridge exposes exactly invoke and on, over one channel each, and hides the IPC event', async () => {
  const calls: unknown[][] = [];
  const listeners = new Map<string, Set<(e: unknown, ...a: unknown[]) => void>>();
  const fakeIpc = {
    async invoke(channel: string, ...args: unknown[]) {
      calls.push([channel, ...args]);
      return args[0] === 'bad'
        ? { ok: false, error: { code: 'invalid_input', name: 'ValidationError', message: 'bad: x: required' } }
        : { ok: true, value: { echoed: args[1] } };
    },
    on(channel: string, l: (e: unknown, ...a: unknown[]) => void) {
      if (!listeners.has(channel)) listeners.set(channel, new Set());
      listeners.get(channel)!.add(l);
    },
    removeListener(channel: string, l: (e: unknown, ...a: unknown[]) => void) {
      listeners.get(channel)?.delete(l);
    },
  };
  const bridge = createStudioBridge(fakeIpc);
  assert.deepEqual(Object.keys(bridge).sort(), ['invoke', 'on']);
  assert.deepEqual(await bridge.invoke('dataset.stats', {}), { echoed: {} });
  assert.deepEqual(calls[0], [INVOKE_CHANNEL, 'dataset.stats', {}]);
  await assert.rejects(
    bridge.invoke('bad' as 'dataset.stats', {}),
    (e: Error) =>
      e.name === 'ValidationError' && /^\[invalid_input:ValidationError\] bad: x: required$/.test(e.message),
  );
  const got: unknown[] = [];
  const off = bridge.on('job-progress', (...args) => got.push(args));
  assert.equal(listeners.get(EVENT_CHANNEL)?.size, 1);
  for (const l of listeners.get(EVENT_CHANNEL)!) {
    l({ sender: 'secret' }, 'job-progress', { jobId: 'j' });
    l({}, 'samples-changed', { reason: 'x' });
  }
  assert.deepEqual(got, [[{ jobId: 'j' }]], 'only the payload of the subscribed event, never the IPC event');
  off();
  assert.equal(listeners.get(EVENT_CHANNEL)?.size, 0);
  const preload = await readFile('electron/main/preload.ts', 'utf8');
  assert.match(preload, /exposeInMainWorld\('studio', createStudioBridge\(ipcRenderer\)\)/);
  assert.equal((preload.match(/exposeInMainWorld/g) ?? []).length, 1);
});

test('IPC binding: validates through the contract, refuses foreign frames, forwards events; the key never reaches the page', async () => {
  const store: Record<string, string> = {};
  const codec: SecretCodec = {
    isAvailable: () => true,
    encrypt: (p) => {
      const k = `enc-${Object.keys(store).length}`;
      store[k] = p;
      return Buffer.from(k).toString('base64');
    },
    decrypt: (e) => store[Buffer.from(e, 'base64').toString()],
  };
  const settingsFile = join(dir, 'userData', 'settings.json');
  const settings = await SettingsStore.load({ file: settingsFile, codec, env: {} });
  const session = await StudioSession.start({
    mode: 'electron',
    settings,
    dir: null,
    pickPaths: async () => ['/picked'],
  });
  let handler: ((e: InvokeEventLike, ...a: unknown[]) => Promise<unknown>) | null = null;
  const sent: unknown[][] = [];
  const unbind = bindStudioIpc(
    {
      handle: (c, h) => {
        assert.equal(c, INVOKE_CHANNEL);
        handler = h;
      },
      removeHandler: () => {
        handler = null;
      },
    },
    session,
    (...a) => sent.push(a),
  );
  const fromApp: InvokeEventLike = { senderFrame: { url: 'app://studio/index.html' } };
  const call = (name: unknown, input: unknown, ev = fromApp) => handler!(ev, name, input) as Promise<InvokeReply>;

  const state = await call('app.state', {});
  assert.ok(state.ok);
  assert.equal((state as any).value.dataset, null, 'first run: no dataset yet');
  const noDataset = await call('dataset.stats', {});
  assert.deepEqual(noDataset.ok ? null : noDataset.error.name, 'NoDatasetError');
  assert.equal(noDataset.ok ? null : noDataset.error.code, 'conflict');

  const foreign = await call('app.state', {}, { senderFrame: { url: 'https://evil.example/' } });
  assert.equal(foreign.ok ? null : foreign.error.name, 'ForbiddenError');

  const opened = await call('dataset.open', { dir: join(dir, 'ds') });
  assert.ok(opened.ok, JSON.stringify(opened));
  assert.ok(sent.some(([ch, ev]) => ch === EVENT_CHANNEL && ev === 'dataset-changed'));
  const invalid = await call('samples.list', { sort: 'nonsense' });
  assert.equal(invalid.ok ? null : invalid.error.name, 'ValidationError');
  assert.equal(invalid.ok ? null : invalid.error.code, 'invalid_input');
  assert.match(invalid.ok ? '' : invalid.error.message, /sort/);
  const unknown = await call('fs.readFile', { path: '/etc/passwd' });
  assert.equal(unknown.ok ? null : unknown.error.name, 'UnknownCommandError');
  assert.equal(unknown.ok ? null : unknown.error.code, 'not_found');
  const noSample = await call('samples.get', { id: 'f'.repeat(32) });
  assert.equal(noSample.ok ? null : noSample.error.code, 'not_found', JSON.stringify(noSample));

  const keyed = await call('settings.update', { apiKey: 'sk-very-secret', annotator: 'grace' });
  assert.ok(keyed.ok);
  assert.equal((keyed as any).value.hasApiKey, true);
  const after = await call('app.state', {});
  assert.doesNotMatch(JSON.stringify(after), /sk-very-secret/);
  assert.doesNotMatch(JSON.stringify(keyed), /sk-very-secret/);
  assert.doesNotMatch(JSON.stringify(sent), /sk-very-secret/);
  assert.doesNotMatch(await readFile(settingsFile, 'utf8'), /sk-very-secret/, 'stored encrypted only');
  assert.equal(settings.apiKey(), 'sk-very-secret', 'the main process can still use it');
  const reloaded = await SettingsStore.load({ file: settingsFile, codec, env: {} });
  assert.equal(reloaded.publicView().annotator, 'grace');
  assert.equal(reloaded.publicView().hasApiKey, true);
  assert.equal(reloaded.publicView().recent[0], join(dir, 'ds'));
  const cleared = await call('settings.update', { apiKey: '' });
  assert.equal((cleared as any).value.hasApiKey, false);
  const picked = await call('dialog.pickPaths', { purpose: 'import-folder' });
  assert.deepEqual((picked as any).value, { paths: ['/picked'], supported: true });

  unbind();
  assert.equal(handler, null);
  await session.close();
});

test('layering: only electron/main imports electron; shared/, renderer/, engine, host and web never do', () => {
  const offenders: string[] = [];
  const walk = (d: string) => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else if (
        /\.(ts|tsx|mjs)$/.test(n) &&
        /from ['"]electron['"]|require\(['"]electron['"]\)/.test(readFileSync(p, 'utf8'))
      )
        offenders.push(p);
    }
  };
  for (const d of ['shared', 'renderer', 'electron/engine', 'electron/host', 'electron/web', 'electron/cli']) walk(d);
  assert.deepEqual(offenders, []);
  const mainFiles = readdirSync('electron/main').filter(
    (n) => /\.(ts|mjs)$/.test(n) && /from ['"]electron['"]/.test(readFileSync(join('electron/main', n), 'utf8')),
  );
  assert.deepEqual(mainFiles.sort(), ['entry.mjs', 'main.ts', 'preload.ts']);
});
