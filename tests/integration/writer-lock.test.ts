import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Engine } from '../../electron/engine/engine.ts';
import { importPaths } from '../../electron/engine/ingest/importer.ts';
import { DatasetStore } from '../../electron/engine/store/dataset-store.ts';
import { DatasetBusyError, LOCK_FILE } from '../../electron/engine/store/writer-lock.ts';
import { TOKEN_HEADER, startWebServer } from '../../electron/web/web-server.ts';
import { runTbs } from '../support/cli.ts';
import { tempDir } from '../support/temp.ts';

const DEMO = join(process.cwd(), 'resources/demo/samples.jsonl');

/** Demo samples as plain code rows (no labels), so every label in a test is one the test saved. */
async function codeOnly(dir: string): Promise<string> {
  const rows = (await readFile(DEMO, 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.stringify({ text: (JSON.parse(l) as { text: string }).text }));
  const f = join(dir, 'code.jsonl');
  await writeFile(f, rows.join('\n') + '\n');
  return f;
}

function startServe(db: string, dir: string): Promise<{ child: ChildProcess; origin: string; token: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'electron/cli/tbs.ts', 'serve', '--db', db, '--no-build'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LANCEDB_LOG: 'error', XDG_CONFIG_HOME: join(dir, 'xdg') },
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl >= 0) {
        const url = new URL(out.slice(0, nl));
        resolve({ child, origin: url.origin, token: url.searchParams.get('token')! });
      }
    });
    child.on('exit', (code) => reject(new Error(`tbs serve exited ${code}`)));
  });
}

test('one writer per dataset: a second writer is refused naming the holder; a stale lock is taken over; another host is never', async () => {
  const dir = await tempDir();
  const db = join(dir, 'db');
  const first = await DatasetStore.open(db, { create: true, holder: 'tbs serve' });
  await assert.rejects(DatasetStore.open(db), (e: Error) => {
    assert.ok(e instanceof DatasetBusyError);
    assert.match(e.message, new RegExp(`open in tbs serve \\(pid ${process.pid}`));
    return true;
  });
  // A reader opens fine beside the writer and cannot write.
  const reader = await DatasetStore.open(db, { mode: 'read' });
  await assert.rejects(async () => (await reader.table('samples')).add([{ id: 'x' }]), /read-only/);
  await assert.rejects(reader.compact(), /read-only/);
  await reader.close();
  await first.close();
  assert.ok(!existsSync(join(db, LOCK_FILE)), 'closing releases the lock');

  // Stale: a dead process on this host.
  const dead = 2 ** 22 + 4321;
  const lock = (host: string, pid: number) =>
    writeFile(
      join(db, LOCK_FILE),
      JSON.stringify({ pid, host, startedAt: '2020-01-01T00:00:00Z', holder: 'tbs import', nonce: 'n' }),
    );
  await lock(hostname(), dead);
  const taken = await DatasetStore.open(db);
  assert.equal(JSON.parse(await readFile(join(db, LOCK_FILE), 'utf8')).pid, process.pid);
  await taken.close();
  // Another host's lock: its pid means nothing here, so it is refused, and the message says how to clear it.
  await lock('build-box-7', dead);
  await assert.rejects(DatasetStore.open(db), /on host build-box-7.*another host is never taken over/);
  assert.equal(JSON.parse(await readFile(join(db, LOCK_FILE), 'utf8')).host, 'build-box-7', 'left untouched');

  // A lock file this tool did not write (a non-numeric pid, garbage, empty) is never judged stale
  // and taken over: it is refused, left as it is, and the message names the file.
  for (const text of [
    JSON.stringify({ pid: 'abc', host: hostname(), nonce: 'n' }),
    JSON.stringify({ pid: -1, host: hostname(), nonce: 'n' }),
    'not json at all',
    '',
  ]) {
    await writeFile(join(db, LOCK_FILE), text);
    await assert.rejects(DatasetStore.open(db), (e: Error) => {
      assert.ok(e instanceof DatasetBusyError, text);
      assert.match(e.message, /writer\.lock is not a lock this tool wrote.*delete that file/);
      return true;
    });
    assert.equal(await readFile(join(db, LOCK_FILE), 'utf8'), text, 'left untouched');
  }
  // A FIFO in its place would block a read forever: refused without reading it (red-team finding).
  await rm(join(db, LOCK_FILE));
  execFileSync('mkfifo', [join(db, LOCK_FILE)]);
  await assert.rejects(DatasetStore.open(db), /writer\.lock is not a lock this tool wrote/);
  await rm(join(db, LOCK_FILE));
  assert.deepEqual(
    (await readdir(db)).filter((f) => f.startsWith(`${LOCK_FILE}.`)),
    [],
    'no private lock files left behind',
  );
});

