import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { Engine } from '../../electron/engine/engine.ts';
import { importPaths } from '../../electron/engine/ingest/importer.ts';
import { ensureRendererBuilt } from '../../electron/web/ensure-renderer.ts';
import { loadUsers } from '../../electron/web/users.ts';
import { startWebServer, type WebServer } from '../../electron/web/web-server.ts';
import { launchBrowser } from '../support/browser.ts';
import { tempDir } from '../support/temp.ts';
import { StudioPage } from './pages/studio-page.ts';

// A team server in a real browser: two annotators label the same assigned samples blind (two
// browser contexts, two cookies), then a reviewer adjudicates the one they disagree on.
const root = await tempDir('tbs-e2e-team-');
const TOKENS = {
  alice: 'alice-e2e-token-0123456789',
  bob: 'bob-e2e-token-0123456789ab',
  rita: 'rita-e2e-token-0123456789',
};
const CODE = [
  'def add(a, b):\n    """Return the sum of a and b."""\n    return a + b\n',
  'def countdown(n):\n    # print n, n-1, ..., 1\n    while n > 0:\n        print(n)\n        n -= 1\n',
  'class Stack:\n    """A last-in first-out stack."""\n\n    def __init__(self):\n        self.items = []\n\n    def push(self, x):\n        self.items.append(x)\n',
  'X = [0x1f, 0x2e, 0x3d]\n',
];
let server: WebServer;
let browser: Browser;
let assigned: string[] = [];
let exampleHead = '';

