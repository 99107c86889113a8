import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cp, mkdir, readFile, readdir, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
// @ts-expect-error: plain JavaScript launcher module, no types
import { ensureBundle } from '../../bin/cli-bundle.mjs';
import { STDLIB, tempDir } from '../support/temp.ts';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');

type Ensure = (root: string, o?: { dir?: string; warn?: (m: string) => void }) => Promise<string | null>;
const ensure = ensureBundle as Ensure;

/** A copy of the checkout's sources (packages linked), so a test may edit them. */
async function copyCheckout(): Promise<string> {
  const root = await tempDir('tbs-bundle-');
  for (const d of ['bin', 'electron', 'shared', 'resources'])
    await cp(join(ROOT, d), join(root, d), { recursive: true });
  for (const f of ['package.json', 'package-lock.json', 'tsconfig.json']) await cp(join(ROOT, f), join(root, f));
  // Each package linked, not node_modules itself: the copy's .cache (and bundle) is its own.
  await mkdir(join(root, 'node_modules'));
  for (const name of await readdir(join(ROOT, 'node_modules')))
    if (name !== '.cache') await symlink(join(ROOT, 'node_modules', name), join(root, 'node_modules', name));
  return root;
}

test('the CLI bundle is built once, reused while the sources are unchanged, and rebuilt when one changes', async () => {
  const root = await copyCheckout();
  const dir = join(root, 'cache');
  const first = await ensure(root, { dir });
  assert.ok(first, 'a bundle was built');
  const built = (await stat(first)).mtimeMs;
  assert.equal(await ensure(root, { dir }), first, 'unchanged sources: the same build');
  assert.equal((await stat(first)).mtimeMs, built, 'and it was not rewritten');
  const help = await run(process.execPath, [first, 'help'], { cwd: root });
  assert.match(help.stdout, /Textbook Studio: curate code-training data/);

  // An edit to any source the CLI imports (here: deep in the engine) is picked up at the next start.
  const file = join(root, 'electron', 'cli', 'tbs.ts');
  const src = await readFile(file, 'utf8');
  await writeFile(file, src.replace('Textbook Studio: curate', 'Textbook Studio (edited): curate'));
  const second = await ensure(root, { dir });
  assert.ok(second && second !== first, 'an edited source gives a new build');
  assert.match((await run(process.execPath, [second, 'help'], { cwd: root })).stdout, /Textbook Studio \(edited\)/);
  const builds = (await readdir(dir)).filter((n) => n.startsWith('b-'));
  assert.equal(builds.length, 2, 'the previous build stays for a tbs that may still run from it');
  assert.ok(!(await readdir(dir)).some((n) => n.startsWith('tmp-')), 'no half-built folder is left');

  // Several starts at once after an edit: each gets a working build, and one build is current.
  await writeFile(file, src);
  const all = await Promise.all([1, 2, 3].map(() => ensure(root, { dir })));
  for (const p of all) assert.match((await run(process.execPath, [p!, 'help'], { cwd: root })).stdout, /curate code/);
  assert.equal(new Set(all).size, 1, 'the same sources give the same build');
});

test('the bundled CLI resolves resources from the sources and runs its worker threads from the bundle', async () => {
  const root = await copyCheckout();
  // The tsx bootstrap of the worker threads fails loudly here: a pool started from it fails the import.
  await writeFile(
    join(root, 'electron', 'engine', 'workers', 'cpu-worker-tsx.mjs'),
    "throw new Error('the tsx worker bootstrap was used');\n",
  );
  const bundle = await ensure(root, { dir: join(root, 'cache') });
  assert.ok(bundle);
  const db = join(root, 'db');
  const env = { ...process.env, LANCEDB_LOG: 'error' };
  const args = ['--db', db, 'import', '--no-scan', '--workers', '2', '--chunk', 'function', '--json'];
  const files = ['colorsys.py', 'bisect.py', 'textwrap.py'].map((f) => join(STDLIB, f));
  const { stdout } = await run(process.execPath, [bundle, ...args, ...files], { cwd: root, env });
  assert.ok((JSON.parse(stdout) as { imported: number }).imported > 10);
  // Control: the same command from the sources (tsx) does start its threads from the bootstrap.
  await assert.rejects(
    run(process.execPath, ['--import', 'tsx', join(root, 'electron/cli/tbs.ts'), ...args, ...files], {
      cwd: root,
      env: { ...env },
    }),
    /the tsx worker bootstrap was used/,
  );
  // Resources (the built-in prompt templates) are found next to the sources, not the bundle.
  const t = await run(process.execPath, [bundle, '--db', db, 'templates', 'list', '--json'], { cwd: root, env });
  assert.match(t.stdout, /"id":"phi1-binary"/);
});

test('when the bundle cannot be built, ensureBundle says why and returns null (bin/tbs.mjs then runs tsx)', async () => {
  const root = await copyCheckout();
  const blocker = join(root, 'not-a-dir');
  await writeFile(blocker, '');
  const warnings: string[] = [];
  assert.equal(await ensure(root, { dir: join(blocker, 'cache'), warn: (m) => warnings.push(m) }), null);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /running from sources \(could not build .*not-a-dir/);
  // A source esbuild cannot compile: no bundle, the reason named.
  await writeFile(join(root, 'electron', 'cli', 'tbs.ts'), 'const = ;\n');
  const w2: string[] = [];
  assert.equal(await ensure(root, { dir: join(root, 'cache'), warn: (m) => w2.push(m) }), null);
  assert.match(w2[0] ?? '', /could not build/);
});

test('bin/tbs.mjs runs the bundle in-process and passes the exit code through', async () => {
  const root = await copyCheckout();
  const ok = await run(process.execPath, [join(root, 'bin', 'tbs.mjs'), 'help'], { cwd: root });
  assert.match(ok.stdout, /Usage: tbs/);
  assert.ok((await readdir(join(root, 'node_modules', '.cache', 'tbs-cli'))).length > 0);
  await assert.rejects(run(process.execPath, [join(root, 'bin', 'tbs.mjs'), 'no-such-command'], { cwd: root }), {
    code: 2,
  });
  // Through a link named `tbs` (what `npm link` / a global install makes), the commands still run.
  await symlink(join(root, 'bin', 'tbs.mjs'), join(root, 'tbs'));
  const linked = await run(process.execPath, [join(root, 'tbs'), 'help'], { cwd: root });
  assert.match(linked.stdout, /Usage: tbs/);
});