test('twenty processes racing for one free dataset: exactly one holds it, the others are refused', async () => {
  const dir = await tempDir();
  const db = join(dir, 'db');
  await (await DatasetStore.open(db, { create: true })).close();
  const script = `
    import { WriterLock } from './electron/engine/store/writer-lock.ts';
    try { await WriterLock.acquire(${JSON.stringify(db)}); const t0 = Date.now(); await new Promise((r) => setTimeout(r, 1500)); console.log('held ' + t0 + ' ' + Date.now()); }
    catch (e) { console.log(e.name === 'DatasetBusyError' ? 'busy' : 'error ' + e.message); }`;
  const outs = await Promise.all(
    Array.from(
      { length: 20 },
      () =>
        new Promise<string>((resolve) => {
          const c = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
            stdio: ['ignore', 'pipe', 'inherit'],
          });
          let out = '';
          c.stdout.on('data', (d) => (out += d));
          c.on('exit', () => resolve(out.trim()));
        }),
    ),
  );
  const spans = outs
    .filter((o) => o.startsWith('held '))
    .map((o) => o.split(' ').slice(1).map(Number))
    .sort((a, b) => a[0] - b[0]);
  assert.equal(outs.filter((o) => !o.startsWith('held ') && o !== 'busy').length, 0, outs.join('\n'));
  assert.ok(spans.length >= 1 && outs.filter((o) => o === 'busy').length >= 1, outs.join('\n'));
  // Holders may follow one another (process starts are staggered), never overlap.
  for (let i = 1; i < spans.length; i++) assert.ok(spans[i][0] >= spans[i - 1][1], `two holders at once: ${outs}`);
  assert.ok(!existsSync(join(db, LOCK_FILE)), 'each holder released its lock on exit');
});

