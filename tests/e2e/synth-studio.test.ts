import { launchBrowser } from '../support/browser.js';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { Engine } from '../../electron/engine/engine.ts';
import { importPaths } from '../../electron/engine/ingest/importer.ts';
import { runLabeling } from '../../electron/engine/label/labeler.ts';
import { runSynth } from '../../electron/engine/synth/generator.ts';
import { SettingsStore } from '../../electron/host/settings-store.ts';
import { ensureRendererBuilt } from '../../electron/web/ensure-renderer.ts';
import { startWebServer, type WebServer } from '../../electron/web/web-server.ts';
import { startFakeOpenAI, type FakeOpenAI } from '../support/openai-server.ts';
import { STDLIB, tempDir } from '../support/temp.ts';
import { StudioPage } from './pages/studio-page.ts';

// The imports chart, the compare view and a textbook section in Review, in a real browser, on a
// dataset of real stdlib files plus generated exercises and textbook sections (fake server).
const root = await tempDir('tbs-e2e-synth-');
let server: WebServer;
let fake: FakeOpenAI;
let browser: Browser;
let page: Page;
let studio: StudioPage;

before(async () => {
  fake = await startFakeOpenAI();
  const engine = await Engine.open({ dir: join(root, 'db') });
  await importPaths(
    engine.store,
    ['json', 'email', 'logging', 'http', 'xml/dom', 'urllib'].map((m) => join(STDLIB, m)),
  );
  // A few team-written JavaScript and Go files, so Stats has more than one language.
  const poly = join(root, 'polyglot');
  await mkdir(poly, { recursive: true });
  for (let i = 0; i < 3; i++)
    await writeFile(
      join(poly, `util${i}.js`),
      `import fs from 'node:fs';\nconst path = require('path');\nexport function read${i}(p) {\n  return fs.readFileSync(path.join('.', p), 'utf8');\n}\n`,
    );
  for (let i = 0; i < 2; i++)
    await writeFile(
      join(poly, `main${i}.go`),
      `package main\n\nimport (\n\t"fmt"\n\t"strings"\n)\n\nfunc Shout${i}(s string) {\n\tfmt.Println(strings.ToUpper(s))\n}\n`,
    );
  await importPaths(engine.store, [poly]);
  const o = { model: 'gpt-4o-mini', baseURL: fake.url, apiKey: 'k', concurrency: 4 };
  await runSynth(engine.store, { ...o, kind: 'exercises', count: 40 });
  await runSynth(engine.store, { ...o, kind: 'textbook', count: 6 });
  await runLabeling(engine.store, { ...o, template: 'edu-additive', limit: 40 });
  await engine.close();
  await mkdir('tests/e2e/screenshots', { recursive: true });
  await ensureRendererBuilt();
  const settings = await SettingsStore.load({ file: null, env: { TBS_ANNOTATOR: 'e2e' } });
  server = await startWebServer({ dir: join(root, 'db'), settings });
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  page.setDefaultTimeout(15_000);
  page.on('pageerror', (e) => console.error('page error:', e.message));
  studio = new StudioPage(page);
  await studio.open(server.url);
});

after(async () => {
  await browser?.close();
  await server?.close();
  await fake?.close();
});

/** Heights of the chart's bars, left to right, and its axis titles. */
async function chart() {
  const svg = page.getByTestId('imports-chart').locator('svg');
  await svg.waitFor();
  return svg.evaluate((el) => ({
    // Rendered geometry, not attributes: a stylesheet rule must not be able to reshape the bars.
    heights: Array.from(el.querySelectorAll('rect.imp-bar')).map((r) => r.getBoundingClientRect().height),
    widths: Array.from(el.querySelectorAll('rect.imp-bar')).map((r) => r.getBoundingClientRect().width),
    labels: Array.from(el.querySelectorAll('text.x-label')).map((t) => t.textContent),
    rotations: Array.from(el.querySelectorAll('text.x-label')).map((t) => t.getAttribute('transform')),
    yTitle: el.querySelector('text.y-title')?.textContent,
    yRotation: el.querySelector('text.y-title')?.getAttribute('transform'),
    xTitle: el.querySelector('text.x-title')?.textContent,
  }));
}

