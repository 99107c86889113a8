import { app, BrowserWindow, dialog, ipcMain, protocol, safeStorage, session as electronSession } from 'electron';
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SettingsStore, type SecretCodec, type WindowState } from '../host/settings-store.js';
import { StudioSession } from '../host/studio-session.js';
import { MIME_TYPES, resolveAppFile } from './app-protocol.js';
import { bindStudioIpc } from './ipc.js';
import { capNativeThreads } from '../engine/workers/native-threads.js';
import {
  allowNavigation,
  allowPermission,
  APP_ENTRY_URL,
  APP_SCHEME,
  CONTENT_SECURITY_POLICY,
  secureWebPreferences,
  windowOpenDecision,
} from './security.js';

/**
 * The Electron shell: one window, the app:// protocol serving the built renderer, the IPC
 * binding, settings in userData, native dialogs. Everything with logic lives in plain modules
 * (security.ts, ipc.ts, bridge.ts, app-protocol.ts, ../host/*) that tests check without Electron.
 * Started by entry.mjs (through tsx); reads the renderer from dist/renderer and the preload bundle
 * from dist/electron (both built by `npm run build:renderer` / `npm run build:electron`).
 */
const RENDERER_DIR = fileURLToPath(new URL('../../dist/renderer', import.meta.url));
const PRELOAD = fileURLToPath(new URL('../../dist/electron/preload.cjs', import.meta.url));

app.setName('Textbook Studio');

const codec: SecretCodec = {
  isAvailable: () => safeStorage.isEncryptionAvailable(),
  encrypt: (plain) => safeStorage.encryptString(plain).toString('base64'),
  decrypt: (enc) => safeStorage.decryptString(Buffer.from(enc, 'base64')),
};

async function main() {
  await app.whenReady();
  // A snapshot of the environment: syncKey writes the stored key into process.env for the LLM
  // client, and clearing the stored key must fall back to the original environment, not to that.
  const settings = await SettingsStore.load({
    file: join(app.getPath('userData'), 'settings.json'),
    codec,
    env: { ...process.env },
  });
  // A workers setting bounds LanceDB's index-build threads too, from this start on (native-threads.ts).
  capNativeThreads(settings.workersChosen());
  const syncKey = () => {
    // Key and endpoint as a pair: clients send the environment's key only to the environment's URL.
    const k = settings.apiKey();
    if (k) process.env.OPENAI_API_KEY = k;
    else delete process.env.OPENAI_API_KEY;
    const endpoint = settings.publicView().endpoint;
    if (endpoint) process.env.OPENAI_BASE_URL = endpoint;
    else delete process.env.OPENAI_BASE_URL;
  };
  syncKey();

  let win: BrowserWindow | null = null;
  const pickPaths = async (purpose: 'import-files' | 'import-folder' | 'dataset-folder' | 'export-folder') => {
    const props: ('openFile' | 'openDirectory' | 'multiSelections' | 'createDirectory')[] =
      purpose === 'import-files'
        ? ['openFile', 'multiSelections']
        : purpose === 'import-folder'
          ? ['openDirectory', 'multiSelections']
          : ['openDirectory', 'createDirectory'];
    const title = {
      'import-files': 'Import files',
      'import-folder': 'Import folders',
      'dataset-folder': 'Open or create a dataset folder',
      'export-folder': 'Export to folder',
    }[purpose];
    const r = win
      ? await dialog.showOpenDialog(win, { title, properties: props })
      : await dialog.showOpenDialog({ title, properties: props });
    return r.canceled ? [] : r.filePaths;
  };

  const last = settings.publicView().recent.find((d) => existsSync(join(d, 'config.json')));
  let session: StudioSession;
  try {
    session = await StudioSession.start({ mode: 'electron', settings, dir: last ?? null, create: false, pickPaths });
  } catch {
    session = await StudioSession.start({ mode: 'electron', settings, dir: null, pickPaths });
  }

  protocol.handle(APP_SCHEME, async (req) => {
    const file = resolveAppFile(RENDERER_DIR, req.url);
    if (!file) return new Response('not found', { status: 404 });
    try {
      const body = await readFile(file);
      return new Response(body, {
        headers: {
          'content-type': MIME_TYPES[extname(file)] ?? 'application/octet-stream',
          'content-security-policy': CONTENT_SECURITY_POLICY,
          'x-content-type-options': 'nosniff',
        },
      });
    } catch {
      return new Response('The studio UI is not built: run `npm run build:renderer`.', { status: 404 });
    }
  });

  electronSession.defaultSession.setPermissionRequestHandler((_wc, permission, cb) => cb(allowPermission(permission)));
  app.on('web-contents-created', (_e, contents) => {
    contents.on('will-navigate', (e, url) => {
      if (!allowNavigation(url)) e.preventDefault();
    });
    contents.on('will-redirect', (e, url) => {
      if (!allowNavigation(url)) e.preventDefault();
    });
    contents.on('will-attach-webview', (e) => e.preventDefault());
    contents.setWindowOpenHandler(windowOpenDecision);
  });

  const saved = settings.windowState();
  win = new BrowserWindow({
    width: saved?.width ?? 1440,
    height: saved?.height ?? 900,
    x: saved?.x,
    y: saved?.y,
    minWidth: 960,
    minHeight: 600,
    title: 'Textbook Studio',
    show: false,
    backgroundColor: '#16181d',
    webPreferences: secureWebPreferences(PRELOAD),
  });
  if (saved?.maximized) win.maximize();
  win.once('ready-to-show', () => win?.show());

  const unbind = bindStudioIpc(
    ipcMain,
    {
      invoke: async (name, input) => {
        const out = await session.invoke(name, input);
        if (name === 'settings.update') syncKey();
        return out;
      },
      onEvent: (l) => session.onEvent(l),
    },
    (channel, event, payload) => {
      if (win && !win.isDestroyed()) win.webContents.send(channel, event, payload);
    },
  );

  let saveTimer: NodeJS.Timeout | undefined;
  const saveWindow = () => {
    clearTimeout(saveTimer);
    saveTimer = setTimeout(() => {
      if (!win || win.isDestroyed()) return;
      const b = win.getNormalBounds();
      const state: WindowState = { x: b.x, y: b.y, width: b.width, height: b.height, maximized: win.isMaximized() };
      void settings.setWindowState(state);
    }, 400);
  };
  win.on('resize', saveWindow);
  win.on('move', saveWindow);
  win.on('close', saveWindow);

  await win.loadURL(APP_ENTRY_URL);

  app.on('window-all-closed', async () => {
    unbind();
    await session.close();
    app.quit();
  });
}

main().catch((e) => {
  dialog.showErrorBox('Textbook Studio could not start', (e as Error).stack ?? String(e));
  app.exit(1);
});
