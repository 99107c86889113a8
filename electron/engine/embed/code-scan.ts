import { includeRange, importStyle, jsSpecifierAt, moduleRange } from './code-scan-imports.js';
import { FNV_OFFSET, fnvStep } from './feature-hash.js';
import {
  emptyStats,
  H_NAME,
  H_PRINT,
  H_SELF,
  H_THIS,
  isDigit,
  isIdentPart,
  isIdentStart,
  isStringPrefix,
  isTestName,
  KEYWORDS,
  languageFamily,
  PROSE_COMMENT,
  PROSE_DOC,
  PROSE_STRING,
  TODO_RE,
  type CodeStats,
  type ScanSink,
} from './code-scan-lexicon.js';

export { languageFamily, PROSE_COMMENT, PROSE_DOC, PROSE_STRING } from './code-scan-lexicon.js';
export type { CodeStats, LanguageFamily, ScanSink } from './code-scan-lexicon.js';

/**
 * A single-pass lexical scanner over source text: it finds identifiers, keywords, comments,
 * docstrings, strings, numbers and lines, hands the interesting ranges to a sink and counts
 * everything the style features need (code-scan-lexicon.ts holds its tables).
 */
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
