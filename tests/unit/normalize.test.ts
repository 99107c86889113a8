import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { normalizeContent, sampleIdOf } from '../../electron/engine/ingest/normalize.ts';
import { STDLIB } from '../support/temp.ts';

const reference = (t: string) =>
  t
    .replace(/\r\n?/g, '\n')
    .replace(/[ \t]+$/gm, '')
    .replace(/\n+$/, '');

test('normalization ignores line endings, trailing whitespace and trailing blank lines only', () => {
  for (const c of [
    'a\nb',
    'a \nb',
    'a\t\n',
    'x\r\ny',
    'x\n\n',
    'x',
    '',
    ' ',
    '\n',
    'a  b\n c',
    'a\r',
    'def f():\n    return 1\n',
    '\tx\n',
  ]) {
    assert.equal(normalizeContent(c), reference(c), JSON.stringify(c));
  }
  assert.equal(sampleIdOf('def f():\r\n    return 1  \r\n\r\n'), sampleIdOf('def f():\n    return 1'));
  assert.notEqual(sampleIdOf('def f():\n    return 1'), sampleIdOf('def f():\n  return 1'), 'indentation matters');
});

test('the fast path agrees with the reference on real stdlib files', () => {
  const dir = join(STDLIB, 'email');
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.py'))) {
    const t = readFileSync(join(dir, f), 'utf8');
    assert.equal(normalizeContent(t), reference(t), f);
  }
});
