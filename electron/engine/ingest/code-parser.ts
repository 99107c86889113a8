import type { Node, Tree } from 'web-tree-sitter';
import { parseSource, type CodeLanguage } from './grammars.js';
import { topLevelUnits } from './code-units.js';
import { importedModules } from './imports.js';
import { importsOfTree } from './code-imports.js';

/**
 * Function chunks and structural features (node-kind counts, imports) of source in any language
 * with a grammar (grammars.ts), computed once at import.
 */
export interface Chunk {
  text: string;
  /** The chunk is `source.slice(start, end)` (UTF-16 offsets), so workers can return offsets only. */
  start: number;
  end: number;
  startLine: number | null;
  endLine: number | null;
  astCounts: Record<string, number>;
  /** Modules the chunk imports (see imports.ts and code-imports.ts). */
  imports: string[];
  /** Function mode: what the unit is (`function`, `class`, `struct`, `impl`, ...) and its name. */
  kind?: string;
  name?: string;
}

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

/** Imports of a subtree in its language. */
export function importsOf(node: Node, language: CodeLanguage): string[] {
  return language === 'python' ? importedModules(node) : importsOfTree(node, language);
}

/** Parses source once; returns the whole file or its top-level units (code-units.ts). */
/** `parsed`: a tree of `text` in `language` already made (detection's); chunkCode deletes it. */
export async function chunkCode(
  text: string,
  language: CodeLanguage,
  mode: 'file' | 'function',
  parsed?: Tree,
): Promise<Chunk[]> {
  const tree = parsed ?? (await parseSource(language, text));
  const whole = (astCounts: Record<string, number>, imports: string[]): Chunk[] => [
    { text, start: 0, end: text.length, startLine: null, endLine: null, astCounts, imports },
  ];
  if (!tree) return mode === 'file' ? whole({}, []) : [];
  try {
    const root = tree.rootNode;
    if (mode === 'file') return whole(countNodeKinds(root), importsOf(root, language));
    return topLevelUnits(root, language).map((u) => ({
      text: text.slice(u.start, u.end),
      start: u.start,
      end: u.end,
      startLine: u.startRow + 1,
      endLine: u.endRow + 1,
      astCounts: countNodeKinds(u.node),
      // NOTE: a function chunk counts only the imports inside it, like any other sample text.
      imports: importsOf(u.node, language),
      kind: u.kind,
      name: u.name,
    }));
  } finally {
    tree.delete();
  }
}
