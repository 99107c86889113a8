import type { Node, Parser, TreeCursor } from 'web-tree-sitter';
import { getPythonParser } from '../ingest/grammars.js';

/**
 * Syntax-normalized tokens for the `ast` contamination match: what survives a consistent rename
 * and a formatter's re-print.
 *
 * - Comments and bare string statements (docstrings) are dropped: a copy may drop them.
 * - Names bound by the code are renamed `$0, $1, ...` by first occurrence within the unit (one
 *   function). Builtins and attribute names stay: a renamer leaves `len(x)` and `.append` alone,
 *   and keeping them is what stops `def f(a): return a + 1` shapes from matching everything.
 *   (Mapping every identifier to one placeholder flags about a quarter of real functions.)
 * - String literals become their content (quote style and prefix dropped); numbers their value.
 * - Parentheses of a parenthesized expression are dropped (a formatter adds and removes them);
 *   a trailing comma before a closing bracket is dropped (black's magic comma).
 * - Blocks become `{` `}`, so indentation does not matter but structure does.
 */
export interface SyntaxUnit {
  /** Normalized tokens. */
  tokens: string[];
  /** Character offset in the source of each token's start and end (for evidence spans). */
  starts: Int32Array;
  ends: Int32Array;
}

const BUILTINS = new Set(
  (
    'abs all any ascii bin bool breakpoint bytearray bytes callable chr classmethod compile complex delattr dict dir ' +
    'divmod enumerate eval exec filter float format frozenset getattr globals hasattr hash help hex id input int ' +
    'isinstance issubclass iter len list locals map max memoryview min next object oct open ord pow print property ' +
    'range repr reversed round set setattr slice sorted staticmethod str sum super tuple type vars zip __import__ ' +
    'self cls True False None Exception ValueError TypeError KeyError IndexError NotImplementedError StopIteration ' +
    'RuntimeError AttributeError ZeroDivisionError AssertionError OSError math re sys os'
  ).split(' '),
);

const CLOSERS = new Set([')', ']', '}']);

function normalizeString(text: string): string {
  const body = text.replace(/^[rRbBuUfF]*/, '');
  const q = body.startsWith('"""') || body.startsWith("'''") ? 3 : 1;
  return `s:${body.slice(q, body.length - q)}`;
}

function normalizeNumber(text: string): string {
  const clean = text.replace(/_/g, '').replace(/[lLjJ]$/, '');
  const n = Number(clean);
  return `n:${Number.isFinite(n) ? String(n) : clean.toLowerCase()}`;
}

/**
 * Tokens of one subtree, with names renamed by first occurrence inside it. A cursor walk with
 * text sliced from the source: node objects cost a WASM round trip each and were 5x slower.
 */
function unitTokens(root: Node, src: string): SyntaxUnit {
  const tokens: string[] = [];
  const starts: number[] = [];
  const ends: number[] = [];
  const names = new Map<string, string>();
  const emit = (t: string, s: number, e: number) => {
    tokens.push(t);
    starts.push(s);
    ends.push(e);
  };
  const c = root.walk();
  /** Types of the nodes entered and not yet left (the cursor's ancestors). */
  const path: string[] = [];
  const leave = () => {
    if (path.pop() === 'block') emit('}', c.endIndex, c.endIndex);
  };
  try {
    for (;;) {
      const type = c.nodeType;
      const s = c.startIndex;
      const e = c.endIndex;
      let descend = false;
      if (type === 'comment') {
        /* dropped */
      } else if (type === 'string') {
        emit(normalizeString(src.slice(s, e)), s, e);
      } else if (type === 'integer' || type === 'float') {
        emit(normalizeNumber(src.slice(s, e)), s, e);
      } else if (type === 'identifier') {
        const text = src.slice(s, e);
        if (BUILTINS.has(text) || (c.currentFieldName === 'attribute' && path[path.length - 1] === 'attribute')) {
          emit(text, s, e);
        } else {
          let id = names.get(text);
          if (id === undefined) names.set(text, (id = `$${names.size}`));
          emit(id, s, e);
        }
      } else if (type === 'expression_statement' && isBareString(c)) {
        /* a docstring or a no-op string: dropped */
      } else if ((type === '(' || type === ')') && path[path.length - 1] === 'parenthesized_expression') {
        /* redundant parentheses: dropped */
      } else if (c.gotoFirstChild()) {
        c.gotoParent();
        descend = true;
      } else if (e > s) {
        const t = src.slice(s, e);
        if (CLOSERS.has(t) && tokens[tokens.length - 1] === ',') {
          tokens.pop();
          starts.pop();
          ends.pop();
        }
        emit(t, s, e);
      }
      if (descend) {
        path.push(type);
        if (type === 'block') emit('{', s, s);
        c.gotoFirstChild();
        continue;
      }
      while (!c.gotoNextSibling()) {
        if (!path.length || !c.gotoParent())
          return { tokens, starts: Int32Array.from(starts), ends: Int32Array.from(ends) };
        leave();
        if (!path.length) return { tokens, starts: Int32Array.from(starts), ends: Int32Array.from(ends) };
      }
    }
  } finally {
    c.delete();
  }
}

/** At an expression_statement: is its only child a string (a docstring)? Leaves the cursor in place. */
function isBareString(c: TreeCursor): boolean {
  if (!c.gotoFirstChild()) return false;
  const t = c.nodeType;
  const only = !c.gotoNextSibling();
  c.gotoParent();
  return only && (t === 'string' || t === 'concatenated_string');
}

const FUNCTION_TYPES = new Set(['function_definition']);

/**
 * The units of a Python source: every function (nested ones too, each numbered on its own), or
 * the whole module when it defines none. Returns [] when the text does not parse at all.
 */
export function syntaxUnits(parser: Parser, text: string): SyntaxUnit[] {
  const tree = parser.parse(text);
  if (!tree) return [];
  try {
    const root = tree.rootNode;
    const fns: Node[] = [];
    const cursor = root.walk();
    let depth = 0;
    for (;;) {
      const n = cursor.currentNode;
      if (FUNCTION_TYPES.has(n.type)) fns.push(n);
      if (cursor.gotoFirstChild()) {
        depth++;
        continue;
      }
      while (depth > 0 && !cursor.gotoNextSibling()) {
        cursor.gotoParent();
        depth--;
      }
      if (depth === 0) break;
    }
    cursor.delete();
    return (fns.length ? fns : [root]).map((n) => unitTokens(n, text));
  } finally {
    tree.delete();
  }
}

export { getPythonParser };
