import { Lexer, type Token, type Tokens } from 'marked';
import type { Node } from 'web-tree-sitter';
import { getPythonParser, hasGrammar, parseSource } from './grammars.js';
import { importsOfTree } from './code-imports.js';

/** The node kinds a Python import sits in (code-parser.ts skips the search when a chunk has none). */
export const PYTHON_IMPORT_KINDS = ['import_statement', 'import_from_statement', 'future_import_statement'];

/**
 * Top-level modules a Python syntax tree imports, anywhere (inside functions, classes, `try`
 * blocks, `if TYPE_CHECKING:`), sorted and unique: `import a.b` and `from a.b import c` both
 * give `a`. Relative imports (`from . import x`, `from .m import y`) name no importable module
 * on their own and are left out. `from __future__ import x` counts as `__future__`, which is the
 * module Python really imports for it.
 */
export function importedModules(root: Node): string[] {
  const out = new Set<string>();
  for (const n of root.descendantsOfType(PYTHON_IMPORT_KINDS)) {
    if (!n) continue;
    if (n.type === 'future_import_statement') {
      out.add('__future__');
      continue;
    }
    if (n.type === 'import_from_statement') {
      const mod = n.childForFieldName('module_name');
      if (mod?.type === 'dotted_name') addTop(out, mod);
      continue;
    }
    // import a.b, c as d: each `name` field is a dotted_name or an aliased_import around one.
    for (const name of n.childrenForFieldName('name')) {
      if (!name) continue;
      addTop(out, name.type === 'aliased_import' ? name.childForFieldName('name') : name);
    }
  }
  return [...out].sort();
}

function addTop(out: Set<string>, dotted: Node | null) {
  const first = dotted?.type === 'dotted_name' ? dotted.namedChildren[0] : null;
  if (first?.type === 'identifier') out.add(first.text);
}

/** Parses Python source and returns its imported top-level modules (see `importedModules`). */
export async function importsOfPython(text: string): Promise<string[]> {
  const parser = await getPythonParser();
  const tree = parser.parse(text);
  if (!tree) return [];
  try {
    return importedModules(tree.rootNode);
  } finally {
    tree.delete();
  }
}

/** Code blocks of a markdown text (marked's CommonMark lexer), with their info-string language ('' if none). */
export function markdownCodeBlocks(md: string): { lang: string; code: string }[] {
  const out: { lang: string; code: string }[] = [];
  const walk = (tokens: Token[]) => {
    for (const t of tokens) {
      if (t.type === 'code')
        out.push({ lang: ((t as Tokens.Code).lang ?? '').split(/\s/)[0].toLowerCase(), code: (t as Tokens.Code).text });
      const nested = (t as { tokens?: Token[] }).tokens;
      if (nested) walk(nested);
      if (t.type === 'list') for (const item of (t as Tokens.List).items) walk(item.tokens);
    }
  };
  walk(new Lexer().lex(md));
  return out;
}

/** Python blocks of a markdown text: those tagged python/py/python3, plus untagged ones. */
export function pythonBlocks(md: string) {
  return markdownCodeBlocks(md).filter((b) => ['python', 'py', 'python3', ''].includes(b.lang));
}

/**
 * Imports of any sample: code with a grammar parsed whole, markdown through its Python code
 * blocks, else none.
 */
export async function importsOfSample(text: string, language: string): Promise<string[]> {
  if (language === 'python') return importsOfPython(text);
  if (hasGrammar(language)) {
    const tree = await parseSource(language, text);
    if (!tree) return [];
    try {
      return importsOfTree(tree.rootNode, language as Exclude<typeof language, 'python'>);
    } finally {
      tree.delete();
    }
  }
  if (language === 'markdown') {
    const all = new Set<string>();
    for (const b of pythonBlocks(text)) for (const m of await importsOfPython(b.code)) all.add(m);
    return [...all].sort();
  }
  return [];
}
