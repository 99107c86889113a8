import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { chunkCode } from '../../electron/engine/ingest/code-parser.ts';
import { hasGrammar, type CodeLanguage } from '../../electron/engine/ingest/grammars.ts';
import { languageFromPath, languageOfRow, normalizeLanguage } from '../../electron/engine/ingest/languages.ts';
import { importsOfSample } from '../../electron/engine/ingest/imports.ts';
import { detectLanguage } from '../../electron/engine/ingest/detect-language.ts';
import { createHashEmbedder, STYLE_BLOCK } from '../../electron/engine/embed/hash-embedder.ts';
import { styleIndex } from '../../electron/engine/embed/style-features.ts';

const DIR = join(import.meta.dirname, '../fixtures/languages');
const read = (f: string) => readFileSync(join(DIR, f), 'utf8');

/** Each team-written fixture's top-level units [kind, name, first line, last line] and its imports. */
const EXPECTED: Record<string, { units: [string, string, number, number][]; imports: string[] }> = {
  'shapes.js': {
    units: [
      ['function', 'area', 6, 8],
      ['class', 'Square', 10, 17],
      ['function', 'perimeter', 19, 19],
      ['function', 'ids', 21, 24],
    ],
    // `./local-path.js` is relative: no package.
    imports: ['assert', 'chalk'],
  },
  'store.ts': {
    units: [
      ['class', 'Store', 11, 13],
      ['class', 'MemoryStore', 15, 20],
      // The overload signature on line 22 is not a unit; the implementation is.
      ['function', 'parse', 23, 25],
      ['function', 'open', 27, 31],
    ],
    imports: ['@lancedb/lancedb', 'stream', 'zod'],
  },
  'Inventory.java': {
    units: [
      ['class', 'Inventory', 8, 20],
      ['interface', 'Priced', 22, 24],
      ['enum', 'Size', 26, 26],
    ],
    imports: ['java.util', 'java.util.concurrent', 'org.junit'],
  },
  'server.go': {
    units: [
      ['type', 'Server', 11, 13],
      ['type', 'Handler, Port', 15, 18],
      ['function', 'New', 20, 22],
      ['method', 'Health', 24, 27],
    ],
    imports: ['fmt', 'github.com/sirupsen/logrus', 'net/http'],
  },
  'geometry.rs': {
    units: [
      // The `#[derive(...)]` line belongs to the struct.
      ['struct', 'Point', 7, 11],
      ['enum', 'Shape', 13, 16],
      ['trait', 'Area', 18, 20],
      ['impl', 'Area for Shape', 22, 29],
      ['impl', 'fmt::Display for Point', 31, 35],
      ['function', 'origin', 37, 39],
    ],
    // `crate::` is this crate; `mod tests { fn inner }` is not top-level.
    imports: ['alloc', 'serde', 'std'],
  },
  'buffer.c': {
    units: [
      // Inside the `#ifndef` guard: a preprocessor conditional is not a unit boundary.
      ['struct', 'buffer', 9, 12],
      ['struct', 'buffer_opts', 14, 16],
      ['function', 'grow', 18, 23],
      ['function', 'buffer_new', 27, 29],
    ],
    imports: ['buffer.h', 'stdlib.h', 'string.h'],
  },
  'matrix.cpp': {
    units: [
      ['class', 'Matrix', 8, 15],
      ['function', 'square', 17, 20],
      ['struct', 'Point', 24, 26],
      ['function', 'trace', 28, 32],
    ],
    imports: ['cstddef', 'matrix.hpp', 'vector'],
  },
  'helpers.py': {
    units: [
      ['function', 'join', 6, 7],
      ['class', 'Cache', 10, 11],
    ],
    imports: ['collections', 'os'],
  },
};

test('every fixture is checked, and each language has a grammar', () => {
  assert.deepEqual(readdirSync(DIR).sort(), Object.keys(EXPECTED).sort());
  for (const f of Object.keys(EXPECTED)) assert.ok(hasGrammar(languageFromPath(f)), f);
});

for (const [file, want] of Object.entries(EXPECTED)) {
  test(`${file}: exact top-level units, file imports and node kinds`, async () => {
    const text = read(file);
    const lang = languageFromPath(file) as CodeLanguage;
    const units = await chunkCode(text, lang, 'function');
    assert.deepEqual(
      units.map((u) => [u.kind, u.name, u.startLine, u.endLine]),
      want.units,
    );
    const lines = text.split('\n');
    for (const u of units) {
      assert.equal(u.text, text.slice(u.start, u.end));
      // A chunk starts at the start of its first line and ends on its last line's code.
      assert.ok(lines[u.startLine! - 1].startsWith(u.text.split('\n')[0]), `${u.name} starts at its line`);
      assert.ok(Object.keys(u.astCounts).length > 3, `${u.name} has node kinds`);
    }
    const [whole] = await chunkCode(text, lang, 'file');
    assert.deepEqual(whole.imports, want.imports);
    assert.equal(whole.astCounts.ERROR, undefined, `${file} parses without errors`);
    // The same imports come from the whole-sample path (used for samples imported whole, and old datasets).
    assert.deepEqual(await importsOfSample(text, lang), want.imports);
  });
}

