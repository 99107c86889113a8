import { includeRange, importStyle, jsSpecifierAt, moduleRange } from './code-scan-imports.js';
import { FNV_OFFSET, fnvStep, fnvString } from './feature-hash.js';

/**
 * A single-pass lexical scanner over source text: it finds identifiers, keywords, comments,
 * docstrings, strings, numbers and lines, hands the interesting ranges to a sink and counts
 * everything the style features need. No regexes and no per-token strings on the hot path: the
 * embedder must sustain several MB/s on one core.
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

function emptyStats(): CodeStats {
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

const KEYWORDS: Record<LanguageFamily, KeywordTable> = {
  python: keywordTable(PY_KEYWORDS, false),
  c: keywordTable(C_KEYWORDS, false),
  hash: keywordTable(HASH_KEYWORDS, false),
  dash: keywordTable(DASH_KEYWORDS, true),
};
const H_SELF = fnvString('self', FNV_OFFSET, false) ^ 4;
const H_THIS = fnvString('this', FNV_OFFSET, false) ^ 4;
const H_PRINT = fnvString('print', FNV_OFFSET, false) ^ 5;
const H_NAME = fnvString('__name__', FNV_OFFSET, false) ^ 8;

function isIdentStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 36 || c > 127;
}
function isIdentPart(c: number): boolean {
  return isIdentStart(c) || (c >= 48 && c <= 57);
}
function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
function isStringPrefix(c: number): boolean {
  const l = c | 32;
  return l === 114 || l === 98 || l === 117 || l === 102; // r b u f
}

/** True when the identifier text[a, b) starts with `test` or `assert` (any case): test-suite code. */
function isTestName(text: string, a: number, b: number): boolean {
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

const TODO_RE = /\b(?:TODO|FIXME|XXX|HACK)\b/;

export function scanCode(text: string, language: string, sink: ScanSink): CodeStats {
  const family = languageFamily(language);
  const keywords = KEYWORDS[family];
  const py = family === 'python';
  const hashComments = family === 'python' || family === 'hash';
  const s = emptyStats();
  const n = text.length;
  s.chars = n;
  const unique = new Set<number>();

  // Physical line state.
  let lineStart = 0;
  let firstTok = -1;
  let lineCode = false;
  let lineComment = false;
  let lineDoc = false;
  // Logical line state (Python semantics; harmless elsewhere).
  let depth = 0;
  let logicalTokens = 0;
  let header = false;
  let lastSig = 0;
  let docExpected = true; // the module docstring may open the file
  let moduleLevel = true;
  let importPending = false;
  let prevKeyword = '';
  // Non-Python modules named by strings and `#include` (code-scan-imports.ts). Python is untouched.
  const style = py ? null : importStyle(language);
  /** Inside a statement that began with `import` (JavaScript, Go). */
  let importStmt = false;

  const endLine = (pos: number) => {
    let len = pos - lineStart;
    if (len > 0 && text.charCodeAt(pos - 1) === 13) len--;
    s.lines++;
    s.lineLenSum += len;
    s.lineLenSqSum += len * len;
    if (len > s.maxLineLen) s.maxLineLen = len;
    if (len > 79) s.longLines++;
    if (len > 120) s.veryLongLines++;
    if (lineCode) {
      s.codeLines++;
      if (lineComment) s.inlineCommentLines++;
      if (firstTok >= 0) {
        const ind = firstTok - lineStart;
        s.indentSum += ind;
        if (ind > s.maxIndent) s.maxIndent = ind;
        if (text.charCodeAt(lineStart) === 9) s.tabLines++;
      }
    } else if (lineDoc) s.docLines++;
    else if (lineComment) s.commentLines++;
    else s.blankLines++;
    lineStart = pos + 1;
    firstTok = -1;
    lineCode = lineComment = lineDoc = false;
  };
  const endLogical = () => {
    if (logicalTokens > 0) docExpected = py && header && lastSig === 58; // ':'
    logicalTokens = 0;
    header = false;
    importPending = false;
    importStmt = false;
  };
  const startToken = (pos: number) => {
    if (firstTok < 0) firstTok = pos;
    s.tokens++;
  };
  const comment = (a: number, b: number, doc: boolean) => {
    if (doc) {
      s.docstrings++;
      s.docChars += b - a;
      s.docWords += sink.prose(PROSE_DOC, a, b);
      if (moduleLevel) s.moduleDoc = 1;
    } else {
      s.comments++;
      s.commentChars += b - a;
      s.commentWords += sink.prose(PROSE_COMMENT, a, b);
    }
    if (TODO_RE.test(text.slice(a, b))) s.todos++;
  };

  if (n > 1 && text.charCodeAt(0) === 35 && text.charCodeAt(1) === 33) s.shebang = 1;
  for (let k = 0; k < n; k++) if (text.charCodeAt(k) > 127) s.nonAscii++;

  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 10) {
      endLine(i);
      if (depth === 0) endLogical();
      i++;
      continue;
    }
    if (c === 32 || c === 9 || c === 13 || c === 12) {
      i++;
      continue;
    }
    if (c === 92 && text.charCodeAt(i + 1) === 10) {
      endLine(i + 1);
      i += 2;
      continue;
    } // line continuation
    const c1 = text.charCodeAt(i + 1);

    // Line comments.
    if (
      (hashComments && c === 35) ||
      (family === 'c' && c === 47 && c1 === 47) ||
      (family === 'dash' && c === 45 && c1 === 45)
    ) {
      let j = i;
      while (j < n && text.charCodeAt(j) !== 10) j++;
      // `///` and `//!` are Rust/C# doc comments.
      const c2 = text.charCodeAt(i + 2);
      const doc = family === 'c' && (c2 === 47 || c2 === 33) && !lineCode;
      comment(i, j, doc);
      if (doc) lineDoc = true;
      else lineComment = true;
      i = j;
      continue;
    }
    // Block comments; `/**` is a doc comment (JSDoc, Javadoc).
    if (family === 'c' && c === 47 && c1 === 42) {
      const doc = text.charCodeAt(i + 2) === 42 && !lineCode;
      let j = i + 2;
      while (j < n && !(text.charCodeAt(j) === 42 && text.charCodeAt(j + 1) === 47)) {
        if (text.charCodeAt(j) === 10) {
          if (doc) lineDoc = true;
          else lineComment = true;
          endLine(j);
        }
        j++;
      }
      j = Math.min(n, j + 2);
      comment(i, j, doc);
      if (doc) lineDoc = true;
      else lineComment = true;
      i = j;
      continue;
    }

    let strStart = -1;
    if (c === 34 || c === 39 || (c === 96 && !py)) strStart = i;
    else if (py && isStringPrefix(c)) {
      // r"", b'', f"""...""", rb"" and friends: up to two prefix letters before the quote.
      if (c1 === 34 || c1 === 39) strStart = i + 1;
      else if (isStringPrefix(c1)) {
        const c2 = text.charCodeAt(i + 2);
        if (c2 === 34 || c2 === 39) strStart = i + 2;
      }
    }
    if (strStart >= 0) {
      startToken(i);
      const q = text.charCodeAt(strStart);
      const triple = py && text.charCodeAt(strStart + 1) === q && text.charCodeAt(strStart + 2) === q;
      const isDoc = py && docExpected && logicalTokens === 0;
      let j = strStart + (triple ? 3 : 1);
      for (;;) {
        if (j >= n) break;
        const d = text.charCodeAt(j);
        if (d === 92) {
          j += 2;
          continue;
        }
        if (d === 10) {
          if (!triple && q !== 96) break; // an unterminated one-line string ends at the newline
          if (isDoc) lineDoc = true;
          else lineCode = true;
          endLine(j);
          j++;
          continue;
        }
        if (d === q) {
          if (!triple) {
            j++;
            break;
          }
          if (text.charCodeAt(j + 1) === q && text.charCodeAt(j + 2) === q) {
            j += 3;
            break;
          }
        }
        j++;
      }
      j = Math.min(j, n);
      if (style === 'go' || style === 'js') {
        const viaCall = !importStmt && style === 'js' && jsSpecifierAt(text, strStart);
        if (importStmt || viaCall) {
          const r = moduleRange(text, strStart + 1, j - 1, style);
          if (r) sink.importName(r[0], r[1]);
          if (viaCall) s.imports++;
          // Go's `import ( "a" "b" )` names several; a JavaScript import statement names one.
          if (!(style === 'go' && depth > 0)) importStmt = false;
        }
      }
      if (isDoc) {
        comment(strStart, j, true);
        lineDoc = true;
      } else {
        s.strings++;
        s.stringChars += j - strStart;
        sink.prose(PROSE_STRING, strStart, j);
        lineCode = true;
      }
      logicalTokens++;
      docExpected = false;
      moduleLevel = false;
      lastSig = q;
      i = j;
      continue;
    }

    if (isDigit(c) || (c === 46 && isDigit(c1))) {
      startToken(i);
      let j = i + 1;
      while (j < n) {
        const d = text.charCodeAt(j);
        const prev = text.charCodeAt(j - 1) | 32;
        if (
          isIdentPart(d) ||
          d === 46 ||
          ((d === 43 || d === 45) && prev === 101 && (text.charCodeAt(i + 1) | 32) !== 120)
        )
          j++;
        else break;
      }
      s.numbers++;
      lineCode = true;
      logicalTokens++;
      docExpected = moduleLevel = false;
      lastSig = 48;
      i = j;
      continue;
    }

    if (isIdentStart(c)) {
      startToken(i);
      let j = i;
      let h = FNV_OFFSET;
      let multi = false;
      let prevLower = false;
      while (j < n) {
        const d = text.charCodeAt(j);
        if (!isIdentPart(d)) break;
        h = fnvStep(h, d);
        const upper = d >= 65 && d <= 90;
        if (
          (upper && prevLower) ||
          (d === 95 &&
            j > i &&
            j + 1 < n &&
            isIdentPart(text.charCodeAt(j + 1)) &&
            text.charCodeAt(j + 1) !== 95 &&
            text.charCodeAt(j - 1) !== 95)
        )
          multi = true;
        prevLower = d >= 97 && d <= 122;
        j++;
      }
      const len = j - i;
      const key = h ^ len;
      const kw = keywords.get(key);
      lineCode = true;
      if (kw !== undefined && kw.length === len) {
        s.keywords++;
        sink.keyword(kw);
        if (kw === 'def' || kw === 'function' || kw === 'func' || kw === 'fn') {
          s.defs++;
          if (logicalTokens <= 1) header = true;
        } else if (kw === 'class') {
          s.classes++;
          if (logicalTokens <= 1) header = true;
        } else if (kw === 'lambda') s.lambdas++;
        else if (kw === 'return') s.returns++;
        else if (kw === 'assert') s.asserts++;
        else if (
          (kw === 'import' || kw === 'from' || kw === 'require' || kw === 'use' || kw === 'library') &&
          logicalTokens === 0
        ) {
          s.imports++;
          importPending = true;
          if (kw === 'import' && style) importStmt = true;
        }
        prevKeyword = kw;
      } else {
        let k = j;
        while (k < n && (text.charCodeAt(k) === 32 || text.charCodeAt(k) === 9)) k++;
        const isCall = text.charCodeAt(k) === 40;
        s.identifiers++;
        s.identLenSum += len;
        if (len === 1) s.singleLetter++;
        if (multi) s.multiWord++;
        if (key === H_SELF || key === H_THIS) s.selfRefs++;
        if (key === H_PRINT && isCall) s.prints++;
        if (key === H_NAME && prevKeyword === 'if') s.mainGuard = 1;
        if (isTestName(text, i, j)) s.testIdents++;
        unique.add(key);
        if (importPending) {
          sink.importName(i, j);
          importPending = false;
        }
        sink.identifier(i, j, isCall);
        prevKeyword = '';
      }
      logicalTokens++;
      docExpected = moduleLevel = false;
      lastSig = 97;
      i = j;
      continue;
    }

    // Operators and punctuation.
    if (c === 35 && style === 'include' && firstTok < 0) {
      const r = includeRange(text, i);
      if (r) {
        sink.importName(r[0], r[1]);
        s.imports++;
      }
    }
    startToken(i);
    lineCode = true;
    s.operators++;
    if (c === 40 || c === 91 || c === 123) depth++;
    else if ((c === 41 || c === 93 || c === 125) && depth > 0) depth--;
    else if (c === 45 && c1 === 62) {
      s.arrows++;
      i++;
    } else if (c === 64 && logicalTokens === 0) s.decorators++;
    else if (c === 59 && depth === 0 && !py) endLogical();
    logicalTokens++;
    docExpected = moduleLevel = false;
    lastSig = c;
    i++;
  }
  if (lineStart < n || n === 0) endLine(n);
  s.uniqueIdents = unique.size;
  return s;
}
