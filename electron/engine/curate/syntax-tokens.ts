import type { Language, Parser, Tree, TreeCursor } from 'web-tree-sitter';
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

export const BUILTINS = new Set(
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

/** A unit being built: its tokens and its own renaming (names are numbered per function). */
class UnitBuilder {
  readonly tokens: string[] = [];
  readonly starts: number[] = [];
  readonly ends: number[] = [];
  readonly names = new Map<string, string>();
  /** Ancestors on the path when the unit's node was entered (it ends when the path is back there). */
  constructor(readonly depth: number) {}

  /** `block`: a block's own brace, never a closing bracket of the source (no comma is dropped). */
  emit(t: string, s: number, e: number, block = false) {
    if (!block && CLOSERS.has(t) && this.tokens[this.tokens.length - 1] === ',') {
      this.tokens.pop();
      this.starts.pop();
      this.ends.pop();
    }
    this.tokens.push(t);
    this.starts.push(s);
    this.ends.push(e);
  }

  rename(name: string): string {
    let id = this.names.get(name);
    if (id === undefined) this.names.set(name, (id = `$${this.names.size}`));
    return id;
  }

  done(): SyntaxUnit {
    return { tokens: this.tokens, starts: Int32Array.from(this.starts), ends: Int32Array.from(this.ends) };
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
 * Per type id of a grammar: its name, and whether it is a one-token leaf whose text is its name
 * (an anonymous node: keywords, operators, punctuation). Aliased multi-token nodes such as
 * `not in` have a space in their name and keep the general path (they have children).
 */
const typeTables = new WeakMap<Language, { names: string[]; token: Uint8Array }>();
function typeTable(lang: Language) {
  let t = typeTables.get(lang);
  if (!t) {
    const n = lang.nodeTypeCount;
    const names: string[] = [];
    const token = new Uint8Array(n);
    for (let id = 0; id < n; id++) {
      const name = lang.nodeTypeForId(id) ?? '';
      names.push(name);
      token[id] = name && !lang.nodeTypeIsNamed(id) && !/\s/.test(name) ? 1 : 0;
    }
    typeTables.set(lang, (t = { names, token }));
  }
  return t;
}

/**
 * The units of a Python source: every function (nested ones too, each numbered on its own: a
 * nested function's tokens are in its own unit and in every enclosing one), or the whole module
 * when it defines none. Returns [] when the text does not parse at all.
 *
 * NOTE: one cursor walk over the tree feeds every open unit, with text sliced from the source.
 * Each cursor call marshals the cursor through WASM memory: node objects were 5x slower, and a
 * walk per function plus a walk to find them was most of the decontamination's time. In a tree
 * without errors, a keyword or punctuation leaf costs no position calls and no child probe: its
 * text is its type, found from the end of what the walk consumed last (every comment, string
 * and skipped statement moves that point past itself, so only whitespace lies in between).
 */
export function syntaxUnits(parser: Parser, text: string): SyntaxUnit[] {
  const tree = parser.parse(text);
  if (!tree) return [];
  try {
    // Error recovery inserts zero-width MISSING tokens and ERROR nodes: those trees take the
    // general path (positions read for every leaf).
    if (tree.rootNode.hasError) return walkUnits(tree, text, false);
    try {
      return walkUnits(tree, text, true);
    } catch (e) {
      // NOTE: never seen on 4,797 standard-library files; a token not where the fast path
      // expects it means its premise failed, and the general path gives the right answer.
      if (!(e instanceof TokenNotFound)) throw e;
      return walkUnits(tree, text, false);
    }
  } finally {
    tree.delete();
  }
}

/** The general path alone (every leaf's position read): what the fast path is tested against. */
export function syntaxUnitsGeneral(parser: Parser, text: string): SyntaxUnit[] {
  const tree = parser.parse(text);
  if (!tree) return [];
  try {
    return walkUnits(tree, text, false);
  } finally {
    tree.delete();
  }
}

class TokenNotFound extends Error {}

function walkUnits(tree: Tree, text: string, fast: boolean): SyntaxUnit[] {
  const c = tree.rootNode.walk();
  const { names, token } = typeTable(tree.language);
  /** Source offset up to which every token has been consumed (fast path only). */
  let pos = 0;
  try {
    const module = new UnitBuilder(0);
    const fns: UnitBuilder[] = [];
    /** Units the cursor is inside; the module's only until the first function. */
    const open: UnitBuilder[] = [module];
    /** Types of the nodes entered and not yet left (the cursor's ancestors). */
    const path: string[] = [];
    const emit = (t: string, s: number, e: number, block = false) => {
      for (const u of open) u.emit(t, s, e, block);
    };
    for (;;) {
      const id = c.nodeTypeId;
      const type = names[id] || 'ERROR';
      if (fast && token[id] === 1) {
        // A keyword or punctuation token: its text is its type.
        const s = text.indexOf(type, pos);
        if (s < 0) throw new TokenNotFound(type);
        pos = s + type.length;
        // Redundant parentheses are dropped.
        if (!((type === '(' || type === ')') && path[path.length - 1] === 'parenthesized_expression'))
          emit(type, s, pos);
      } else if (type === 'comment') {
        /* dropped */
        if (fast) pos = c.endIndex;
      } else if (type === 'string') {
        const s = c.startIndex;
        const e = c.endIndex;
        emit(normalizeString(text.slice(s, e)), s, e);
        pos = e;
      } else if (type === 'integer' || type === 'float') {
        const s = c.startIndex;
        const e = c.endIndex;
        emit(normalizeNumber(text.slice(s, e)), s, e);
        pos = e;
      } else if (type === 'identifier') {
        const s = c.startIndex;
        const e = c.endIndex;
        const name = text.slice(s, e);
        if (BUILTINS.has(name) || (path[path.length - 1] === 'attribute' && c.currentFieldName === 'attribute')) {
          emit(name, s, e);
        } else for (const u of open) u.emit(u.rename(name), s, e);
        pos = e;
      } else if (type === 'expression_statement' && isBareString(c)) {
        /* a docstring or a no-op string: dropped */
        if (fast) pos = c.endIndex;
      } else if ((type === '(' || type === ')') && path[path.length - 1] === 'parenthesized_expression') {
        /* redundant parentheses: dropped */
      } else {
        const blockStart = type === 'block' ? c.startIndex : 0;
        if (c.gotoFirstChild()) {
          // Entered the first child: the node itself is now an ancestor.
          if (FUNCTION_TYPES.has(type)) {
            if (!fns.length) open.shift();
            const u = new UnitBuilder(path.length);
            fns.push(u);
            open.push(u);
          }
          if (type === 'block') emit('{', blockStart, blockStart, true);
          path.push(type);
          continue;
        }
        const s = c.startIndex;
        const e = c.endIndex;
        if (e > s) emit(text.slice(s, e), s, e);
        pos = e;
      }
      // Next: the next sibling, else up (leaving each ancestor) until one has a next sibling.
      while (!c.gotoNextSibling()) {
        if (!path.length || !c.gotoParent()) return (fns.length ? fns : [module]).map((u) => u.done());
        const left = path.pop();
        if (left === 'block') {
          const e = c.endIndex;
          emit('}', e, e, true);
        }
        const top = open[open.length - 1];
        if (top && top !== module && top.depth === path.length) open.pop();
        if (!path.length) return (fns.length ? fns : [module]).map((u) => u.done());
      }
    }
  } finally {
    c.delete();
  }
}

export { getPythonParser };