before(async () => {
  const src = join(root, 'src.jsonl');
  await writeFile(src, CODE.map((c, i) => JSON.stringify({ content: c, path: `lesson${i}.py` })).join('\n'));
  const db = join(root, 'db');
  const e = await Engine.open({ dir: db, create: true });
  await importPaths(e.store, [src]);
  await e.invoke('team.assign', { annotators: ['alice', 'bob'], overlap: 2, limit: 3 });
  assigned = (await e.invoke('team.queue', { kind: 'assigned', annotator: 'alice' })).map((r) => r.id);
  // An LLM suggestion on every sample: blind mode must keep it from the annotators.
  await e.store.appendLabels(
    e.store.index.ids.map((id, i) => ({
      labelId: `llm-${i}`,
      sampleId: id,
      kind: 'llm' as const,
      score: 5,
      keep: true,
      rationale: 'LLM-RATIONALE-SHOULD-STAY-HIDDEN',
      agent: 'gpt-4o-mini|edu-additive|abc',
      origin: null,
      note: null,
      retracts: null,
      details: {},
      createdAt: new Date().toISOString(),
    })),
  );
  exampleHead = (await e.store.getSample(assigned[2]))!.text.split('\n')[0];
  // The team's rubric, version 2: the built-in one plus an example link.
  const seed = await e.invoke('guidelines.get', {});
  await e.invoke('guidelines.save', {
    body: `${seed.body}\n- [A 4 looks like this](sample:${assigned[2]}): a small class, explained.\n`,
    author: 'olga',
  });
  await e.close();
  const usersFile = join(root, 'users.json');
  await writeFile(
    usersFile,
    JSON.stringify({
      users: [
        { name: 'alice', role: 'annotator', token: TOKENS.alice },
        { name: 'bob', role: 'annotator', token: TOKENS.bob },
        { name: 'rita', role: 'reviewer', token: TOKENS.rita },
      ],
    }),
  );
  await mkdir('tests/e2e/screenshots', { recursive: true });
  await ensureRendererBuilt();
  server = await startWebServer({ dir: db, users: await loadUsers(usersFile) });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

async function signIn(who: keyof typeof TOKENS): Promise<{ page: Page; studio: StudioPage }> {
  const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await ctx.newPage();
  page.setDefaultTimeout(15_000);
  page.on('pageerror', (e) => console.error(`${who} page error:`, e.stack));
  const studio = new StudioPage(page);
  await studio.open(`${server.url}${TOKENS[who]}`);
  return { page, studio };
}

/** Waits until the current sample's detail is loaded (the history card stops saying Loading). */
async function detailLoaded(page: Page) {
  await page.waitForFunction(() => {
    const h = document.querySelector('.card-history');
    return h && !h.textContent?.includes('Loading');
  });
}

const labelsOf = (id: string) => server.session.currentEngine!.store.labelsOf(id);

async function labelAssigned(page: Page, scores: number[]) {
  const select = page.getByTestId('queue-select');
  await page.waitForFunction(
    () => (document.querySelector('[data-testid=queue-select]') as HTMLSelectElement)?.value === 'assigned',
  );
  assert.equal(await select.inputValue(), 'assigned', 'an annotator starts in My assignments');
  await page.getByTestId('queue-row').first().waitFor();
  assert.equal(await page.getByTestId('queue-row').count(), 3);
  for (const s of scores) {
    await detailLoaded(page);
    await page.getByTestId('blind-note').waitFor();
    const pane = await page.getByTestId('label-pane').innerText();
    assert.doesNotMatch(pane, /LLM-RATIONALE|alice|bob/, 'blind: no LLM rationale, no other annotator');
    await page.keyboard.press(String(s));
  }
  await page.getByTestId('outbox-clear').waitFor();
}

test('two annotators label the same assigned samples blind; labels carry the signed-in user', async () => {
  const alice = await signIn('alice');
  await alice.page.getByTestId('queue-row').first().waitFor();
  await detailLoaded(alice.page);
  await alice.studio.screenshot('team-alice-blind');
  await labelAssigned(alice.page, [1, 3, 4]);

  const bob = await signIn('bob');
  await labelAssigned(bob.page, [4, 3, 4]);
  // Back on the first sample: bob has labeled it, so blind mode lifts and both labels show side by side.
  await bob.page.keyboard.press('k');
  await bob.page.keyboard.press('k');
  await bob.page.keyboard.press('k');
  await bob.page.getByTestId('annotators-card').waitFor();
  const cells = await bob.page.getByTestId('annotator-label').allInnerTexts();
  assert.equal(cells.length, 2);
  assert.ok(cells.some((c) => /alice/.test(c)) && cells.some((c) => /bob/.test(c)), cells.join(' | '));
  await bob.studio.screenshot('team-bob-after-labeling');

  for (const id of assigned) {
    const humans = (await labelsOf(id)).filter((l) => l.kind === 'human');
    assert.deepEqual(humans.map((l) => l.agent).sort(), ['alice', 'bob']);
    for (const l of humans) {
      assert.equal(l.details.guidelineVersion, 2, 'labels record the rubric version they were made under');
      assert.equal(typeof l.details.seconds, 'number', 'the app records the time on the sample');
    }
  }

  // What an annotator may not do: an export call from her page is refused, and so is assigning work.
  // (with her own token, as her page sends it: from this tab's storage, in the x-studio-token header)
  const refused = await alice.page.evaluate(async () => {
    const headers = { 'content-type': 'application/json', 'x-studio-token': sessionStorage.getItem('tbs-token') ?? '' };
    const r = await fetch('/api/invoke/export.run', {
      method: 'POST',
      headers,
      body: JSON.stringify({ outDir: '/tmp/nope' }),
    });
    const a = await fetch('/api/invoke/team.assign', {
      method: 'POST',
      headers,
      body: JSON.stringify({ annotators: ['alice'], overlap: 1 }),
    });
    return { status: r.status, code: (await r.json()).error.code, assign: a.status };
  });
  assert.deepEqual(refused, { status: 403, code: 'forbidden', assign: 403 });
  await alice.page.context().close();
  await bob.page.context().close();
});

test('a reviewer sees every label side by side in Disagreements and adjudicates with a key; undo works', async () => {
  const rita = await signIn('rita');
  await rita.page.getByTestId('queue-row').first().waitFor();
  await rita.page.getByTestId('queue-select').selectOption('disagreements');
  await rita.page.waitForFunction(() => document.querySelectorAll('[data-testid=queue-row]').length === 1);
  await detailLoaded(rita.page);
  await rita.page.getByTestId('annotators-card').waitFor();
  const cells = await rita.page.getByTestId('annotator-label').allInnerTexts();
  assert.equal(cells.length, 2, cells.join(' | '));
  await rita.studio.screenshot('team-reviewer-disagreement');
  await rita.page.keyboard.press('n');
  await rita.page.keyboard.type('teaches loops, no docstring');
  await rita.page.keyboard.press('Enter');
  await rita.page.keyboard.press('2');
  const first = assigned[0];
  const adj = await (async () => {
    for (let i = 0; i < 100; i++) {
      const a = (await labelsOf(first)).find((l) => l.origin === 'adjudication');
      if (a) return a;
      await new Promise((r) => setTimeout(r, 100));
    }
    return null;
  })();
  assert.ok(adj, 'an adjudication label was stored');
  assert.equal(adj.agent, 'rita');
  assert.equal(adj.score, 2);
  assert.equal(adj.note, 'teaches loops, no docstring');
  assert.equal((adj.details.settles as string[]).length, 2);
  const row = server.session.currentEngine!.store.index;
  assert.equal(row.rowView(row.row(first)!).human_score, 2, 'the adjudication wins');
  // The guidelines beside the code.
  await rita.page.keyboard.press('g');
  await rita.page.getByTestId('guidelines-panel').getByText('version 2').waitFor();
  assert.match(await rita.page.getByTestId('guidelines-panel').innerText(), /educational value/);
  await rita.page.getByTestId('guideline-example').click();
  await rita.page.getByTestId('guideline-example-panel').waitFor();
  assert.ok((await rita.page.getByTestId('guideline-example-panel').innerText()).includes(exampleHead));
  await rita.studio.screenshot('team-guidelines');
  await rita.page.keyboard.press('g');
  // Undo, as for any label: the consensus rule applies again (median of 1 and 4).
  await rita.page.keyboard.press('u');
  for (let i = 0; i < 100 && row.rowView(row.row(first)!).adjudicated; i++)
    await new Promise((r) => setTimeout(r, 100));
  assert.equal(row.rowView(row.row(first)!).human_score, 2.5);
  // Re-adjudicate so Stats shows a settled team.
  await rita.page.getByTestId('queue-select').selectOption('disagreements');
  await rita.page.waitForFunction(() => document.querySelectorAll('[data-testid=queue-row]').length === 1);
  await detailLoaded(rita.page);
  await rita.page.keyboard.press('2');
  for (let i = 0; i < 100 && !row.rowView(row.row(first)!).adjudicated; i++)
    await new Promise((r) => setTimeout(r, 100));
  await rita.studio.goTo('Stats');
  await rita.page.getByTestId('kappa-heatmap').waitFor();
  const table = await rita.page.getByTestId('annotator-table').innerText();
  assert.match(table, /alice/);
  assert.match(table, /bob/);
  await rita.studio.screenshot('team-stats');
  await rita.page.context().close();
});
