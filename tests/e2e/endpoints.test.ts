import { launchBrowser } from '../support/browser.js';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { DEMO_SAMPLES } from '../../electron/engine/pipeline/demo.ts';
import { SettingsStore } from '../../electron/host/settings-store.ts';
import { ensureRendererBuilt } from '../../electron/web/ensure-renderer.ts';
import { startWebServer, type WebServer } from '../../electron/web/web-server.ts';
import { tempDir } from '../support/temp.ts';
import { StudioPage } from './pages/studio-page.ts';

// Named LLM endpoints: added in Settings (browser mode: without a key), picked by name in Train.
const root = await tempDir('tbs-e2e-endpoints-');
let server: WebServer;
let browser: Browser;
let page: Page;
let settings: SettingsStore;

before(async () => {
  await mkdir('tests/e2e/screenshots', { recursive: true });
  await ensureRendererBuilt();
  server = await startWebServer({
    dir: join(root, 'db'),
    settings: (settings = await SettingsStore.load({ file: null, env: { TBS_ANNOTATOR: 'e2e' } })),
  });
  await server.session.invoke('samples.import', { paths: [DEMO_SAMPLES], textField: 'text' });
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  page.setDefaultTimeout(15_000);
});

after(async () => {
  await browser?.close();
  await server?.close();
});

test('Settings adds a named endpoint (no key in browser mode) and Train offers it by name', async () => {
  const studio = new StudioPage(page);
  await studio.open(server.url);
  await page.getByTitle(/^Settings/).click();
  const box = page.getByTestId('named-endpoints');
  await box.getByText(/None\. Add one/).waitFor();
  await box.getByLabel('endpoint name').fill('local');
  await box.getByLabel('endpoint URL').fill('http://127.0.0.1:8000/v1');
  assert.equal(await box.getByLabel('endpoint API key').count(), 0, 'browser mode stores no keys');
  await box.getByRole('button', { name: 'Add' }).click();
  await box.getByText('http://127.0.0.1:8000/v1').waitFor();
  await box.getByLabel('endpoint name').fill('Not OK');
  await box.getByLabel('endpoint URL').fill('http://x/v1');
  await box.getByRole('button', { name: 'Add' }).click();
  await box.getByText(/use 1-40 lower-case letters/).waitFor();
  await studio.screenshot('settings-endpoints');
  assert.deepEqual(settings.publicView().endpoints, [
    { name: 'local', url: 'http://127.0.0.1:8000/v1', hasApiKey: false },
  ]);
  await page.keyboard.press('Escape');
  await studio.goTo('Train');
  const pick = page.getByTestId('llm-endpoint');
  await pick.waitFor();
  await pick.selectOption('local');
  await page.getByTestId('llm-card').getByText('http://127.0.0.1:8000/v1').first().waitFor();
  await page.getByText('local has no key: requests go without one').waitFor();
  await studio.screenshot('train-endpoint');
});
