import { launchBrowser } from '../support/browser.js';
import assert from 'node:assert/strict';
import { cp, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page, Route } from 'playwright-core';
import type { LabelRecord } from '../../shared/domain.ts';
import { SettingsStore } from '../../electron/host/settings-store.ts';
import { ensureRendererBuilt } from '../../electron/web/ensure-renderer.ts';
import { startWebServer, type WebServer } from '../../electron/web/web-server.ts';
import { fakeScore } from '../support/openai-server.ts';
import { STDLIB, tempDir } from '../support/temp.ts';
import { BrowsePage } from './pages/browse-page.ts';
import { DatasetsPage } from './pages/datasets-page.ts';
import { currentSampleId, ReviewPage } from './pages/review-page.ts';
import { StudioPage } from './pages/studio-page.ts';

// The studio in a real browser (Debian's Chromium through playwright-core) against browser mode,
// on a temp dataset imported through the UI from real stdlib files. Screenshots of each main view
// land in tests/e2e/screenshots/ (git-ignored).
const ANNOTATOR = 'e2e-annotator';
const root = await tempDir('tbs-e2e-');
const srcDir = join(root, 'src');
let server: WebServer;
let browser: Browser;
let page: Page;
let studio: StudioPage;

const engine = () => server.session.currentEngine!;
const labelsOf = (id: string) => engine().store.labelsOf(id);
async function waitFor<T>(what: string, fn: () => Promise<T | undefined | null | false>, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

before(async () => {
  await mkdir(join(srcDir, 'json'), { recursive: true });
  await cp(join(STDLIB, 'json'), join(srcDir, 'json'), { recursive: true, filter: (s) => !s.includes('__pycache__') });
  await cp(join(STDLIB, 'textwrap.py'), join(srcDir, 'textwrap.py'));
  await writeFile(join(root, 'broken.jsonl'), '{"text": "def ok():\\n    return 1\\n"}\n{not json\n');
  await mkdir('tests/e2e/screenshots', { recursive: true });
  await ensureRendererBuilt();
  const settings = await SettingsStore.load({ file: null, env: { TBS_ANNOTATOR: ANNOTATOR } });
  server = await startWebServer({ dir: join(root, 'db'), settings });
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  page.setDefaultTimeout(10_000);
  page.on('pageerror', (e) => {
    console.error('page error:', e.message);
  });
  studio = new StudioPage(page);
});

after(async () => {
  await browser?.close();
  await server?.close();
});

test('first run: an empty dataset says what to do next', async () => {
  await studio.open(server.url);
  await studio.emptyDataset.waitFor();
  assert.match(await studio.emptyDataset.innerText(), /Import a folder or open the demo dataset/);
  assert.doesNotMatch(page.url(), /token=/, 'the token leaves the address bar once the page loaded');
  await studio.screenshot('empty-state');
});

test('import a folder with progress; the bad input shows in the error list', async () => {
  const datasets = new DatasetsPage(page);
  await page.getByTestId('empty-import').click();
  await datasets.view.waitFor();
  // Every list query is answered 1.5 s after the import's own answer at the earliest: the views'
  // counts lag the import's result, however long the import takes.
  // (A failed import lets the held queries through at once; the route never outlives this test.)
  const importAnswered = page
    .waitForResponse('**/api/invoke/samples.import', { timeout: 60_000 })
    .then(() => new Promise((r) => setTimeout(r, 1500)))
    .catch(() => {});
  const slowLists = async (route: Route) => {
    await importAnswered;
    await route.continue();
  };
  await page.route('**/api/invoke/samples.list', slowLists);
  try {
    await datasets.importPaths([srcDir, join(root, 'broken.jsonl')], 'function');
    const n = await datasets.importedCount();
    assert.ok(n > 20, `imported ${n}`);
    assert.equal(engine().store.index.size, n, 'what the UI reports is what the engine holds');
    // A user who reads the result and switches to Browse at once sees the new total (or "Loading…"),
    // never the count from before the import.
    await studio.goTo('Browse');
    await page.waitForSelector('[data-testid=browse-view], [data-testid=empty-dataset]');
    assert.equal(await page.getByTestId('empty-dataset').count(), 0, 'Browse showed the empty-dataset page');
    assert.equal(await new BrowsePage(page).total(), n);
  } finally {
    // The only route so far; waits for the held list queries to go through.
    await page.unrouteAll({ behavior: 'wait' });
  }
  await studio.goTo('Datasets');
  assert.ok((await datasets.progressEvents()) >= 1, 'job-progress events reached the page over SSE');
  await datasets.errors.waitFor();
  assert.match(await datasets.errors.innerText(), /broken\.jsonl/);
  // Counts read as English: "1 error", not "1 errors".
  assert.match(await page.getByTestId('import-result').innerText(), /0 duplicates skipped · 1 error$/m);
  await studio.screenshot('datasets');

  // LLM suggestions for every sample, as the labeler would write them (deterministic grader).
  const at = new Date().toISOString();
  const recs: LabelRecord[] = [];
  for (const id of engine().store.index.ids) {
    const s = (await engine().store.getSample(id))!;
    const score = fakeScore(s.text);
    recs.push({
      labelId: `llm-${id}`,
      sampleId: id,
      kind: 'llm',
      score,
      keep: score >= 3,
      rationale: `Deterministic grader: ${score} point(s) for ${s.path ?? s.source}.`,
      agent: 'gpt-4o-mini|edu-additive|abc123def456',
      origin: null,
      note: null,
      retracts: null,
      details: {},
      createdAt: at,
    });
  }
  await engine().store.appendLabels(recs);
});

test('browse: the table shows server-side pages and sorts by tokens both ways', async () => {
  const browse = new BrowsePage(page);
  await studio.goTo('Browse');
  await browse.view.waitFor();
  assert.equal(await browse.total(), engine().store.index.size);
  await browse.sortBy('tokens');
  assert.equal(await browse.sortDirection('tokens'), 'descending');
  const desc = await browse.tokenColumn(8);
  assert.deepEqual(
    desc,
    [...desc].sort((a, b) => b - a),
    `descending: ${desc}`,
  );
  await browse.sortBy('tokens');
  assert.equal(await browse.sortDirection('tokens'), 'ascending');
  const asc = await browse.tokenColumn(8);
  assert.deepEqual(
    asc,
    [...asc].sort((a, b) => a - b),
    `ascending: ${asc}`,
  );
  assert.ok(desc[0] >= asc[asc.length - 1]);
  await studio.screenshot('browse');
});

test('review: a browse row opens in Monaco; 4 saves a durable label and shows the next sample', async () => {
  const browse = new BrowsePage(page);
  const review = new ReviewPage(page);
  await browse.sortBy('tokens'); // back to descending: bigger samples show more code
  await browse.openRow(0);
  await review.view.waitFor();
  await review.editor.waitFor();
  const id = await currentSampleId(page);
  const sample = (await engine().store.getSample(id))!;
  const firstLine = sample.text
    .split('\n')
    .find((l) => l.trim().length > 8)!
    .trim();
  await review.waitForCode(firstLine);
  assert.match(await review.head.innerText(), /lines \d+–\d+/, 'the chunk line range is shown above the code');
  assert.ok((await review.currentPath()).endsWith(sample.path!), 'the source path is shown above the code');
  await review.rationale.waitFor();
  await studio.screenshot('review');

  await review.press('4');
  const saved = await waitFor('a durable human label', async () =>
    (await labelsOf(id)).find((l) => l.kind === 'human' && l.origin === 'key'),
  );
  assert.equal(saved.score, 4);
  assert.equal(saved.agent, ANNOTATOR);
  await page.waitForFunction(
    (prev) => document.querySelector('[data-testid=sample-head]')?.getAttribute('data-sample-id') !== prev,
    id,
  );
  const next = await currentSampleId(page);
  assert.notEqual(next, id);
  const nextSample = (await engine().store.getSample(next))!;
  await review.waitForCode(
    nextSample.text
      .split('\n')
      .find((l) => l.trim().length > 8)!
      .trim(),
  );
  await review.allSaved.waitFor();
});

test('review: a accepts the LLM score, u undoes it with a retraction, ? lists the shortcuts', async () => {
  const review = new ReviewPage(page);
  const id = await currentSampleId(page);
  const llm = (await labelsOf(id)).find((l) => l.kind === 'llm')!;
  await review.press('a');
  const accepted = await waitFor('an accept-llm label', async () =>
    (await labelsOf(id)).find((l) => l.kind === 'human' && l.origin === 'accept-llm'),
  );
  assert.equal(accepted.score, llm.score);
  await review.allSaved.waitFor();

  await review.press('u');
  const retraction = await waitFor('a retraction', async () =>
    (await labelsOf(id)).find((l) => l.retracts === accepted.labelId),
  );
  assert.equal(retraction.kind, 'human');
  await page.waitForFunction(
    (x) => document.querySelector('[data-testid=sample-head]')?.getAttribute('data-sample-id') === x,
    id,
  );
  await review.flash.filter({ hasText: /Undid/ }).waitFor();
  assert.ok(
    Number.isNaN(engine().store.index.human[engine().store.index.row(id)!]),
    'the retracted label is no longer the current human score',
  );
  await review.history.filter({ hasText: /undid a label/ }).waitFor();

  await review.press('/');
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'queue-search');
  await page.keyboard.press('Escape');

  await review.press('?');
  await studio.shortcuts.waitFor();
  assert.match(await studio.shortcuts.innerText(), /accept the LLM's score/);
  await studio.screenshot('shortcuts');
  await page.keyboard.press('Escape');
  await studio.shortcuts.waitFor({ state: 'detached' });
});

test('review: a failed save is shown and retried, never dropped; labels survive a reload', async () => {
  const review = new ReviewPage(page);
  const id = await currentSampleId(page);
  let refused = 0;
  await page.route('**/api/invoke/labels.addHuman', async (route) => {
    refused++;
    await route.fulfill({
      status: 503,
      contentType: 'application/json',
      body: JSON.stringify({ error: { name: 'Unavailable', message: 'server busy (test)' } }),
    });
  });
  await review.press('n');
  await page.keyboard.type('check the retry path');
  await page.keyboard.press('Escape');
  await review.press('2');
  await review.outbox.filter({ hasText: /not saved/ }).waitFor();
  assert.equal((await labelsOf(id)).filter((l) => l.kind === 'human' && !l.retracts && l.score === 2).length, 0);
  await studio.screenshot('review-save-failed');
  await page.unroute('**/api/invoke/labels.addHuman');
  const saved = await waitFor(
    'the retried label',
    async () => (await labelsOf(id)).find((l) => l.kind === 'human' && l.score === 2 && l.origin === 'key'),
    15_000,
  );
  assert.ok(refused >= 1);
  assert.equal(saved.agent, ANNOTATOR);
  assert.equal(saved.note, 'check the retry path', 'the note travels with the label');
  await review.allSaved.waitFor();

  await page.reload();
  const browse = new BrowsePage(page);
  await studio.goTo('Browse');
  await browse.filterLabelState('human');
  await page.waitForFunction(() =>
    /^2 samples/.test(document.querySelector('[data-testid=browse-total]')?.textContent ?? ''),
  );
  assert.match(await studio.progress.innerText(), /2 \/ [\d,]+ reviewed/);

  await page.emulateMedia({ colorScheme: 'dark' });
  await studio.goTo('Review');
  await review.editor.waitFor();
  await studio.screenshot('review-dark');
  await page.emulateMedia({ colorScheme: 'light' });
});

test('stats, train and export views render for the dataset', async () => {
  await studio.goTo('Stats');
  await page.getByTestId('stats-view').getByText('LLM scores').waitFor();
  await page.waitForFunction(() => document.querySelectorAll('.bar').length > 0);
  await studio.screenshot('stats');
  await studio.goTo('Train');
  await page.getByTestId('train-view').waitFor();
  await studio.screenshot('train');
  await studio.goTo('Export');
  await page.getByTestId('export-funnel').locator('table').waitFor();
  await studio.screenshot('export');
});

test('datasets: human labels made elsewhere import from a CSV, and every record exports as JSONL', async () => {
  const ids = engine().store.index.ids.slice(-2);
  const csv = join(root, 'reviewed.csv');
  await writeFile(csv, `id,score,note\n${ids[0]},5,great\n${ids[1]},9,\n`);
  await studio.goTo('Datasets');
  await page.getByTestId('labels-import-path').fill(csv);
  await page.getByLabel('Annotator for rows without one').fill('csv-reviewer');
  await page.getByTestId('labels-import').click();
  const result = page.getByTestId('label-files-result');
  await result.waitFor();
  assert.match(await result.innerText(), /Imported 1 human label .* 1 error — line 3 \[score\]/);
  const imported = (await labelsOf(ids[0])).find((l) => l.origin === 'import');
  assert.equal(imported?.agent, 'csv-reviewer');
  const out = join(root, 'all-labels.jsonl');
  await page.getByTestId('labels-export-path').fill(out);
  await page.getByTestId('labels-export').click();
  await page.getByText(/Wrote \d+ label records/).waitFor();
  const { readFile } = await import('node:fs/promises');
  const lines = (await readFile(out, 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.ok(lines.some((l) => l.labelId === imported!.labelId));
});
