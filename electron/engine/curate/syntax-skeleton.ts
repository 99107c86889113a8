import { fnv1a32 } from './hashing.js';
import { BUILTINS } from './syntax-tokens.js';
import { stringRun } from './skeleton-strings.js';

/**
 * A sound pre-filter for the `ast` contamination match (syntax-match.ts) that needs no parse.
 *
 * The skeleton of a syntax-normalized token stream (syntax-tokens.ts) keeps what a plain lexer can
 * see the same way tree-sitter does: keywords, builtins and attribute names stay, every other name
 * is `$` (and so are the soft keywords, names or keywords depending on the place), every string
 * is `s` and every number `n`, operators stay; parentheses, commas, braces and line continuations
 * are dropped, and `...` is three dots. The lexer drops a string statement (a docstring) as the
 * normalization does, and reads a name after a dot as a name, not an attribute, in an import
 * statement (tree-sitter's `dotted_name`). It maps each normalized token to a fixed
 * sequence, so a gram (10 consecutive normalized tokens) of a sample maps to a contiguous window
 * of the sample's skeleton. `lexSkeleton` computes that skeleton straight from the text.
 *
 * Hence: a benchmark function's gram can be in a sample only if the gram's skeleton is a window
 * of the sample's skeleton. Counting, per benchmark function, the grams whose skeleton is there
 * over-counts the grams the sample really shares, so a sample the count rules out cannot match,
 * and its parse is skipped. On the standard library about 1 in 10 functions pass it against the
 * stdlib benchmark (tests/bench/RESULTS.md).
 *
 * The lexer gives up (null: the sample is parsed) on anything it cannot read exactly as
 * tree-sitter-python does: characters outside ASCII or Python's alphabet outside strings and
 * comments, an unterminated string, a backslash not ending a line, and an f-string whose
 * replacement field holds its own quote (Python 3.12's nesting). Its agreement with the parser is
 * tested over the standard library (tests/unit/syntax-skeleton.test.ts).
 */

/** Words tree-sitter-python never takes for a name: kept as themselves. */
const KEYWORDS = new Set(
  (
    'False None True and as assert break class continue def del elif else except finally for from ' +
    'global if import in is lambda nonlocal not or pass raise return try while with yield'
  ).split(' '),
);

/**
 * The grammar's other words: names in one place, keywords in another (`print` in Python 2, `async`
 * before 3.7, `match`, `type`, `_`), so always `$`.
 */
const SOFT = new Set(['_', '__future__', 'async', 'await', 'case', 'exec', 'match', 'print', 'type']);

const symbolIds = new Map<string, number>();
/** A skeleton symbol's number: a hash of its text, so every thread numbers it alike. */
export function symbolId(s: string): number {
  let id = symbolIds.get(s);
  if (id === undefined) symbolIds.set(s, (id = fnv1a32(s) | 0));
  return id;
}

/** Symbols as text, for messages and tests. */
export function skeletonText(symbols: readonly number[]): string {
  const names = new Map([...symbolIds].map(([text, id]) => [id, text]));
  return symbols.map((s) => names.get(s) ?? '?').join(' ');
}

const NAME = symbolId('$');
const NUMBER = symbolId('n');
const STRING = symbolId('s');
const DOT = symbolId('.');
const WORD = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Appends the skeleton of one normalized token (syntax-tokens.ts) to `out`. */
export function skeletonOfToken(t: string, out: number[]): void {
  const c = t.charCodeAt(0);
  if (t === '(' || t === ')' || t === ',' || t === '{' || t === '}') return;
  if (c === 36 /* $ */) out.push(NAME);
  else if (c === 92 /* \ */) return;
  else if (t.startsWith('s:')) out.push(STRING);
  else if (t.startsWith('n:')) out.push(NUMBER);
  else if (WORD.test(t)) out.push(SOFT.has(t) ? NAME : symbolId(t));
  else if (t === '...') out.push(DOT, DOT, DOT);
  else out.push(symbolId(t));
}

