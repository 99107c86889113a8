import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { cp, mkdir, readFile, readdir, realpath, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
// @ts-expect-error: plain JavaScript launcher module, no types
import { ensureBundle } from '../../bin/cli-bundle.mjs';
import { STDLIB, tempDir } from '../support/temp.ts';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');
const ENV = { ...process.env, LANCEDB_LOG: 'error' };

type Ensure = (root: string, o?: { dir?: string; warn?: (m: string) => void }) => Promise<string | null>;
const ensure = ensureBundle as Ensure;

/** A copy of the checkout's sources (packages linked one by one, except `without`), to edit. */
async function copyCheckout(without: string[] = []): Promise<string> {
  const root = await tempDir('tbs-bundle-');
  for (const d of ['bin', 'electron', 'shared', 'resources'])
    await cp(join(ROOT, d), join(root, d), { recursive: true });
  for (const f of ['package.json', 'package-lock.json', 'tsconfig.json']) await cp(join(ROOT, f), join(root, f));
  // Not node_modules itself: the copy's .cache (and bundle) is its own.
  await mkdir(join(root, 'node_modules'));
  for (const name of await readdir(join(ROOT, 'node_modules')))
    if (name !== '.cache' && !without.includes(name))
      await symlink(join(ROOT, 'node_modules', name), join(root, 'node_modules', name));
  return root;
}

const cacheOf = (root: string) => join(root, 'node_modules', '.cache', 'tbs-cli');
const builds = async (dir: string) => (await readdir(dir)).filter((n) => n.startsWith('b-')).sort();

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

  // An edit to a source the CLI imports is picked up at the next start.
  const file = join(root, 'electron', 'cli', 'tbs.ts');
  const src = await readFile(file, 'utf8');
  await writeFile(file, src.replace('Textbook Studio: curate', 'Textbook Studio (edited): curate'));
  const second = await ensure(root, { dir });
  assert.ok(second && second !== first, 'an edited source gives a new build');
  assert.match((await run(process.execPath, [second, 'help'], { cwd: root })).stdout, /Textbook Studio \(edited\)/);
  assert.equal((await builds(dir)).length, 2, 'the previous build stays for a tbs that may still run from it');
  assert.ok(!(await readdir(dir)).some((n) => n.startsWith('tmp-')), 'no half-built folder is left');

  // A build of an older format (no `retired` marker, a month old) is marked now, not removed.
  const legacy = join(dir, 'b-00000000000000aa');
  await mkdir(legacy);
  const monthAgo = new Date(Date.now() - 30 * 24 * 3600e3);
  await utimes(legacy, monthAgo, monthAgo);
  // A stray x.js beside x.ts is ignored, as tsx ignores it.
  await writeFile(join(root, 'electron', 'cli', 'progress.js'), "throw new Error('stray progress.js');\n");
  await writeFile(file, src.replace('Textbook Studio: curate', 'Textbook Studio (again): curate'));
  const third = await ensure(root, { dir });
  assert.match((await run(process.execPath, [third!, 'help'], { cwd: root })).stdout, /Textbook Studio \(again\)/);
  assert.ok((await readdir(legacy)).includes('retired'), 'a week from now, not at once');
  // Back to the first sources, whose build lost a chunk meanwhile: the chunk is put back.
  await writeFile(file, src);
  const firstDir = join(first, '..');
  const chunk = (await readdir(firstDir)).find((n) => n.startsWith('chunk-') && n.endsWith('.mjs'))!;
  await rm(join(firstDir, chunk));
  assert.equal(await ensure(root, { dir }), first);
  assert.ok((await readdir(firstDir)).includes(chunk), 'the damaged build is whole again');
  assert.match((await run(process.execPath, [first, 'help'], { cwd: root })).stdout, /Textbook Studio: curate/);
});

