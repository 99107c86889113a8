import { launchBrowser } from '../support/browser.js';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { SettingsStore } from '../../electron/host/settings-store.ts';
import { ensureRendererBuilt } from '../../electron/web/ensure-renderer.ts';
import { startWebServer, type WebServer } from '../../electron/web/web-server.ts';
import { tempDir } from '../support/temp.ts';
import { StudioPage } from './pages/studio-page.ts';

// First run: an empty dataset offers the demo, which runs the whole offline pipeline as a job.
const root = await tempDir('tbs-e2e-demo-');
let server: WebServer;
let browser: Browser;
let page: Page;

before(async () => {
  await mkdir('tests/e2e/screenshots', { recursive: true });
  await ensureRendererBuilt();
  server = await startWebServer({
    dir: join(root, 'db'),
    settings: await SettingsStore.load({ file: null, env: { TBS_ANNOTATOR: 'e2e' } }),
  });
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  page.setDefaultTimeout(15_000);
});

after(async () => {
  await browser?.close();
  await server?.close();
});

test('"Open the demo dataset" runs import, embed, train, score and export as a job and fills the studio', async () => {
  const studio = new StudioPage(page);
  await studio.open(server.url);
  await studio.emptyDataset.waitFor();
  const sawProgress = page.waitForFunction(
    () =>
      /demo|import|embed|score|train/i.test(
        document.querySelector('[data-testid="jobs-indicator"]')?.textContent ?? '',
      ),
    null,
    { timeout: 60_000 },
  );
  await page.getByTestId('empty-demo').click();
  await sawProgress;
  await studio.emptyDataset.waitFor({ state: 'detached', timeout: 180_000 });
  const engine = server.session.currentEngine!;
  const stats = await engine.stats();
  assert.ok(stats.samples >= 346);
  assert.equal(stats.labels.human, 346);
  assert.equal(stats.labels.classifier, stats.samples, 'every sample scored');
  await studio.goTo('Train');
  await page.getByText('Held-out metrics').waitFor();
  assert.ok((await page.locator('td', { hasText: 'forest' }).count()) >= 1, 'the demo model is listed');
  await studio.screenshot('demo-train');
});