/** Operators the lexer knows, longest first within each first character. */
const OPERATORS = [
  '**=',
  '//=',
  '>>=',
  '<<=',
  '!=',
  '==',
  '<=',
  '>=',
  '<>',
  '->',
  ':=',
  '**',
  '//',
  '<<',
  '>>',
  '+=',
  '-=',
  '*=',
  '/=',
  '%=',
  '&=',
  '|=',
  '^=',
  '@=',
  '+',
  '-',
  '*',
  '/',
  '%',
  '@',
  '&',
  '|',
  '^',
  '~',
  '<',
  '>',
  '=',
  ':',
  ';',
  '[',
  ']',
];
const OPS_BY_CHAR = new Map<number, { text: string; id: number }[]>();
for (const op of OPERATORS) {
  const list = OPS_BY_CHAR.get(op.charCodeAt(0)) ?? [];
  list.push({ text: op, id: symbolId(op) });
  OPS_BY_CHAR.set(op.charCodeAt(0), list);
}

const NUMBER_RE =
  /(?:0[xX](?:_?[0-9a-fA-F])+[lL]?|0[oO](?:_?[0-7])+[lL]?|0[bB](?:_?[01])+[lL]?|(?:(?:\d(?:_?\d)*)?\.\d(?:_?\d)*|\d(?:_?\d)*\.?)(?:[eE][+-]?\d(?:_?\d)*)?[jJlL]?)/y;
const NAME_RE = /[A-Za-z_][A-Za-z0-9_]*/y;

const isSpace = (c: number) => c === 32 || c === 9 || c === 10 || c === 13 || c === 12 || c === 11;

/** A text's skeleton and where its functions lie in it. */
export interface TextSkeleton {
  symbols: number[];
  /**
   * Symbol ranges [start, end) as pairs: one per `def`, from its line's first symbol to the first
   * later line indented no deeper (a superset of the function's tokens), or the whole text when it
   * defines no function (the match's units: syntax-tokens.ts).
   */
  regions: number[];
}

const DEF = symbolId('def');

/** Keywords that only start a statement (`for` also in a comprehension, `import` after `from`). */
const STATEMENT_KEYWORDS = new Set(
  'class elif while with try except finally return pass break continue raise global nonlocal del assert for import'.split(
    ' ',
  ),
);

/** Soft keywords a name may follow. */
const LEADING_SOFT = new Set(['print', 'exec', 'match', 'case', 'type', 'async', 'await']);

/** Operators no statement starts with. */
const NOT_LEADING = new Set(
  '= : ; == != <= >= < > / // % | & ^ << >> -> += -= *= /= %= &= |= ^= @= **= //= >>= <<= := ** <>'.split(' '),
);

/**
 * The skeleton of a Python text, or null when the lexer cannot vouch that it reads the text as
 * tree-sitter would (the caller then parses it). Beyond the characters it does not know, that
 * includes indentation it cannot place: a tab in it, an indent after a line that does not end
 * in `:`, a dedent to a depth no enclosing line had, a `def` that does not start its line or
 * has no `:` and body, a carriage return alone (tree-sitter does not end a line there), and
 * code that cannot parse cleanly as far as a lexer sees it: a statement keyword or an operator
 * where no statement can have one (prose, a chunk cut mid-statement), which tree-sitter's error
 * recovery reads in its own way.
 */
