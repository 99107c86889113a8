import { launchBrowser } from '../support/browser.js';
import assert from 'node:assert/strict';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { SettingsStore } from '../../electron/host/settings-store.ts';
import { decontaminateStore } from '../../electron/engine/curate/contamination-check.ts';
import { importPaths } from '../../electron/engine/ingest/importer.ts';
import { DatasetStore } from '../../electron/engine/store/dataset-store.ts';
import { ensureRendererBuilt } from '../../electron/web/ensure-renderer.ts';
import { startWebServer, type WebServer } from '../../electron/web/web-server.ts';
import { jsonl, programOf, reformattedCopy, TEAM_ITEMS } from '../support/benchmark-items.ts';
import { STDLIB, tempDir } from '../support/temp.ts';
import { BrowsePage } from './pages/browse-page.ts';
import { ReviewPage } from './pages/review-page.ts';
import { StudioPage } from './pages/studio-page.ts';

// Decontamination review in a real browser: stdlib modules with two planted benchmark copies,
// checked by the engine, then reviewed in the Contaminated queue beside the benchmark item.
const ANNOTATOR = 'e2e-reviewer';
const root = await tempDir('tbs-e2e-decon-');
let server: WebServer;
let browser: Browser;
let page: Page;
let studio: StudioPage;

before(async () => {
  const names = (await readdir(STDLIB)).filter((f) => f.endsWith('.py')).slice(0, 6);
  const texts = await Promise.all(names.map((n) => readFile(join(STDLIB, n), 'utf8')));
  const host = await readFile(join(STDLIB, 'textwrap.py'), 'utf8');
  texts.push(`${host}\n\n${reformattedCopy(TEAM_ITEMS[1])}\n`);
  texts.push(`${programOf(TEAM_ITEMS[7])}\n\nprint(longest_plateau([1, 1]))\n`);
  const corpus = join(root, 'corpus.jsonl');
  await writeFile(corpus, jsonl(texts.map((text) => ({ text }))));
  const bench = join(root, 'team-bench.jsonl');
  await writeFile(bench, jsonl(TEAM_ITEMS));
  const store = await DatasetStore.open(join(root, 'db'));
  await importPaths(store, [corpus], { textField: 'text' });
  const r = await decontaminateStore(store, { benchmarks: [bench], ngram: 13, cosine: null, ast: true });
  assert.equal(r.flagged, 2);
  await store.close();

  await mkdir('tests/e2e/screenshots', { recursive: true });
  await ensureRendererBuilt();
  const settings = await SettingsStore.load({ file: null, env: { TBS_ANNOTATOR: ANNOTATOR } });
  server = await startWebServer({ dir: join(root, 'db'), settings });
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  page.setDefaultTimeout(15_000);
  page.on('pageerror', (e) => console.error('page error:', e.message));
  studio = new StudioPage(page);
});

after(async () => {
  await browser?.close();
  await server?.close();
});

test('the Contaminated queue shows the sample beside the benchmark item, shared span highlighted; o overrules', async () => {
  await studio.open(server.url);
  const review = new ReviewPage(page);
  await review.view.waitFor();
  await page.getByTestId('queue-select').selectOption('contaminated');
  const pane = page.getByTestId('contamination-pane');
  await pane.waitFor();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=queue-row]').length === 2);
  // The reformatted copy: found by the syntax-normalized match, not by 13-grams.
  await page.locator('[data-testid=queue-row]').filter({ hasText: 'corpus.jsonl' }).first().waitFor();
  let subject = await page.getByTestId('contamination-subject').innerText();
  if (!subject.includes(TEAM_ITEMS[1].task_id)) {
    await review.press('j');
    await page.waitForFunction(
      (id) => document.querySelector('[data-testid=contamination-subject]')?.textContent?.includes(id),
      TEAM_ITEMS[1].task_id,
    );
    subject = await page.getByTestId('contamination-subject').innerText();
  }
  assert.match(subject, /team-bench \/ Team\/merge_ranges/);
  assert.match(await page.getByTestId('contamination-method').innerText(), /^ast [01]\.\d\d$/);
  // Monaco's diff editor: the item left, the sample right, the shared span marked on both sides.
  const diff = page.getByTestId('diff-view');
  await diff.locator('.editor.original').waitFor();
  await diff.locator('.editor.modified').waitFor();
  await page.waitForFunction(() => document.querySelectorAll('.diff-view .shared-span').length >= 2);
  const left = (await diff.locator('.editor.original .view-lines').innerText()).replace(/\u00a0/g, ' ');
  const right = (await diff.locator('.editor.modified .view-lines').innerText()).replace(/\u00a0/g, ' ');
  assert.match(left, /def merge_ranges\(pairs: list\)/);
  // The sample side is scrolled to the planted copy (renamed), not to the top of textwrap.py.
  assert.doesNotMatch(right, /def merge_ranges\(pairs: list\)/, 'the sample, not the item, on the right');
  assert.doesNotMatch(right, /Text wrapping and filling/, 'scrolled to the shared span');
  await studio.screenshot('contamination-diff');
  assert.ok((await diff.locator('.editor.original .shared-span').count()) > 0, 'span marked in the item');
  assert.ok((await diff.locator('.editor.modified .shared-span').count()) > 0, 'span marked in the sample');

  const id = await page.getByTestId('sample-head').getAttribute('data-sample-id');
  await page.getByTestId('contamination-note').fill('our own merge helper, written in-house');
  // Leave the note field (Esc), then decide with the key.
  await page.getByTestId('contamination-note').press('Escape');
  await review.press('o');
  await page.waitForFunction(() =>
    /overruled by e2e-reviewer — our own merge helper/.test(
      document.querySelector('[data-testid=contamination-decision]')?.textContent ?? '',
    ),
  );
  const ann = server.session.currentEngine!.store.annotations;
  const d = ann.decisionOf(id!, 'contamination', `team-bench/${TEAM_ITEMS[1].task_id}`);
  assert.equal(d?.verdict, 'overrule');
  assert.equal(d?.annotator, ANNOTATOR);
  assert.equal(d?.note, 'our own merge helper, written in-house');
  assert.equal(ann.activeOf(id!, 'contamination').length, 0, 'an overruled match no longer acts');
  await studio.screenshot('contamination-overruled');
});

test('Browse filters to contaminated samples (overruled ones drop out)', async () => {
  await studio.goTo('Browse');
  const browse = new BrowsePage(page);
  await browse.view.waitFor();
  const all = await browse.total();
  assert.equal(all, 8);
  await page.getByTestId('filter-contaminated').check();
  await page.waitForFunction(() =>
    /^\s*1\b/.test(document.querySelector('[data-testid=browse-total]')?.textContent ?? ''),
  );
  assert.equal(await browse.total(), 1);
});
