import assert from 'node:assert/strict';
import { cp, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { Engine } from '../../electron/engine/engine.ts';
import { importPaths } from '../../electron/engine/ingest/importer.ts';
import { countImports, ensureImports } from '../../electron/engine/stats/imports-stat.ts';
import { runTbs } from '../support/cli.ts';
import { STDLIB, tempDir } from '../support/temp.ts';

/**
 * Eight real standard-library files, their imports counted by hand from the source (Python 3.11):
 * - bisect.py: `from _bisect import *` inside `try:`                        -> _bisect
 * - colorsys.py: no import                                                  -> (none)
 * - getpass.py: contextlib io os sys warnings at top; `import pwd` inside
 *   getuser(); `import termios` in a module-level try; `import msvcrt` in a
 *   try nested in that try's except block                                   -> contextlib io msvcrt os pwd sys termios warnings
 * - json/__init__.py: `from .decoder ...`, `from .encoder ...` are relative
 *   (not counted); `import codecs`; the docstring's `>>> import json` and
 *   `>>> from io import StringIO` are text, not code                        -> codecs
 * - json/tool.py: argparse json sys, `from pathlib import Path`             -> argparse json pathlib sys
 * - shlex.py: os re sys, `from collections import deque`, `from io import
 *   StringIO`, and `import warnings` inside a method                        -> collections io os re sys warnings
 * - this.py: no import                                                      -> (none)
 * - xml/dom/minidom.py: `import io`, `import xml.dom`, `from xml.dom import
 *   ...` three times at top and four times inside methods: `xml` once        -> io xml
 */
const FILES = [
  'bisect.py',
  'colorsys.py',
  'getpass.py',
  'json/__init__.py',
  'json/tool.py',
  'shlex.py',
  'this.py',
  'xml/dom/minidom.py',
];
const HAND_COUNT = [
  { module: 'io', count: 3 },
  { module: 'sys', count: 3 },
  { module: 'os', count: 2 },
  { module: 'warnings', count: 2 },
  { module: '_bisect', count: 1 },
  { module: 'argparse', count: 1 },
  { module: 'codecs', count: 1 },
  { module: 'collections', count: 1 },
  { module: 'contextlib', count: 1 },
  { module: 'json', count: 1 },
  { module: 'msvcrt', count: 1 },
  { module: 'pathlib', count: 1 },
  { module: 'pwd', count: 1 },
  { module: 're', count: 1 },
  { module: 'termios', count: 1 },
  { module: 'xml', count: 1 },
];

async function copyFiles(dir: string): Promise<string> {
  const src = join(dir, 'lib');
  for (const f of FILES) {
    await mkdir(dirname(join(src, f)), { recursive: true });
    await cp(join(STDLIB, f), join(src, f));
  }
  return src;
}

test('tbs imports counts each top-level module once per sample, from the syntax tree, as counted by hand', async () => {
  const dir = await tempDir();
  const db = join(dir, 'db');
  const src = await copyFiles(dir);
  const imp = await runTbs(['import', src, '--db', db, '--json']);
  assert.equal(imp.code, 0, imp.stderr);
  assert.equal(JSON.parse(imp.stdout).imported, FILES.length);

  const all = await runTbs(['imports', '--db', db, '--min-count', '1', '--json']);
  assert.equal(all.code, 0, all.stderr);
  assert.deepEqual(JSON.parse(all.stdout), HAND_COUNT);

  // The default --min-count is 10 (the paper's cut): none of these reach it.
  assert.deepEqual(JSON.parse((await runTbs(['imports', '--db', db, '--json'])).stdout), []);
  const two = JSON.parse((await runTbs(['imports', '--db', db, '--min-count', '2', '--json'])).stdout);
  assert.deepEqual(
    two,
    HAND_COUNT.filter((r) => r.count >= 2),
  );
  const jsonOnly = await runTbs(['imports', '--db', db, '--min-count', '1', '--source', 'json/', '--json']);
  assert.deepEqual(JSON.parse(jsonOnly.stdout), [
    { module: 'argparse', count: 1 },
    { module: 'codecs', count: 1 },
    { module: 'json', count: 1 },
    { module: 'pathlib', count: 1 },
    { module: 'sys', count: 1 },
  ]);
  const bad = await runTbs(['imports', '--db', db, '--where', 'tokens >>> 3']);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /where|syntax|expect/i);
});

test('a dataset imported before the statistic existed gets it computed once, then stored', async () => {
  const dir = await tempDir();
  const src = await copyFiles(dir);
  const engine = await Engine.open({ dir: join(dir, 'db') });
  await importPaths(engine.store, [src]);
  // Simulate an older dataset: no imports rows at all.
  await (await engine.store.table('sample_imports')).delete('true');
  await engine.close();

  // An export needs only its kept samples' imports: those are computed, the rest wait.
  const part = await Engine.open({ dir: join(dir, 'db') });
  const two = part.store.index.ids.slice(0, 2);
  const some = await ensureImports(part.store, { ids: two });
  assert.equal(some.computed, 2);
  assert.equal(await (await part.store.table('sample_imports')).countRows(), 2);
  await part.close();

  const again = await Engine.open({ dir: join(dir, 'db') });
  const first = await ensureImports(again.store);
  assert.equal(first.computed, FILES.length - 2);
  assert.deepEqual(countImports(first.byId, again.store.index.ids, 1), HAND_COUNT);
  assert.equal(await (await again.store.table('sample_imports')).countRows(), FILES.length);
  await again.close();

  const third = await Engine.open({ dir: join(dir, 'db') });
  const second = await ensureImports(third.store);
  assert.equal(second.computed, 0, 'stored: nothing is computed twice');
  assert.deepEqual(countImports(second.byId, third.store.index.ids, 1), HAND_COUNT);
  await third.close();
});

test('function chunks count the imports inside each function only', async () => {
  const dir = await tempDir();
  const engine = await Engine.open({ dir: join(dir, 'db') });
  await importPaths(engine.store, [join(STDLIB, 'getpass.py')], { chunk: 'function' });
  const { byId } = await ensureImports(engine.store);
  const idx = engine.store.index;
  assert.ok(idx.size >= 5, 'getpass.py has several top-level functions and a class');
  // Only getuser() imports inside its body; the module-level imports (and the try around
  // termios / msvcrt) belong to no function chunk.
  const withImports = idx.ids.filter((id) => (byId.get(id) ?? []).length > 0);
  assert.equal(withImports.length, 1);
  assert.deepEqual(byId.get(withImports[0]), ['pwd']);
  const s = await engine.store.getSample(withImports[0]);
  assert.match(s!.text, /^def getuser\(/);
  await engine.close();
});