export function lexSkeleton(text: string): TextSkeleton | null {
  if (/\r(?!\n)/.test(text)) return null;
  const out: number[] = [];
  const regions: number[] = [];
  /** Open `def` regions: indentation and first symbol, innermost last. */
  const open: { indent: number; start: number }[] = [];
  /** Indentation of the enclosing lines, as Python keeps it; the first line's is the base. */
  const indents: number[] = [];
  const n = text.length;
  let i = 0;
  let depth = 0;
  let newLine = true;
  let lineIndent = 0;
  /** Symbol index where the current logical line starts, and whether it started with `async`. */
  let lineFirst = 0;
  let lineStartPos = 0;
  let lastColon = false;
  let sawDef = false;
  /** A statement may start here (line start, after `;`), or a block's may (after `:`, 'colon'). */
  let stmtStart: false | 'line' | 'colon' = 'line';
  /** In an import statement: a name after a dot is a name (dotted_name), not an attribute. */
  let importStmt = false;
  /** The logical line starts with `case` (a match pattern may hold a dotted_name). */
  let caseLine = false;
  let prevDot = false;
  /** The last token was a name no other name may follow (two in a row: prose, not code). */
  let prevName = false;
  /** `async` just began a statement (`async def / for / with`). */
  let prevAsync = false;
  /**
   * The last `def`: 3 until its name, 4 until the `(` or `[` after it, 1 until its header's `:`,
   * 2 until its body's first token; and its line's indentation.
   */
  let defState = 0;
  let defIndent = 0;
  /** At the first token of a logical line: its indentation closes and opens blocks. */
  const startLine = (at: number): boolean => {
    let k = at;
    let ind = 0;
    while (k > 0) {
      const ch = text.charCodeAt(k - 1);
      if (ch === 10 || ch === 13) break;
      if (ch !== 32 && ch !== 12) return false;
      k--;
    }
    // Python resets the count at a form feed.
    for (let j = k; j < at; j++) ind = text.charCodeAt(j) === 12 ? 0 : ind + 1;
    // A `def` line needs its `:` and then a body on a deeper line.
    if (defState === 1 || defState >= 3 || (defState === 2 && ind <= defIndent)) return false;
    defState = 0;
    if (!indents.length) indents.push(ind);
    else if (ind > indents[indents.length - 1]) {
      if (!lastColon) return false;
      indents.push(ind);
    } else {
      while (indents.length && ind < indents[indents.length - 1]) indents.pop();
      if (!indents.length || indents[indents.length - 1] !== ind) return false;
    }
    while (open.length && open[open.length - 1].indent >= ind) regions.push(open.pop()!.start, out.length);
    lineIndent = ind;
    lineFirst = out.length;
    lineStartPos = at;
    newLine = false;
    stmtStart = 'line';
    importStmt = false;
    prevName = false;
    caseLine = /^case\b/.test(text.slice(at, at + 5));
    return true;
  };
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 10 || c === 13) {
      if (depth === 0) newLine = true;
      i++;
      continue;
    }
    if (isSpace(c)) {
      i++;
      continue;
    }
    if (c === 35 /* # */) {
      while (i < n && text.charCodeAt(i) !== 10 && text.charCodeAt(i) !== 13) i++;
      continue;
    }
    if (c === 92 /* \ */) {
      // A line continuation, nothing else, and not before a line's first token (Python and
      // tree-sitter then count the indentation across it).
      if (newLine) return null;
      if (text.charCodeAt(i + 1) === 10) i += 2;
      else if (text.charCodeAt(i + 1) === 13) i += text.charCodeAt(i + 2) === 10 ? 3 : 2;
      else return null;
      continue;
    }
    if (newLine && !startLine(i)) return null;
    lastColon = false;
    const start = stmtStart;
    stmtStart = false;
    const wasDot = prevDot;
    prevDot = false;
    const afterAsync = prevAsync;
    prevAsync = false;
    const afterName = prevName;
    prevName = false;
    if (defState === 2) defState = 0;
    const run = stringRun(text, i);
    if (run === null) return null;
    if (run) {
      if (defState >= 3) return null;
      // A statement of strings alone (a docstring) is dropped; after a `:` it may be a block's
      // statement or a lambda's body or an annotation, which only the parse can tell.
      if (run.bare && start === 'colon') return null;
      if (!(run.bare && start === 'line')) for (let k = 0; k < run.count; k++) out.push(STRING);
      i = run.end;
      continue;
    }
    if ((c >= 48 && c <= 57) || (c === 46 && text.charCodeAt(i + 1) >= 48 && text.charCodeAt(i + 1) <= 57)) {
      NUMBER_RE.lastIndex = i;
      const m = NUMBER_RE.exec(text);
      if (!m || defState >= 3) return null;
      i += m[0].length;
      // `1if`, `0x1fg`: a name glued to a number is not something to guess about.
      const next = text.charCodeAt(i);
      if ((next >= 65 && next <= 90) || (next >= 97 && next <= 122) || next === 95 || (next >= 48 && next <= 57))
        return null;
      out.push(NUMBER);
      continue;
    }
    if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95) {
      NAME_RE.lastIndex = i;
      const word = NAME_RE.exec(text)![0];
      const after = text.charCodeAt(i + word.length);
      if (after >= 128) return null;
      let id = NAME;
      if (KEYWORDS.has(word)) {
        id = symbolId(word);
        if (
          STATEMENT_KEYWORDS.has(word) &&
          !start &&
          !(word === 'for' && (depth > 0 || afterAsync)) &&
          !(word === 'with' && afterAsync) &&
          !(word === 'import' && importStmt)
        )
          return null;
        if (word === 'import' || (word === 'from' && start)) importStmt = true;
      } else if (SOFT.has(word)) id = NAME;
      else if (BUILTINS.has(word)) id = symbolId(word);
      else if (wasDot && !importStmt) {
        // An attribute, but in a `case` pattern `a.b` is a dotted_name.
        if (caseLine) return null;
        id = symbolId(word);
      }
      // NOTE: `print x`, `exec x`, `match x:`, `case x:`, `type X = ...`, `async def`, `await x`
      // are Python; any other two names in a row are prose (a chunk cut in a docstring), which
      // tree-sitter's error recovery reads in ways a lexer cannot follow.
      if (afterName && !KEYWORDS.has(word)) return null;
      prevName = !KEYWORDS.has(word) && !LEADING_SOFT.has(word);
      if (defState === 4 || (defState === 3 && id !== NAME && !BUILTINS.has(word))) return null;
      if (defState === 3) defState = 4;
      if (id === DEF) {
        // `def` or `async def` at the start of a logical line, outside any bracket.
        const first = out.length === lineFirst;
        const async = afterAsync && out.length === lineFirst + 1 && /^async[ \f]+$/.test(text.slice(lineStartPos, i));
        if (depth !== 0 || !(first || async) || defState !== 0) return null;
        open.push({ indent: lineIndent, start: lineFirst });
        sawDef = true;
        defState = 3;
        defIndent = lineIndent;
      }
      prevAsync = word === 'async' && !!start;
      out.push(id);
      i += word.length;
      continue;
    }
    if (c === 40 || c === 91 || c === 123) depth++;
    else if (c === 41 || c === 93 || c === 125) {
      if (--depth < 0) return null;
    }
    if (defState === 3 || (defState === 4 && c !== 40 && c !== 91)) return null;
    if (defState === 4) defState = 1;
    if (c === 40 || c === 41 || c === 44 || c === 123 || c === 125) {
      if (c === 44 && start) return null;
      i++;
      continue;
    }
    if (c === 46 /* . */) {
      // An ellipsis is three dots, and no attribute follows it.
      if (text.startsWith('...', i)) {
        out.push(DOT, DOT, DOT);
        i += 3;
        continue;
      }
      if (start) return null;
      out.push(DOT);
      prevDot = true;
      i++;
      continue;
    }
    const ops = OPS_BY_CHAR.get(c);
    if (!ops) return null;
    const op = ops.find((o) => text.startsWith(o.text, i));
    // `!` alone: a shell escape in a notebook, nothing Python has.
    if (!op) return null;
    if (start === 'line' && NOT_LEADING.has(op.text)) return null;
    out.push(op.id);
    lastColon = op.text === ':';
    if (depth === 0 && op.text === ';') {
      stmtStart = 'line';
      importStmt = false;
    } else if (depth === 0 && op.text === ':') {
      stmtStart = 'colon';
      if (defState === 1) defState = 2;
    }
    i += op.text.length;
  }
  if (depth !== 0 || defState !== 0) return null;
  while (open.length) regions.push(open.pop()!.start, out.length);
  if (!sawDef) regions.push(0, out.length);
  return { symbols: out, regions };
}
