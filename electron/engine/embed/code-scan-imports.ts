/**
 * Import names that live in string literals and preprocessor lines, for the scanner's non-Python
 * languages: `import x from 'pkg'`, `require('pkg')`, Go's `import "net/http"` and C's
 * `#include <stdio.h>`. The names match what the syntax-tree imports (ingest/code-imports.ts)
 * call them, so the embedder's import features and the imports chart speak of the same modules.
 * All functions work on positions in the text: the scanner never slices strings on its hot path.
 *
 * NOTE: this changes vectors of JavaScript, TypeScript, Go and C/C++ samples only (a golden test
 * pins Python's and Java's), in the same release that gave those languages grammars and node
 * kinds (style-features.ts), so HASH_EMBEDDER_VERSION stays at 1.
 */

const JS_LANGUAGES = new Set(['javascript', 'typescript', 'js', 'jsx', 'ts', 'tsx', 'mjs', 'cjs']);
const INCLUDE_LANGUAGES = new Set(['c', 'cpp', 'c++', 'objective-c', 'objc', 'cuda']);

export type ImportStyle = 'js' | 'go' | 'include' | null;

export function importStyle(language: string): ImportStyle {
  const l = language.toLowerCase();
  if (JS_LANGUAGES.has(l)) return 'js';
  if (l === 'go') return 'go';
  if (INCLUDE_LANGUAGES.has(l)) return 'include';
  return null;
}

function isIdentPart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 36 || c > 127;
}

function skipSpaceBack(text: string, pos: number): number {
  let k = pos - 1;
  while (k >= 0) {
    const c = text.charCodeAt(k);
    if (c !== 32 && c !== 9 && c !== 10 && c !== 13) break;
    k--;
  }
  return k;
}

/** True when `word` ends right before `pos` (spaces allowed between) and is a whole word. */
function wordBefore(text: string, pos: number, word: string): boolean {
  const k = skipSpaceBack(text, pos);
  const a = k - word.length + 1;
  if (a < 0 || text.slice(a, k + 1) !== word) return false;
  return a === 0 || !isIdentPart(text.charCodeAt(a - 1));
}

/**
 * True when the string literal opening at `quote` is a JavaScript module specifier outside an
 * `import` statement: `export ... from 'p'`, `require('p')` or `import('p')`.
 */
export function jsSpecifierAt(text: string, quote: number): boolean {
  if (wordBefore(text, quote, 'from')) return true;
  const k = skipSpaceBack(text, quote);
  if (k < 0 || text.charCodeAt(k) !== 40) return false; // '('
  return wordBefore(text, k, 'require') || wordBefore(text, k, 'import');
}

/**
 * The module a string literal's contents [a, b) name, as [start, end), or null for none: for
 * JavaScript the package (`lodash/fp` -> `lodash`, `@scope/pkg/x` -> `@scope/pkg`, `node:fs` ->
 * `fs`; relative and absolute paths name no package), for Go the whole import path.
 */
export function moduleRange(text: string, a: number, b: number, style: ImportStyle): [number, number] | null {
  if (b <= a) return null;
  if (style !== 'js') return [a, b];
  const c = text.charCodeAt(a);
  if (c === 46 || c === 47) return null; // './x', '/x'
  if (text.startsWith('node:', a)) a += 5;
  let slashes = text.charCodeAt(a) === 64 ? 2 : 1; // '@scope/pkg'
  let e = a;
  while (e < b) {
    if (text.charCodeAt(e) === 47 && --slashes === 0) break;
    e++;
  }
  return e > a ? [a, e] : null;
}

/**
 * For a `#` at `hash`: the header of an `#include` / `#import` line as [start, end), or null.
 * `#include <stdio.h>` gives `stdio.h`, `#include "foo/bar.h"` gives `foo/bar.h`.
 */
export function includeRange(text: string, hash: number): [number, number] | null {
  let k = hash + 1;
  const n = text.length;
  while (k < n && (text.charCodeAt(k) === 32 || text.charCodeAt(k) === 9)) k++;
  const word = text.startsWith('include', k) ? 7 : text.startsWith('import', k) ? 6 : 0;
  if (!word || isIdentPart(text.charCodeAt(k + word))) return null;
  k += word;
  while (k < n && (text.charCodeAt(k) === 32 || text.charCodeAt(k) === 9)) k++;
  const open = text.charCodeAt(k);
  const close = open === 60 ? 62 : open === 34 ? 34 : -1; // <...> or "..."
  if (close < 0) return null;
  const a = k + 1;
  let e = a;
  while (e < n && text.charCodeAt(e) !== close && text.charCodeAt(e) !== 10) e++;
  if (e >= n || text.charCodeAt(e) !== close) return null;
  let s = a;
  let t = e;
  while (s < t && text.charCodeAt(s) === 32) s++;
  while (t > s && text.charCodeAt(t - 1) === 32) t--;
  return t > s ? [s, t] : null;
}