test('a function chunk carries only the imports inside it', async () => {
  const units = await chunkCode(
    'function a() { return require("left-pad"); }\nfunction b() { return 1; }\n',
    'javascript',
    'function',
  );
  assert.deepEqual(
    units.map((u) => u.imports),
    [['left-pad'], []],
  );
});

test('TSX parses: a .tsx component is not a syntax error', async () => {
  const text = 'export function Hello(p: { name: string }) {\n  return <div className="x">{p.name}</div>;\n}\n';
  const [u] = await chunkCode(text, 'typescript', 'function');
  assert.equal(u.name, 'Hello');
  assert.equal(u.astCounts.ERROR, undefined);
  assert.ok(u.astCounts.jsx_element);
});

test('language: extension first, then the row field (aliases normalised), .h settled by the field', () => {
  assert.equal(languageOfRow('src/a.go', 'Python'), 'go');
  assert.equal(languageOfRow(null, 'C++'), 'cpp');
  assert.equal(languageOfRow(null, 'JavaScript'), 'javascript');
  assert.equal(languageOfRow('x/y', 'golang'), 'go');
  assert.equal(languageOfRow('inc/a.h', 'C++'), 'cpp');
  assert.equal(languageOfRow('inc/a.h', null), 'c');
  assert.equal(languageOfRow('inc/a.h', 'Rust'), 'c');
  assert.equal(languageOfRow(null, null), null);
  assert.equal(normalizeLanguage(' TS '), 'typescript');
  assert.equal(normalizeLanguage('cobol'), 'cobol');
});

test('the content check names each fixture language from its text alone, and leaves prose as text', async () => {
  for (const f of Object.keys(EXPECTED)) assert.equal(await detectLanguage(read(f), null), languageFromPath(f), f);
  assert.equal(await detectLanguage('This is a README.\n\nIt explains things and has no code.\n', null), 'text');
  assert.equal(await detectLanguage('hello', null), 'text');
  // Not code, with an unknown extension: the extension stays the language, as before.
  assert.equal(await detectLanguage('Dear diary, today I wrote no code at all.\n', 'notes.txt'), 'txt');
});

test('the hash embedder sees functions, calls, comments and control flow in every language', async () => {
  const embedder = createHashEmbedder();
  const at = (v: Float32Array, name: Parameters<typeof styleIndex>[0]) => v[styleIndex(name)];
  const vectors = new Map<string, Float32Array>();
  for (const f of Object.keys(EXPECTED)) {
    const lang = languageFromPath(f) as CodeLanguage;
    const text = read(f);
    const [whole] = await chunkCode(text, lang, 'file');
    const v = embedder.embedOne({ text, language: lang, astCounts: whole.astCounts });
    vectors.set(f, v);
    assert.ok(at(v, 'ast_available') > 0, `${f}: node kinds reach the style block`);
    assert.ok(at(v, 'ast_function_ratio') > 0, `${f}: functions seen in the tree`);
    assert.ok(at(v, 'ast_comment_ratio') > 0, `${f}: comments seen in the tree`);
    assert.ok(at(v, 'ast_string_ratio') > 0 || f === 'geometry.rs' || f === 'Inventory.java', `${f}: strings`);
    if (f !== 'Inventory.java' && f !== 'helpers.py')
      assert.ok(at(v, 'ast_call_ratio') > 0 || at(v, 'ast_control_ratio') > 0, `${f}: calls or control flow`);
    assert.ok(
      at(v, 'comment_char_ratio') > 0 || at(v, 'docstring_char_ratio') > 0,
      `${f}: the scanner reads its comments (Javadoc and Rust's //! are documentation)`,
    );
  }
  // The same text embeds the same way whether or not it is parsed, except for the tree's share:
  // a Go sample with its node kinds is nearer another Go sample's vector than one without them.
  const cos = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i], 0);
  const go = vectors.get('server.go')!;
  const goNoAst = embedder.embedOne({ text: read('server.go'), language: 'go', astCounts: {} });
  assert.ok(cos(go, goNoAst) < 0.999, 'node kinds change the vector');
  assert.ok(go.length > STYLE_BLOCK);
});
