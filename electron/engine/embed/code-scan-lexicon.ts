import { FNV_OFFSET, fnvString } from './feature-hash.js';

/**
 * The lexicon of the code scanner (code-scan.ts): language families, keyword tables looked up by
 * raw hash, character classes and the statistics it counts. No regexes and no per-token strings
 * on the hot path: the embedder must sustain several MB/s on one core.
 */

/** Comment and string syntax shared by a group of languages. */
export type LanguageFamily = 'python' | 'hash' | 'c' | 'dash';

const FAMILY: Record<string, LanguageFamily> = {
  python: 'python',
  ruby: 'hash',
  shell: 'hash',
  r: 'hash',
  perl: 'hash',
  julia: 'hash',
  yaml: 'hash',
  lua: 'dash',
  sql: 'dash',
};

export function languageFamily(language: string): LanguageFamily {
  return FAMILY[language.toLowerCase()] ?? 'c';
}

export const PROSE_DOC = 0;
export const PROSE_COMMENT = 1;
export const PROSE_STRING = 2;

export interface ScanSink {
  identifier(start: number, end: number, isCall: boolean): void;
  keyword(word: string): void;
  /** The first name after `import` / `from` (the top-level module). */
  importName(start: number, end: number): void;
  /** Hashes the words in a comment, docstring or string; returns how many it saw. */
  prose(kind: number, start: number, end: number): number;
}

export interface CodeStats {
  chars: number;
  lines: number;
  blankLines: number;
  commentLines: number;
  docLines: number;
  codeLines: number;
  inlineCommentLines: number;
  lineLenSum: number;
  lineLenSqSum: number;
  maxLineLen: number;
  longLines: number;
  veryLongLines: number;
  indentSum: number;
  maxIndent: number;
  tabLines: number;
  tokens: number;
  identifiers: number;
  identLenSum: number;
  singleLetter: number;
  multiWord: number;
  uniqueIdents: number;
  testIdents: number;
  selfRefs: number;
  keywords: number;
  numbers: number;
  strings: number;
  stringChars: number;
  operators: number;
  comments: number;
  commentChars: number;
  commentWords: number;
  docstrings: number;
  docChars: number;
  docWords: number;
  moduleDoc: number;
  defs: number;
  classes: number;
  lambdas: number;
  returns: number;
  asserts: number;
  prints: number;
  imports: number;
  arrows: number;
  decorators: number;
  mainGuard: number;
  todos: number;
  nonAscii: number;
  shebang: number;
}

export function emptyStats(): CodeStats {
  return {
    chars: 0,
    lines: 0,
    blankLines: 0,
    commentLines: 0,
    docLines: 0,
    codeLines: 0,
    inlineCommentLines: 0,
    lineLenSum: 0,
    lineLenSqSum: 0,
    maxLineLen: 0,
    longLines: 0,
    veryLongLines: 0,
    indentSum: 0,
    maxIndent: 0,
    tabLines: 0,
    tokens: 0,
    identifiers: 0,
    identLenSum: 0,
    singleLetter: 0,
    multiWord: 0,
    uniqueIdents: 0,
    testIdents: 0,
    selfRefs: 0,
    keywords: 0,
    numbers: 0,
    strings: 0,
    stringChars: 0,
    operators: 0,
    comments: 0,
    commentChars: 0,
    commentWords: 0,
    docstrings: 0,
    docChars: 0,
    docWords: 0,
    moduleDoc: 0,
    defs: 0,
    classes: 0,
    lambdas: 0,
    returns: 0,
    asserts: 0,
    prints: 0,
    imports: 0,
    arrows: 0,
    decorators: 0,
    mainGuard: 0,
    todos: 0,
    nonAscii: 0,
    shebang: 0,
  };
}

const PY_KEYWORDS =
  'False None True and as assert async await break class continue def del elif else except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield';
const C_KEYWORDS =
  'if else for while do switch case default break continue return function class const let var new this import export from public private protected static final void int char float double long short unsigned signed bool boolean true false null nullptr undefined struct enum interface extends implements try catch finally throw throws typeof instanceof package namespace using fn func def mut impl trait pub use mod match go defer chan select type val object override async await yield in of is as assert lambda';
const HASH_KEYWORDS =
  'def end if elsif elif else unless while until for in do then fi done case esac function return module class require local begin rescue ensure yield true false nil TRUE FALSE NULL library lambda assert import from';
const DASH_KEYWORDS =
  'function end local if then else elseif for while do return nil true false and or not select from where insert update delete create table join group order by as on into values set';

type KeywordTable = Map<number, string>;

/** Keywords looked up by raw (case-sensitive) FNV hash and length, so scanning never slices strings. */
function keywordTable(words: string, bothCases: boolean): KeywordTable {
  const t: KeywordTable = new Map();
  for (const w of words.split(' ')) {
    t.set(fnvString(w, FNV_OFFSET, false) ^ w.length, w);
    if (bothCases) t.set(fnvString(w.toUpperCase(), FNV_OFFSET, false) ^ w.length, w);
  }
  return t;
}

export const KEYWORDS: Record<LanguageFamily, KeywordTable> = {
  python: keywordTable(PY_KEYWORDS, false),
  c: keywordTable(C_KEYWORDS, false),
  hash: keywordTable(HASH_KEYWORDS, false),
  dash: keywordTable(DASH_KEYWORDS, true),
};
export const H_SELF = fnvString('self', FNV_OFFSET, false) ^ 4;
export const H_THIS = fnvString('this', FNV_OFFSET, false) ^ 4;
export const H_PRINT = fnvString('print', FNV_OFFSET, false) ^ 5;
export const H_NAME = fnvString('__name__', FNV_OFFSET, false) ^ 8;

export function isIdentStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 36 || c > 127;
}
export function isIdentPart(c: number): boolean {
  return isIdentStart(c) || (c >= 48 && c <= 57);
}
export function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
export function isStringPrefix(c: number): boolean {
  const l = c | 32;
  return l === 114 || l === 98 || l === 117 || l === 102; // r b u f
}

/** True when the identifier text[a, b) starts with `test` or `assert` (any case): test-suite code. */
export function isTestName(text: string, a: number, b: number): boolean {
  const lower = (i: number) => text.charCodeAt(a + i) | 32;
  if (b - a >= 4 && lower(0) === 116 && lower(1) === 101 && lower(2) === 115 && lower(3) === 116) return true;
  return (
    b - a >= 6 &&
    lower(0) === 97 &&
    lower(1) === 115 &&
    lower(2) === 115 &&
    lower(3) === 101 &&
    lower(4) === 114 &&
    lower(5) === 116
  );
}

export const TODO_RE = /\b(?:TODO|FIXME|XXX|HACK)\b/;
