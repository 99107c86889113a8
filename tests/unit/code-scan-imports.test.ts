import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { scanCode, type ScanSink } from '../../electron/engine/embed/code-scan.ts';
import { createHashEmbedder } from '../../electron/engine/embed/hash-embedder.ts';
import { importsOfSample } from '../../electron/engine/ingest/imports.ts';

// The hash embedder's import features for languages whose imports are strings or `#include`
// lines: the scanner must name the same modules the syntax tree does (the imports chart).
function scannedImports(text: string, language: string) {
  const names = new Set<string>();
  const sink: ScanSink = {
    identifier() {},
    keyword() {},
    importName: (a, b) => void names.add(text.slice(a, b)),
    prose: () => 0,
  };
  const stats = scanCode(text, language, sink);
  return { names, imports: stats.imports };
}

const JS = `import fs from 'node:fs';
import { z } from "zod";
import * as fp from 'lodash/fp';
import {
  a,
  b,
} from '@scope/pkg/deep/path';
import './side-effect.css';
export * from '@other/lib';
export const label = 'from';
const yaml = require('js-yaml');
const rel = require('./local');
const lazy = await import('chalk');
const chars = Array.from('abc');
console.log('import', "require('nope')");
`;

const GO = `package main

import "fmt"

import (
\t"net/http"
\tstr "strings"
\t_ "github.com/lib/pq"
)

func main() {
\tfmt.Println(str.ToUpper("import"))
\t_ = http.StatusOK
}
`;

const C = `#include <stdio.h>
#include "foo/bar.h"
#  include <sys/types.h>
#define NAME "include <not.h>"
#import <Foundation/Foundation.h>
int main(void) { printf("#include <no.h>\\n"); return 0; }
`;

test('JavaScript: module specifiers name the package, as the syntax tree does', async () => {
  const { names } = scannedImports(JS, 'javascript');
  const tree = await importsOfSample(JS, 'javascript');
  for (const m of tree) assert.ok(names.has(m), `scanner misses ${m}: ${[...names].join(', ')}`);
  for (const m of ['fs', 'zod', 'lodash', '@scope/pkg', '@other/lib', 'js-yaml', 'chalk'])
    assert.ok(names.has(m), `missing ${m}`);
  for (const m of ['./side-effect.css', './local', 'abc', 'from', 'import', "require('nope')", 'nope'])
    assert.ok(!names.has(m), `${m} is not an import`);
});

test('Go: single, grouped and aliased imports name the import path', async () => {
  const { names } = scannedImports(GO, 'go');
  const tree = await importsOfSample(GO, 'go');
  assert.deepEqual(tree, ['fmt', 'github.com/lib/pq', 'net/http', 'strings']);
  for (const m of tree) assert.ok(names.has(m), `scanner misses ${m}: ${[...names].join(', ')}`);
  assert.ok(!names.has('import'), 'a string in the body is not an import');
});

test('C and C++: #include lines name the header; strings and #define do not', async () => {
  const { names, imports } = scannedImports(C, 'c');
  assert.deepEqual([...names].sort(), ['Foundation/Foundation.h', 'foo/bar.h', 'stdio.h', 'sys/types.h']);
  assert.equal(imports, 4);
  const tree = await importsOfSample(C, 'c');
  for (const m of tree) assert.ok(names.has(m), `scanner misses ${m}`);
  assert.deepEqual([...scannedImports(C, 'cpp').names].sort(), [...names].sort());
});

test('the import features move the vector: two Go files differing only in an import differ', () => {
  const e = createHashEmbedder();
  const a = e.embedOne({ text: GO, language: 'go', astCounts: {} });
  const b = e.embedOne({ text: GO.replace('"net/http"', '"net/url"'), language: 'go', astCounts: {} });
  const cos = a.reduce((acc, x, i) => acc + x * b[i], 0);
  assert.ok(cos < 0.9999, `cosine ${cos}`);
});

test('Python and Java vectors are exactly what they were before these features', () => {
  // Golden digests taken before the string / #include import features were added.
  const e = createHashEmbedder();
  const digest = (text: string, language: string) =>
    createHash('sha256')
      .update(Buffer.from(e.embedOne({ text, language, astCounts: {} }).buffer))
      .digest('hex');
  const py =
    'import os\nfrom collections import OrderedDict\n\ndef f(x):\n    """Doc."""\n    return os.path.join(x, "a")  # c\n';
  assert.equal(digest(py, 'python'), '17a88c8c25aa12662fea0e90ae441f847cc4ffcad2a5419685156b7afbdeac85');
  const java = 'import java.util.List;\nclass A { int f() { return 1; } }\n';
  assert.equal(digest(java, 'java'), '10d494116c2f930cb974a724dd697fe367f3ebf4af5c6acdfe40409da5347d86');
});