test("two checkouts sharing one node_modules each run their own code; a removed checkout's build is retired", async () => {
  const a = await copyCheckout();
  const b = await tempDir('tbs-bundle-b-');
  for (const d of ['bin', 'electron', 'shared', 'resources']) await cp(join(a, d), join(b, d), { recursive: true });
  for (const f of ['package.json', 'package-lock.json', 'tsconfig.json']) await cp(join(a, f), join(b, f));
  await symlink(join(a, 'node_modules'), join(b, 'node_modules'));
  const t = await readFile(join(b, 'resources', 'prompts', 'phi1-binary.json'), 'utf8');
  await writeFile(join(b, 'resources', 'prompts', 'b-only.json'), t.replace('"phi1-binary"', '"b-only"'));
  const listed = async (root: string) => {
    const db = join(root, 'db');
    await run(
      process.execPath,
      [join(root, 'bin', 'tbs.mjs'), '--db', db, 'import', '--no-scan', join(STDLIB, 'colorsys.py')],
      { cwd: root, env: ENV },
    );
    return (
      await run(process.execPath, [join(root, 'bin', 'tbs.mjs'), '--db', db, 'templates', 'list', '--json'], {
        cwd: root,
        env: ENV,
      })
    ).stdout;
  };
  assert.match(await listed(b), /"id":"b-only"/);
  assert.doesNotMatch(await listed(a), /"id":"b-only"/);
  const script = await run(
    process.execPath,
    [join(b, 'bin', 'tbs.mjs'), '--db', join(b, 'db'), 'slurm', '--shards', '2', '--print', 'score'],
    { cwd: b, env: ENV },
  );
  assert.ok(script.stdout.includes(`'${join(b, 'bin', 'tbs.mjs')}'`), 'the tasks run this checkout');
  const dir = cacheOf(a);
  const pointers = async () => {
    const out: { root: string; build: string }[] = [];
    for (const n of (await readdir(dir)).filter((n) => n.startsWith('current-')))
      out.push(JSON.parse(await readFile(join(dir, n), 'utf8')) as { root: string; build: string });
    return out;
  };
  const realB = await realpath(b);
  assert.deepEqual(
    (await pointers()).map((p) => p.root).sort(),
    [await realpath(a), realB].sort(),
    'one build per checkout',
  );
  const bBuild = (await pointers()).find((p) => p.root === realB)!.build;
  // B is deleted; A's next build drops B's pointer and retires B's build (removed a week later).
  await rm(b, { recursive: true, force: true });
  const file = join(a, 'electron', 'cli', 'progress.ts');
  await writeFile(file, `${await readFile(file, 'utf8')}\n// edit\n`);
  await run(process.execPath, [join(a, 'bin', 'tbs.mjs'), 'help'], { cwd: a });
  assert.deepEqual(
    (await pointers()).map((p) => p.root),
    [await realpath(a)],
  );
  assert.ok((await readdir(join(dir, bBuild))).includes('retired'));
});

test('several tbs started at once after an edit all run the edited code, from one build', async () => {
  const root = await copyCheckout();
  const tbs = join(root, 'bin', 'tbs.mjs');
  await run(process.execPath, [tbs, 'help'], { cwd: root });
  const file = join(root, 'electron', 'cli', 'tbs.ts');
  await writeFile(
    file,
    (await readFile(file, 'utf8')).replace('Textbook Studio: curate', 'Textbook Studio (v2): curate'),
  );
  const outs = await Promise.all([1, 2, 3, 4].map(() => run(process.execPath, [tbs, 'help'], { cwd: root })));
  for (const o of outs) {
    assert.match(o.stdout, /Textbook Studio \(v2\)/);
    assert.equal(o.stderr, '');
  }
  const names = await readdir(cacheOf(root));
  assert.equal((await builds(cacheOf(root))).length, 2, 'the first build and one build of the edit');
  assert.ok(!names.some((n) => n.startsWith('tmp-') || /\.json\./.test(n)), `nothing half-written: ${names.join(' ')}`);
});

