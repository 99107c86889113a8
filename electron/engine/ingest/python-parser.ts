import { createRequire } from 'node:module';
import { Language, Parser, type Node } from 'web-tree-sitter';
import { importedModules } from './imports.js';

/**
 * tree-sitter's Python grammar in WASM: a real parser for function chunks and the structural
 * features (node-kind counts) the embedder needs, computed once at import.
 */
const require = createRequire(import.meta.url);
let parserPromise: Promise<Parser> | null = null;

export function getPythonParser(): Promise<Parser> {
  parserPromise ??= (async () => {
    await Parser.init();
    const lang = await Language.load(require.resolve('tree-sitter-python/tree-sitter-python.wasm'));
    const p = new Parser();
    p.setLanguage(lang);
    return p;
  })();
  return parserPromise;
}

export interface Chunk {
  text: string;
  startLine: number | null;
  endLine: number | null;
  astCounts: Record<string, number>;
  /** Top-level modules the chunk imports (see imports.ts). */
  imports: string[];
}

const TOP_LEVEL = new Set(['function_definition', 'class_definition', 'decorated_definition']);

/** Counts named node kinds under `node` (inclusive) with a cursor walk: no per-node allocation. */
export function countNodeKinds(node: Node): Record<string, number> {
  const counts: Record<string, number> = {};
  const cursor = node.walk();
  let depth = 0;
  for (;;) {
    const n = cursor.currentNode;
    if (n.isNamed) counts[n.type] = (counts[n.type] ?? 0) + 1;
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
  return counts;
}

/** Parses Python source once; returns the whole file or its top-level functions and classes. */
export async function chunkPython(text: string, mode: 'file' | 'function'): Promise<Chunk[]> {
  const parser = await getPythonParser();
  const tree = parser.parse(text);
  if (!tree) return mode === 'file' ? [{ text, startLine: null, endLine: null, astCounts: {}, imports: [] }] : [];
  try {
    const root = tree.rootNode;
    if (mode === 'file')
      return [
        { text, startLine: null, endLine: null, astCounts: countNodeKinds(root), imports: importedModules(root) },
      ];
    const out: Chunk[] = [];
    for (const child of root.namedChildren) {
      if (!child || !TOP_LEVEL.has(child.type)) continue;
      out.push({
        text: child.text,
        startLine: child.startPosition.row + 1,
        endLine: child.endPosition.row + 1,
        astCounts: countNodeKinds(child),
        // NOTE: a function chunk counts only the imports inside it, like any other sample text.
        imports: importedModules(child),
      });
    }
    return out;
  } finally {
    tree.delete();
  }
}
