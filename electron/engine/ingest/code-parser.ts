import type { Node, Tree } from 'web-tree-sitter';
import { parseSource, type CodeLanguage } from './grammars.js';
import { topLevelUnits } from './code-units.js';
import { importedModules, PYTHON_IMPORT_KINDS } from './imports.js';
import { IMPORT_KINDS as OTHER_IMPORT_KINDS, importsOfTree } from './code-imports.js';

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
 * Counts named node kinds under `node` (inclusive) by visiting its descendants in preorder by
 * index, reading only the type id. NOTE: `cursor.currentNode` builds a Node object (positions,
 * ids) per step; that allocation made the walk cost twice the parse. A first-child / next-sibling
 * / parent walk costs 3-4 cursor calls per node (each marshals the cursor through WASM memory);
 * `gotoDescendant(i + 1)` from descendant i is one amortized O(1) call, which took the walk from
 * ~0.55 to ~0.3 of the parse. Named-ness is a property of the type id, so it is looked up once per
 * kind, and kinds are counted in a typed array indexed by id.
 */
export function countNodeKinds(node: Node): Record<string, number> {
  const lang = node.tree.language;
  const kinds = lang.nodeTypeCount;
  const counts = scratchCounts(kinds);
  const total = node.descendantCount;
  const cursor = node.walk();
  try {
    counts[cursor.nodeTypeId]++;
    for (let i = 1; i < total; i++) {
      cursor.gotoDescendant(i);
      counts[cursor.nodeTypeId]++;
    }
  } finally {
    cursor.delete();
  }
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

/** Where each language's imports sit (imports.ts, code-imports.ts); JavaScript / TypeScript: anywhere. */
const IMPORT_KINDS: Partial<Record<CodeLanguage, readonly string[]>> = {
  python: PYTHON_IMPORT_KINDS,
  ...OTHER_IMPORT_KINDS,
};

/**
 * `importsOf`, skipped when the subtree's kind counts hold no import node. NOTE: most function
 * chunks import nothing, and each `descendantsOfType` call cost ~0.2 of the parse (it scans the
 * grammar's symbol names and walks the subtree again).
 */
function importsGiven(node: Node, language: CodeLanguage, astCounts: Record<string, number>): string[] {
  const kinds = IMPORT_KINDS[language];
  if (kinds && !kinds.some((k) => astCounts[k])) return [];
  return importsOf(node, language);
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
    if (mode === 'file') {
      const counts = countNodeKinds(root);
      return whole(counts, importsGiven(root, language, counts));
    }
    return topLevelUnits(root, language).map((u) => {
      const astCounts = countNodeKinds(u.node);
      return {
        text: text.slice(u.start, u.end),
        start: u.start,
        end: u.end,
        startLine: u.startRow + 1,
        endLine: u.endRow + 1,
        astCounts,
        // NOTE: a function chunk counts only the imports inside it, like any other sample text.
        imports: importsGiven(u.node, language, astCounts),
        kind: u.kind,
        name: u.name,
      };
    });
  } finally {
    tree.delete();
  }
}