test('Stats: the imports chart as in the paper, with its selector, and the topic coverage', async () => {
  await studio.goTo('Stats');
  const all = await chart();
  assert.ok(all.heights.length >= 5, `bars: ${all.labels.join(', ')}`);
  for (let i = 1; i < all.heights.length; i++)
    assert.ok(all.heights[i] <= all.heights[i - 1] + 0.01, 'sorted, most first');
  assert.ok(all.heights[0] > all.heights.at(-1)!, 'bars differ in height');
  assert.ok(
    all.widths.every((w) => w >= 10 && w <= 40),
    `one narrow bar per module: ${all.widths.join(', ')}`,
  );
  assert.equal(all.yTitle, 'Log Number of Times');
  assert.match(all.yRotation ?? '', /^rotate\(-90/);
  assert.equal(all.xTitle, 'Imports');
  assert.ok(
    all.rotations.every((r) => /^rotate\(90 /.test(r ?? '')),
    'x labels rotated 90 degrees',
  );
  const engine = server.session.currentEngine!;
  const expected = await engine.invoke('stats.imports', { scope: 'all', minCount: 10 });
  assert.deepEqual(
    all.labels,
    expected.rows.map((r) => r.module),
    'the chart draws the engine counts',
  );
  await page.getByTestId('imports-chart').scrollIntoViewIfNeeded();
  await studio.screenshot('stats-imports-all');

  await page.getByLabel('Imports of').selectOption('source');
  await page.getByLabel('Source contains').fill('synthetic:exercises');
  await page.getByLabel('Minimum count').fill('1');
  const syn = await engine.invoke('stats.imports', { scope: 'source', source: 'synthetic:exercises', minCount: 1 });
  assert.ok(syn.rows.length >= 2);
  await page.waitForFunction(
    (n) => document.querySelectorAll('[data-testid=imports-chart] rect.imp-bar').length === n,
    syn.rows.length,
  );
  assert.deepEqual(
    (await chart()).labels,
    syn.rows.map((r) => r.module),
  );
  await studio.screenshot('stats-imports-synthetic');

  await page.getByLabel('Imports of').selectOption('export');
  await page.getByText('No curated export with an imports chart yet').waitFor();

  const topics = page.getByTestId('topic-coverage');
  await topics.scrollIntoViewIfNeeded();
  assert.ok((await topics.locator('tbody tr').count()) >= 5);
  await studio.screenshot('stats-topic-coverage');
});

test('Stats per language: the language picker narrows the counts, the histograms and the imports chart', async () => {
  await studio.goTo('Stats');
  const engine = server.session.currentEngine!;
  const all = await engine.stats({});
  const card = page.getByTestId('languages-card');
  await card.waitFor();
  const listed = await card.getByTestId('language-row').locator('td:first-child').allInnerTexts();
  assert.deepEqual(new Set(listed), new Set(Object.keys(all.byLanguage)));
  assert.ok(listed.includes('javascript') && listed.includes('go') && listed.includes('python'), listed.join(', '));

  await page.getByLabel('Language').selectOption('javascript');
  const js = await engine.stats({ language: 'javascript' });
  assert.equal(js.samples, 3);
  await page.waitForFunction(
    (n) => document.querySelector('.stats .stat .stat-value')?.textContent === String(n),
    js.samples,
  );
  await page.getByLabel('Language').evaluate((el) => el.scrollIntoView({ block: 'start' }));
  await studio.screenshot('stats-language-picker');
  // The token histogram counts only JavaScript samples now.
  const tokenTotal = page.locator('.chart', { hasText: 'Tokens per sample' }).locator('.card-head .muted');
  await page.waitForFunction((el) => el?.textContent?.startsWith('3'), await tokenTotal.elementHandle());
  await page.getByLabel('Imports of').selectOption('all');
  await page.getByLabel('Minimum count').fill('1');
  const imp = await engine.invoke('stats.imports', { scope: 'all', minCount: 1, language: 'javascript' });
  assert.deepEqual(imp.rows.map((r) => r.module).sort(), ['fs', 'path']);
  await page.waitForFunction(
    (n) => document.querySelectorAll('[data-testid=imports-chart] rect.imp-bar').length === n,
    imp.rows.length,
  );
  assert.deepEqual(
    (await chart()).labels,
    imp.rows.map((r) => r.module),
  );
  await card.scrollIntoViewIfNeeded();
  await studio.screenshot('stats-language-javascript');

  // A row of the languages table picks that language too.
  await card.getByTestId('language-row').filter({ hasText: /^go/ }).click();
  assert.equal(await page.getByLabel('Language').inputValue(), 'go');
  const go = await engine.invoke('stats.imports', { scope: 'all', minCount: 1, language: 'go' });
  assert.deepEqual(go.rows.map((r) => r.module).sort(), ['fmt', 'strings']);
  await page.waitForFunction(
    (labels) =>
      JSON.stringify(
        Array.from(document.querySelectorAll('[data-testid=imports-chart] text.x-label')).map((t) => t.textContent),
      ) === JSON.stringify(labels),
    go.rows.map((r) => r.module),
  );
  await page.getByLabel('Language').selectOption('');
  await page.getByLabel('Minimum count').fill('10');
});

test('Compare: two samples selected in Browse, side by side in Monaco with their scores; top vs bottom', async () => {
  await studio.goTo('Browse');
  const boxes = page.getByTestId('select-row');
  await boxes.first().waitFor();
  await boxes.nth(0).check();
  await boxes.nth(2).check();
  const picked = await page
    .getByTestId('browse-row')
    .evaluateAll(
      (rows) =>
        rows.filter((r) => (r.querySelector('input[type=checkbox]') as HTMLInputElement | null)?.checked).length,
    );
  assert.equal(picked, 2);
  await page.getByTestId('compare-selected').click();
  await page.getByTestId('compare-view').waitFor();
  await page.locator('.compare .monaco-editor').nth(1).waitFor();
  assert.equal(await page.locator('.compare .monaco-editor').count(), 2);
  const left = await page.getByTestId('compare-left').getAttribute('data-sample-id');
  const right = await page.getByTestId('compare-right').getAttribute('data-sample-id');
  assert.ok(left && right && left !== right);
  await studio.screenshot('compare-selected');

  await studio.goTo('Browse');
  await page.getByTestId('compare-top-bottom').click();
  await page.getByTestId('compare-view').waitFor();
  await page.getByText(/top vs bottom by llm_score/).waitFor();
  const engine = server.session.currentEngine!;
  const ids = await Promise.all(
    ['left', 'right'].map(async (s) => {
      const el = page.getByTestId(`compare-${s}`);
      await el.locator('.monaco-editor').waitFor();
      return el.getAttribute('data-sample-id');
    }),
  );
  const [top, bottom] = await Promise.all(ids.map((id) => engine.invoke('samples.get', { id: id! })));
  const scores = [...engine.store.index.llm].slice(0, engine.store.index.size).filter((x) => !Number.isNaN(x));
  assert.equal(top.row.llm_score, Math.max(...scores));
  assert.equal(bottom.row.llm_score, Math.min(...scores));
  assert.match(await page.locator('.compare .monaco-editor').first().innerText(), /\S/);
  await studio.screenshot('compare-top-vs-bottom');
});

test('Review renders a textbook section as markdown beside its code in Monaco', async () => {
  await studio.goTo('Browse');
  await page.getByPlaceholder('source contains').fill('synthetic:textbook');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() =>
    /\b\d+ samples/.test(document.querySelector('[data-testid=browse-total]')?.textContent ?? ''),
  );
  await page.getByTestId('browse-row').first().click();
  const md = page.getByTestId('markdown-view');
  await md.waitFor();
  assert.ok(await md.locator('h2').count(), 'the title is a heading, not "## ..." text');
  assert.ok(await md.locator('pre code').count(), 'code blocks render as code');
  await page.locator('.markdown-split .monaco-editor').waitFor();
  assert.match(await page.locator('.markdown-split .monaco-editor').innerText(), /code\sblock\s1\sof/);
  await studio.screenshot('review-textbook');
});