test('within one process: concurrent imports of one folder store each sample once; 20 retries of one requestId store one label', async () => {
  const dir = await tempDir();
  const src = await codeOnly(dir);
  const server = await startWebServer({ dir: join(dir, 'db'), staticDir: dir });
  try {
    const call = async (name: string, body: unknown) => {
      const r = await fetch(`http://127.0.0.1:${server.port}/api/invoke/${name}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [TOKEN_HEADER]: server.token },
        body: JSON.stringify(body),
      });
      return { status: r.status, body: (await r.json()) as Record<string, unknown> };
    };
    const imports = await Promise.all([1, 2, 3].map(() => call('samples.import', { paths: [src] })));
    for (const r of imports) assert.equal(r.status, 200, JSON.stringify(r.body));
    const imported = imports.reduce((a, r) => a + Number(r.body.imported), 0);
    const stats = await call('dataset.stats', {});
    assert.equal(imported, stats.body.samples, 'each sample stored once across the concurrent imports');
    const samples = await (await server.session.currentEngine!.store.table('samples')).countRows();
    assert.equal(samples, stats.body.samples, 'the table holds no duplicates');

    const id = server.session.currentEngine!.store.index.ids[0];
    const saves = await Promise.all(
      Array.from({ length: 20 }, () =>
        call('labels.addHuman', { sampleId: id, score: 4, annotator: 'ann', requestId: 'retry-0001' }),
      ),
    );
    for (const s of saves) assert.equal(s.status, 200, JSON.stringify(s.body));
    const records = await server.session.currentEngine!.store.labelsOf(id);
    assert.equal(records.filter((r) => r.labelId === 'req-retry-0001').length, 1);
    assert.equal(records.length, 1);
  } finally {
    await server.close();
  }
});

test('a reader, a second writer, concurrent saves and kill -9: nothing acknowledged is lost', async () => {
  const dir = await tempDir();
  const db = join(dir, 'db');
  const src = await codeOnly(dir);
  assert.equal((await runTbs(['import', src, '--db', db])).code, 0);
  const e = await Engine.open({ dir: db });
  const ids = e.store.index.ids.slice(0, 300);
  await e.close();

  const { child, origin, token } = await startServe(db, dir);
  try {
    const journal = join(db, 'journal');
    const acked = new Set<string>();
    let next = 0;
    const saver = async () => {
      while (next < ids.length) {
        const sampleId = ids[next++];
        const r = await fetch(`${origin}/api/invoke/labels.addHuman`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', [TOKEN_HEADER]: token },
          body: JSON.stringify({ sampleId, score: 3, annotator: 'ann', requestId: `s-${sampleId}` }),
        });
        assert.equal(r.status, 200);
        acked.add(sampleId);
      }
    };
    const savers = Promise.all(Array.from({ length: 8 }, saver));
    // Readers while saving: they must see at least what was acknowledged before they started.
    const readerChecks: Promise<void>[] = [];
    for (let k = 0; k < 4; k++) {
      await new Promise((r) => setTimeout(r, 300));
      const before = acked.size;
      readerChecks.push(
        runTbs(['stats', '--db', db, '--json']).then((r) => {
          assert.equal(r.code, 0, r.stderr);
          const human = JSON.parse(r.stdout).labels.human as number;
          assert.ok(human >= before, `reader saw ${human} labels, ${before} were acknowledged before it started`);
        }),
      );
    }
    // A second writer is refused and told where the holder is.
    const writer = await runTbs(['import', src, '--db', db]);
    assert.notEqual(writer.code, 0);
    assert.match(writer.stderr, /open in tbs serve \(pid \d+.*at http:\/\/127\.0\.0\.1:\d+\/; use its URL/);
    await savers;
    await Promise.all(readerChecks);
    // Freeze the holder (SIGSTOP) so its journal cannot change, then read: the readers see every
    // acknowledged label, and they leave every journal file exactly as it was.
    child.kill('SIGSTOP');
    const snapshot = async () =>
      Promise.all(
        (await readdir(journal)).sort().map(async (f) => `${f}:${(await readFile(join(journal, f))).length}`),
      );
    const frozen = await snapshot();
    const labels = await runTbs(['labels', 'export', '--db', db]);
    assert.equal(labels.code, 0, labels.stderr);
    assert.equal(labels.stdout.trim().split('\n').length, ids.length, 'labels export sees every acknowledged label');
    const stats = await runTbs(['stats', '--db', db, '--json']);
    assert.equal(JSON.parse(stats.stdout).labels.human, ids.length);
    assert.deepEqual(await snapshot(), frozen, 'read-only commands left the journal untouched');
  } finally {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }
  // After the crash: the stale lock is taken over, the journal replayed, and every acknowledged label is there.
  const after = await Engine.open({ dir: db });
  try {
    let labeled = 0;
    for (const id of ids) if ((await after.store.labelsOf(id)).length === 1) labeled++;
    assert.equal(labeled, ids.length);
    assert.equal((await after.stats()).labels.human, ids.length);
  } finally {
    await after.close();
  }
});

test('two parallel CLI imports of one folder: one runs, the other is refused; no duplicates', async () => {
  const dir = await tempDir();
  const db = join(dir, 'db');
  const src = await codeOnly(dir);
  const init = await Engine.open({ dir: db, create: true });
  await init.close();
  const [a, b] = await Promise.all([runTbs(['import', src, '--db', db]), runTbs(['import', src, '--db', db])]);
  const codes = [a.code, b.code].sort();
  assert.equal(codes[0], 0);
  if (codes[1] !== 0) assert.match((a.code ? a : b).stderr, /is open in tbs import/);
  const s = await DatasetStore.open(db, { mode: 'read' });
  const rows = await (await s.table('samples')).countRows();
  assert.equal(rows, s.index.size);
  await s.close();
  // A second import in the same process as the holder adds nothing.
  const w = await DatasetStore.open(db);
  assert.equal((await importPaths(w, [src])).imported, 0);
  await w.close();
});

test('an open that fails after the label journal opened releases everything: no open journal handle, the lock free', async () => {
  const dir = await tempDir();
  await (await DatasetStore.open(dir, { create: true })).close();
  const openJournalHandles = async () => {
    const out: string[] = [];
    for (const fd of await readdir('/proc/self/fd')) {
      const target = await import('node:fs/promises').then((fs) => fs.readlink(`/proc/self/fd/${fd}`).catch(() => ''));
      if (target.startsWith(join(dir, 'journal'))) out.push(target);
    }
    return out;
  };
  const original = DatasetStore.prototype.reloadClassifierScores;
  DatasetStore.prototype.reloadClassifierScores = async () => {
    throw new Error('planted failure after the journal opened');
  };
  try {
    await assert.rejects(DatasetStore.open(dir), /planted failure/);
  } finally {
    DatasetStore.prototype.reloadClassifierScores = original;
  }
  assert.deepEqual(await openJournalHandles(), []);
  // The lock was released too: a writer opens at once.
  const store = await DatasetStore.open(dir);
  assert.ok(
    (await openJournalHandles()).length >= 1,
    'an open store holds its journal segment (the probe sees handles)',
  );
  await store.close();
});