test('bin/tbs.mjs runs the bundle in-process: no tsx needed, resources from its own checkout, threads from the bundle', async () => {
  const root = await copyCheckout(['tsx']);
  // A template only this copy has: found through the sources' location, not the original checkout's.
  const t = JSON.parse(await readFile(join(root, 'resources', 'prompts', 'phi1-binary.json'), 'utf8')) as {
    id: string;
  };
  await writeFile(join(root, 'resources', 'prompts', 'copy-only.json'), JSON.stringify({ ...t, id: 'copy-only' }));
  // The tsx bootstrap of the worker threads fails loudly here: a pool started from it fails the import.
  await writeFile(
    join(root, 'electron', 'engine', 'workers', 'cpu-worker-tsx.mjs'),
    "throw new Error('the tsx worker bootstrap was used');\n",
  );
  const tbs = join(root, 'bin', 'tbs.mjs');
  const db = join(root, 'db');
  const files = ['colorsys.py', 'bisect.py', 'textwrap.py'].map((f) => join(STDLIB, f));
  const args = ['--db', db, 'import', '--no-scan', '--workers', '2', '--chunk', 'function', '--json', ...files];
  const { stdout } = await run(process.execPath, [tbs, ...args], { cwd: root, env: ENV });
  assert.ok((JSON.parse(stdout) as { imported: number }).imported > 10);
  const templates = await run(process.execPath, [tbs, '--db', db, 'templates', 'list', '--json'], {
    cwd: root,
    env: ENV,
  });
  assert.match(templates.stdout, /"id":"copy-only"/);
  // Through a link named `tbs` (what `npm link` / a global install makes), the commands still run.
  await symlink(tbs, join(root, 'tbs'));
  assert.match((await run(process.execPath, [join(root, 'tbs'), 'help'], { cwd: root })).stdout, /Usage: tbs/);
  await assert.rejects(run(process.execPath, [tbs, 'no-such-command'], { cwd: root }), { code: 2 });
});

test('the bundle is not used where it cannot be built: tsx runs the sources, with one line saying why', async () => {
  const root = await copyCheckout();
  // The cache cannot be written (a read-only install): silent.
  await mkdir(join(root, 'node_modules', '.cache'), { recursive: true });
  await writeFile(join(root, 'node_modules', '.cache', 'tbs-cli'), 'not a folder');
  const quiet = await run(process.execPath, [join(root, 'bin', 'tbs.mjs'), 'help'], { cwd: root });
  assert.match(quiet.stdout, /Usage: tbs/);
  assert.equal(quiet.stderr, '');
  // A source esbuild cannot compile: no bundle, the reason in one line.
  const other = await copyCheckout();
  await writeFile(join(other, 'electron', 'cli', 'progress.ts'), 'export const = ;\n');
  const warnings: string[] = [];
  assert.equal(await ensure(other, { dir: join(other, 'cache'), warn: (m) => warnings.push(m) }), null);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /^tbs: running from sources \(could not build the CLI bundle in .*cache: .*\)\n$/);
  assert.equal(warnings[0].split('\n').length, 2, 'one line');
  // A cache linked to a folder the packages cannot be found from: named, never a crash.
  const linked = await copyCheckout();
  const outside = await tempDir('tbs-outside-');
  await mkdir(join(linked, 'node_modules', '.cache'));
  await symlink(outside, join(linked, 'node_modules', '.cache', 'tbs-cli'));
  const r = await run(process.execPath, [join(linked, 'bin', 'tbs.mjs'), 'help'], { cwd: linked });
  assert.match(r.stdout, /Usage: tbs/);
  assert.match(r.stderr, /packages \(node_modules\) cannot be found from/);
});

