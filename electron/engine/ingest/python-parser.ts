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
  /** The chunk is `source.slice(start, end)` (UTF-16 offsets), so workers can return offsets only. */
  start: number;
  end: number;
  startLine: number | null;
  endLine: number | null;
  astCounts: Record<string, number>;
  /** Top-level modules the chunk imports (see imports.ts). */
  imports: string[];
}

const TOP_LEVEL = new Set(['function_definition', 'class_definition', 'decorated_definition']);

/**
 * Counts named node kinds under `node` (inclusive) with one cursor walk that reads only the type
 * id. NOTE: `cursor.currentNode` builds a Node object (positions, ids) per step; that allocation
 * made the walk cost twice the parse. Named-ness is a property of the type id, so it is looked up
 * once per kind, and kinds are counted in a typed array indexed by id.
 */
export function countNodeKinds(node: Node): Record<string, number> {
  const lang = node.tree.language;
  const kinds = lang.nodeTypeCount;
  const counts = scratchCounts(kinds);
  const cursor = node.walk();
  let depth = 0;
  for (;;) {
    counts[cursor.nodeTypeId]++;
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
  const out: Record<string, number> = {};
  for (let id = 0; id < kinds; id++) {
    const c = counts[id];
    if (c === 0) continue;
    counts[id] = 0;
    if (!lang.nodeTypeIsNamed(id)) continue;
    const name = lang.nodeTypeForId(id);
    // Several ids can share a name (aliases); the old per-node walk summed them under the name.
    if (name) out[name] = (out[name] ?? 0) + c;
  }
  return out;
}

let scratch = new Uint32Array(0);
/** One zeroed counter array reused across calls (each call zeroes what it used). */
function scratchCounts(n: number): Uint32Array {
  if (scratch.length < n) scratch = new Uint32Array(n);
  return scratch;
}

/** Parses Python source once; returns the whole file or its top-level functions and classes. */
export async function chunkPython(text: string, mode: 'file' | 'function'): Promise<Chunk[]> {
  const parser = await getPythonParser();
  const tree = parser.parse(text);
  const whole = (astCounts: Record<string, number>, imports: string[]): Chunk[] => [
    { text, start: 0, end: text.length, startLine: null, endLine: null, astCounts, imports },
  ];
  if (!tree) return mode === 'file' ? whole({}, []) : [];
  try {
    const root = tree.rootNode;
    if (mode === 'file') return whole(countNodeKinds(root), importedModules(root));
    const out: Chunk[] = [];
    for (const child of root.namedChildren) {
      if (!child || !TOP_LEVEL.has(child.type)) continue;
      out.push({
        text: text.slice(child.startIndex, child.endIndex),
        start: child.startIndex,
        end: child.endIndex,
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
