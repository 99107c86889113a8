import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { importPaths } from '../../electron/engine/ingest/importer.ts';
import { DatasetStore } from '../../electron/engine/store/dataset-store.ts';
import { SampleIndex } from '../../electron/engine/store/sample-index.ts';
import { compileLike, compileWhere } from '../../electron/engine/store/row-filter.ts';
import { TOKEN_HEADER, startWebServer } from '../../electron/web/web-server.ts';
import { tempDir } from '../support/temp.ts';

test('folder walks skip symlinks by default; --follow-symlinks follows them once and ends on loops', async () => {
  const dir = await tempDir();
  const tree = join(dir, 'tree');
  await mkdir(join(tree, 'pkg'), { recursive: true });
  await writeFile(join(tree, 'pkg', 'a.py'), 'def a():\n    return 1\n');
  const outside = join(dir, 'outside');
  await mkdir(outside);
  await writeFile(join(outside, 'b.py'), 'def b():\n    return 2\n');
  await symlink('.', join(tree, 'self1'));
  await symlink('..', join(tree, 'pkg', 'up'));
  await symlink(outside, join(tree, 'ext'));
  const store = await DatasetStore.open(join(dir, 'db'), { create: true });
  try {
    const plain = await importPaths(store, [tree]);
    assert.equal(plain.imported, 1, 'only the real file; links skipped');
    const followed = await importPaths(store, [tree], { followSymlinks: true });
    assert.equal(followed.imported, 1, 'the linked folder outside is read once; the loops end');
    assert.equal(store.index.size, 2);
  } finally {
    await store.close();
  }
});

test('only regular files are read, and byte limits hold on the stream: /dev/zero, a FIFO, a line without end', async () => {
  const dir = await tempDir();
  const fifo = join(dir, 'pipe.jsonl');
  execFileSync('mkfifo', [fifo]);
  const fifoPy = join(dir, 'tree');
  await mkdir(fifoPy);
  execFileSync('mkfifo', [join(fifoPy, 'blocked.py')]);
  await writeFile(join(fifoPy, 'ok.py'), 'x = 1\n');
  const long = join(dir, 'long.jsonl');
  await writeFile(
    long,
    [JSON.stringify({ text: 'y = 2' }), '{"text": "' + 'a'.repeat(3 << 20), JSON.stringify({ text: 'z = 3' })].join(
      '\n',
    ) + '\n',
  );
  const store = await DatasetStore.open(join(dir, 'db'), { create: true });
  try {
    const r = await importPaths(store, ['/dev/zero', fifo, fifoPy, long], { maxFileBytes: 1000 });
    const byFile = (f: string) => r.errors.filter((e) => e.file.endsWith(f));
    assert.match(byFile('/dev/zero')[0].message, /not a regular file/);
    assert.match(byFile('pipe.jsonl')[0].message, /not a regular file/);
    assert.deepEqual(
      byFile('long.jsonl').map((e) => [e.line, e.message]),
      [[2, 'line is longer than ' + (1000 * 6 + (1 << 20)) + ' bytes']],
    );
    assert.equal(r.imported, 3, 'ok.py and the two short JSONL rows');
  } finally {
    await store.close();
  }
});

test('JSONL with invalid UTF-8 or NUL is an import error naming file, line and field', async () => {
  const dir = await tempDir();
  const f = join(dir, 'bad.jsonl');
  await writeFile(
    f,
    Buffer.concat([
      Buffer.from(JSON.stringify({ text: 'good = 1' }) + '\n'),
      Buffer.from('{"text": "bad \xff byte"}\n', 'latin1'),
      Buffer.from(JSON.stringify({ text: 'nul \u0000 here' }) + '\n'),
    ]),
  );
  const store = await DatasetStore.open(join(dir, 'db'), { create: true });
  try {
    const r = await importPaths(store, [f]);
    assert.equal(r.imported, 1);
    assert.deepEqual(
      r.errors.map((e) => [e.line, e.field, e.message]),
      [
        [2, null, 'not valid UTF-8 text'],
        [3, 'text', 'text contains NUL bytes (binary)'],
      ],
    );
  } finally {
    await store.close();
  }
});

test('LIKE is matched without a regex: same answers as a reference, and the catastrophic pattern is instant', () => {
  let seed = 7;
  const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  const pick = (s: string, n: number) => Array.from({ length: n }, () => s[Math.floor(rnd() * s.length)]).join('');
  let cases = 0;
  for (let k = 0; k < 3000; k++) {
    const pattern = pick('ab%_', 1 + Math.floor(rnd() * 6));
    const text = pick('abAB', Math.floor(rnd() * 8));
    const re = new RegExp(
      '^' +
        pattern
          .split('%')
          .map((p) => p.replace(/_/g, '.'))
          .join('.*') +
        '$',
      'is',
    );
    assert.equal(compileLike(pattern)(text), re.test(text), `${pattern} vs ${text}`);
    cases++;
  }
  console.log(`LIKE: ${cases} random cases agree with the reference`);
  assert.equal(compileLike('%_%_%_%_%_%_%_%_%!')('x'.repeat(100_000)), false);
  const index = new SampleIndex();
  for (let i = 0; i < 50; i++)
    index.add({ id: `s${i}`, source: 'x'.repeat(5000), path: null, language: 'python', tokens: 1, tokensExact: false });
  const slow = compileWhere("source LIKE '%x%'", index, undefined, 0);
  assert.throws(() => {
    for (let r = 0; r < 50; r++) slow(r);
  }, /took more than 0 ms/);
});

test('the server: 413 for a huge body, 400 for a malformed URI, and a bad importHuman path is an error, not a crash', async () => {
  const dir = await tempDir();
  const server = await startWebServer({ dir: join(dir, 'db'), staticDir: dir });
  const post = (name: string, body: string) =>
    fetch(`http://127.0.0.1:${server.port}/api/invoke/${name}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [TOKEN_HEADER]: server.token },
      body,
    });
  try {
    const big = await post('dataset.stats', ' '.repeat(40 << 20));
    assert.equal(big.status, 413);
    assert.equal((await big.json()).error.code, 'too_large');
    assert.equal((await post('%E0%A4%A', '{}')).status, 400);
    for (const path of [join(dir, 'missing.csv'), dir, join(dir, 'nope.jsonl')]) {
      const r = await post('labels.importHuman', JSON.stringify({ path, annotator: 'a' }));
      assert.ok(r.status >= 400 && r.status < 500, `${path}: ${r.status}`);
    }
    assert.equal((await post('dataset.stats', '{}')).status, 200, 'the server is still up');
  } finally {
    await server.close();
  }
});

test('config.json fields are validated: schemaVersion -1 is refused', async () => {
  const dir = await tempDir();
  const db = join(dir, 'db');
  const s = await DatasetStore.open(db, { create: true });
  await s.close();
  const cfg = JSON.parse(await (await import('node:fs/promises')).readFile(join(db, 'config.json'), 'utf8'));
  await writeFile(join(db, 'config.json'), JSON.stringify({ ...cfg, schemaVersion: -1 }));
  await assert.rejects(DatasetStore.open(db), /schemaVersion/);
});
