import type { Node } from 'web-tree-sitter';
import type { BenchmarkItem } from '../curate/benchmarks.js';
import { NgramIndex } from '../curate/decontaminate.js';
import { chooseBands, jaccardSorted, minhashSignature, wordShingles } from '../curate/minhash.js';
import { importedModules, pythonBlocks } from '../ingest/imports.js';
import { sampleIdOf } from '../ingest/normalize.js';
import { scanText } from '../hygiene/scan-text.js';
import { countNodeKinds, getPythonParser } from '../ingest/python-parser.js';
import type { SynthKind } from '../../../shared/enums.js';

/** A result that passed the syntax gate, in the form it would be stored. */
export interface ParsedResult {
  text: string;
  astCounts: Record<string, number>;
  imports: string[];
  /** Exercises: the function's name and the top-level asserts the model wrote after it (kept for --run-tests). */
  functionName?: string;
  tests?: string;
  codeBlocks?: number;
}

export type GateOutcome<T> = { ok: true; value: T } | { ok: false; detail: string };

const addCounts = (into: Record<string, number>, c: Record<string, number>) => {
  for (const [k, v] of Object.entries(c)) into[k] = (into[k] ?? 0) + v;
};

/** The first error or missing node of a tree, as "line N: ..." for the rejection reason. */
function firstError(root: Node): string {
  const bad = root.descendantsOfType('ERROR')[0];
  if (bad) return `line ${bad.startPosition.row + 1}: syntax error near ${JSON.stringify(bad.text.slice(0, 40))}`;
  let found: Node | null = null;
  const walk = (n: Node) => {
    if (found) return;
    if (n.isMissing) found = n;
    for (const c of n.children) if (c) walk(c);
  };
  walk(root);
  const m = found as Node | null;
  return m ? `line ${m.startPosition.row + 1}: missing ${m.type}` : 'syntax error';
}

function docstringOf(fn: Node): Node | null {
  const body = fn.childForFieldName('body');
  const first = body?.namedChildren[0];
  if (first?.type !== 'expression_statement') return null;
  const s = first.namedChildren[0];
  return s?.type === 'string' ? s : null;
}

/**
 * Gate 1, syntax. Exercises: the code parses, and holds a function with a docstring and a
 * solution (more than the docstring, not just `pass`/`...`); what is stored is that function
 * alone, with the import lines above it that it needs. Textbook sections: every Python code
 * block parses, and there is at least one.
 */
export async function syntaxGate(kind: SynthKind, text: string): Promise<GateOutcome<ParsedResult>> {
  const parser = await getPythonParser();
  if (kind === 'textbook') {
    const blocks = pythonBlocks(text);
    if (!blocks.length) return { ok: false, detail: 'no Python code block' };
    const astCounts: Record<string, number> = {};
    const imports = new Set<string>();
    for (let i = 0; i < blocks.length; i++) {
      const tree = parser.parse(blocks[i].code);
      if (!tree) return { ok: false, detail: `code block ${i + 1}: cannot parse` };
      try {
        if (tree.rootNode.hasError) return { ok: false, detail: `code block ${i + 1}, ${firstError(tree.rootNode)}` };
        addCounts(astCounts, countNodeKinds(tree.rootNode));
        for (const m of importedModules(tree.rootNode)) imports.add(m);
      } finally {
        tree.delete();
      }
    }
    return { ok: true, value: { text, astCounts, imports: [...imports].sort(), codeBlocks: blocks.length } };
  }
  const tree = parser.parse(text);
  if (!tree) return { ok: false, detail: 'cannot parse' };
  try {
    const root = tree.rootNode;
    if (root.hasError) return { ok: false, detail: firstError(root) };
    const top = root.namedChildren.filter((n): n is Node => Boolean(n));
    const fnNode = (n: Node) => (n.type === 'decorated_definition' ? n.childForFieldName('definition') : n);
    const at = top.findIndex((n) => fnNode(n)?.type === 'function_definition' && docstringOf(fnNode(n)!));
    if (at < 0) return { ok: false, detail: 'no function with a docstring' };
    const fn = fnNode(top[at])!;
    const body = fn.childForFieldName('body')!.namedChildren.filter((n): n is Node => Boolean(n));
    const solution = body.slice(1).filter((n) => n.type !== 'pass_statement' && n.text.trim() !== '...');
    if (!solution.length) return { ok: false, detail: 'the function has no solution, only its docstring' };
    const importsAbove = top.slice(0, at).filter((n) => /import/.test(n.type));
    const stored = [...importsAbove.map((n) => n.text), ...(importsAbove.length ? [''] : []), top[at].text].join('\n');
    const tests = top
      .slice(at + 1)
      .filter((n) => n.type === 'assert_statement')
      .map((n) => n.text)
      .join('\n');
    const storedTree = parser.parse(stored)!;
    try {
      return {
        ok: true,
        value: {
          text: stored,
          astCounts: countNodeKinds(storedTree.rootNode),
          imports: importedModules(storedTree.rootNode),
          functionName: fn.childForFieldName('name')?.text ?? '',
          ...(tests ? { tests } : {}),
        },
      };
    } finally {
      storedTree.delete();
    }
  } finally {
    tree.delete();
  }
}