test('a build a running tbs uses is never removed; once it has ended and the build is a week retired, it is', async (t) => {
  const root = await copyCheckout();
  const tbs = join(root, 'bin', 'tbs.mjs');
  const dir = cacheOf(root);
  const list = join(root, 'files.fifo');
  await run('mkfifo', [list]);
  // Blocks on the list before it loads the import's code (a lazy chunk of its build).
  const long = spawn(
    process.execPath,
    [tbs, '--db', join(root, 'db'), 'import', '--no-scan', '--json', '--files-from', list],
    { cwd: root, env: ENV, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  t.after(() => long.kill());
  let out = '';
  long.stdout.on('data', (d) => (out += d));
  const firstBuild = async () => (await builds(dir).catch(() => []))[0];
  let old = await firstBuild();
  while (!old) {
    await new Promise((r) => setTimeout(r, 50));
    old = await firstBuild();
  }
  const file = join(root, 'electron', 'cli', 'progress.ts');
  const src = await readFile(file, 'utf8');
  const weekAgo = new Date(Date.now() - 8 * 24 * 3600e3);
  const editAndStart = async (n: number) => {
    await writeFile(file, `${src}\n// edit ${n}\n`);
    await run(process.execPath, [tbs, 'help'], { cwd: root });
  };
  const ageOld = async () => {
    for (const f of [join(dir, old), join(dir, old, 'retired')]) await utimes(f, weekAgo, weekAgo);
  };
  await editAndStart(1);
  await ageOld();
  await editAndStart(2); // the old build is a week retired now, but in use
  assert.ok((await builds(dir)).includes(old), 'the running import keeps its build');
  await writeFile(list, `${join(STDLIB, 'colorsys.py')}\n`);
  const [code] = (await once(long, 'exit')) as [number];
  assert.equal(code, 0, `the long import finished from its build: ${out}`);
  assert.equal((JSON.parse(out) as { imported: number }).imported, 1);
  // A pin of another host (a Slurm task there) keeps the build while it is refreshed.
  const otherHost = join(dir, old, 'pins', 'node17.cluster-4242');
  await writeFile(otherHost, '');
  await editAndStart(3);
  assert.ok((await builds(dir)).includes(old), "another host's fresh pin keeps it");
  await utimes(otherHost, weekAgo, weekAgo);
  await editAndStart(4);
  assert.ok(!(await builds(dir)).includes(old), 'ended and a week retired: removed');
});

test(
  'run from sources (no bundle), bin/tbs.mjs passes a SIGTERM on to the tsx child and exits 128 + 15',
  { timeout: 120e3 },
  async (t) => {
    const root = await copyCheckout();
    await mkdir(join(root, 'node_modules', '.cache'), { recursive: true });
    await writeFile(join(root, 'node_modules', '.cache', 'tbs-cli'), 'not a folder');
    const list = join(root, 'files.fifo');
    await run('mkfifo', [list]);
    const db = join(root, 'db-signal');
    const launcher = spawn(
      process.execPath,
      [join(root, 'bin', 'tbs.mjs'), '--db', db, 'import', '--files-from', list],
      {
        cwd: root,
        env: ENV,
        stdio: 'ignore',
      },
    );
    t.after(async () => {
      launcher.kill('SIGKILL');
      await run('pkill', ['-KILL', '-f', `electron/cli/tbs.ts --db ${db} `]).catch(() => {});
    });
    const children = async () => {
      const r = await run('pgrep', ['-f', `electron/cli/tbs.ts --db ${db} `]).catch(() => ({ stdout: '' }));
      return r.stdout.split('\n').filter(Boolean);
    };
    const deadline = Date.now() + 60e3;
    while (!(await children()).length) {
      assert.ok(Date.now() < deadline, 'the tsx child never started');
      await new Promise((r) => setTimeout(r, 50));
    }
    launcher.kill('SIGTERM');
    const [code, signal] = (await once(launcher, 'exit')) as [number | null, string | null];
    assert.deepEqual([code, signal], [143, null], 'the child died of SIGTERM; the launcher says so');
    assert.deepEqual(await children(), [], 'no orphan left holding the dataset');
  },
);
