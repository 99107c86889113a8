import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { Engine } from '../../electron/engine/engine.js';
import { unitOf } from '../../electron/engine/store/sample-query.js';
import { tempDir } from '../support/temp.js';

test('an empty __init__.py is skipped, not an error; queue rows name the function or class of a chunk', async () => {
  const root = await tempDir();
  const pkg = join(root, 'pkg');
  await mkdir(pkg);
  await writeFile(join(pkg, '__init__.py'), '');
  await writeFile(join(pkg, 'blank.py'), '\n\n   \n');
  await writeFile(
    join(pkg, 'codec.py'),
    [
      'import json',
      '',
      '@functools.cache',
      'def decode(data):',
      '    """Decode one record."""',
      '    return json.loads(data)',
      '',
      'class Decoder:',
      '    def run(self, x):',
      '        return decode(x)',
      '',
      'async def fetch(url):',
      '    return url',
      '',
    ].join('\n'),
  );
  const engine = await Engine.open({ dir: join(root, 'db'), create: true });
  try {
    const r = await engine.invoke('samples.import', { paths: [pkg], chunk: 'function' });
    assert.equal(r.errorCount, 0, JSON.stringify(r.errors));
    assert.equal(r.imported, 3);
    const page = await engine.invoke('samples.list', { sort: 'source', limit: 10 });
    assert.deepEqual(page.rows.map((x) => x.unit).sort(), ['class Decoder', 'def decode', 'def fetch'].sort());
    for (const row of page.rows) assert.match(row.source, /codec\.py:\d+-\d+$/);
  } finally {
    await engine.close();
  }
  const { importSamples } = await import('../../electron/engine/use-cases/pipeline-steps.js');
  const again = await Engine.open({ dir: join(root, 'db') });
  try {
    const r2 = await importSamples(again.store, [pkg], { chunk: 'function' });
    assert.equal(r2.skipped, 2, 'both blank files are counted as skipped');
    assert.equal(r2.errorCount, 0);
    assert.equal(r2.duplicates, 3);
  } finally {
    await again.close();
  }
});

test('unitOf reads the head of a chunk in several languages and ignores anything else', () => {
  assert.equal(unitOf('def f(x):\n  return x'), 'def f');
  assert.equal(unitOf('@a\n@b(1)\nclass K(Base):\n  pass'), 'class K');
  assert.equal(unitOf('function go() {}'), 'function go');
  assert.equal(unitOf('x = 1\ndef later(): pass'), null);
});