const NUM_PERM = 128;
const NGRAM = 5;

/** What the duplicate gate compares: the content id, word 5-gram shingles and MinHash band keys. */
export interface DupFingerprint {
  id: string;
  shingles: Float64Array;
  keys: string[];
}

export function dupFingerprint(text: string, threshold: number, id = sampleIdOf(text)): DupFingerprint {
  const { bands, rows } = chooseBands(threshold, NUM_PERM);
  const shingles = wordShingles(text, NGRAM);
  const sig = minhashSignature(shingles, NUM_PERM);
  const keys: string[] = [];
  for (let b = 0; b < bands; b++) keys.push(`${b}:${sig.subarray(b * rows, (b + 1) * rows).join(',')}`);
  return { id, shingles, keys };
}

/**
 * The CPU part of every gate for one result, computed off the main thread (a worker task):
 * the syntax gate, then for a result that parses its duplicate fingerprint and hygiene flags.
 * The decisions (duplicate against what is known so far, contamination) stay on the main thread.
 */
export type GateWork =
  { ok: false; detail: string } | { ok: true; value: ParsedResult; fingerprint: DupFingerprint; flags: string[] };

export async function gateWork(kind: SynthKind, text: string, nearDup: number): Promise<GateWork> {
  const g = await syntaxGate(kind, text);
  if (!g.ok) return g;
  const scan = await scanText(g.value.text);
  return { ok: true, value: g.value, fingerprint: dupFingerprint(g.value.text, nearDup), flags: scan.flags };
}

/**
 * Gate 2, duplicates: exact (the sample id, i.e. normalized content) and near (MinHash LSH on
 * word 5-gram shingles proposes, exact Jaccard decides), against the corpus and every earlier
 * generation. `check` then `add` run without an await between them, so concurrent calls cannot
 * both pass with the same text.
 */
export class DuplicateIndex {
  private readonly buckets = new Map<string, number[]>();
  private readonly shingles: Float64Array[] = [];
  private readonly ids: string[] = [];
  private readonly exact = new Set<string>();

  constructor(
    readonly threshold: number,
    private readonly known: (id: string) => boolean,
  ) {}

  get size() {
    return this.ids.length;
  }

  /** The reason `text` is a duplicate, or null. */
  check(text: string): string | null {
    return this.checkFingerprint(dupFingerprint(text, this.threshold));
  }

  checkFingerprint({ id, shingles: sh, keys }: DupFingerprint): string | null {
    if (this.exact.has(id) || this.known(id)) return `exact duplicate of sample ${id}`;
    const seen = new Set<number>();
    for (const k of keys)
      for (const j of this.buckets.get(k) ?? []) {
        if (seen.has(j)) continue;
        seen.add(j);
        const sim = jaccardSorted(sh, this.shingles[j]);
        if (sim >= this.threshold)
          return `near duplicate of sample ${this.ids[j]} (Jaccard ${sim.toFixed(3)} >= ${this.threshold})`;
      }
    return null;
  }

  add(text: string, id = sampleIdOf(text)): void {
    this.addFingerprint(dupFingerprint(text, this.threshold, id));
  }

  addFingerprint({ id, shingles: sh, keys }: DupFingerprint): void {
    this.exact.add(id);
    const j = this.ids.length;
    this.ids.push(id);
    this.shingles.push(sh);
    for (const k of keys) {
      const list = this.buckets.get(k);
      if (list) list.push(j);
      else this.buckets.set(k, [j]);
    }
  }
}

/** Gate 3, contamination: any shared token 13-gram with a benchmark item (issue 12's n-gram index). */
export class ContaminationGate {
  private readonly index: NgramIndex;
  constructor(
    private readonly items: readonly BenchmarkItem[],
    ngram = 13,
  ) {
    this.index = new NgramIndex(items, ngram);
  }
  check(text: string): string | null {
    const hits = [...this.index.match(text)].sort((a, b) => a[0] - b[0]);
    if (!hits.length) return null;
    const [item, evidence] = hits[0];
    const b = this.items[item];
    return `shares a ${this.index.n}-gram with ${b.file} ${b.itemId}: "${evidence}"${hits.length > 1 ? ` (+${hits.length - 1} more items)` : ''}`;
  }
}
