import { extname } from 'node:path';
import type { Tree } from 'web-tree-sitter';
import { getParser, type CodeLanguage } from './grammars.js';

/**
 * The content check for inputs whose extension and row fields name no language: the text is
 * parsed with each grammar in turn and takes the first language whose parser accepts it with no
 * syntax error. The order puts the languages whose syntax others reject first: Go's `package`,
 * Rust's `fn`, Java's `class` do not parse as C; C parses as C++ and JavaScript as TypeScript,
 * so the narrower one is tried first. Python goes first: this is a Python-first tool, and a
 * Python file fails every other grammar.
 *
 * NOTE: a neural detector (VS Code's guesslang model) was measured first: about 250 ms per
 * sample on this machine, which made a 6,000-row JSONL without a language field take minutes;
 * each parse here is about a millisecond on a function-sized text.
 */
const ORDER: CodeLanguage[] = ['python', 'go', 'rust', 'java', 'javascript', 'typescript', 'c', 'cpp'];
/** Texts are checked on their first 256 KB (cut at a line end). */
const MAX_CHARS = 256 << 10;
/** A clean parse of a few words (`hello`) is not evidence of code: fewer named nodes than this is not enough. */
const MIN_NODES = 6;

/**
 * A language for `text`, or the fallback: the extension of `name` when it has one (`notes.txt`
 * stays `txt`, as before the check existed), else `text`.
 */
export async function detectLanguage(text: string, name: string | null): Promise<string> {
  const { language, tree } = await detectLanguageTree(text, name);
  tree?.delete();
  return language;
}

/**
 * `detectLanguage`, with the clean parse that decided it when it covers the whole text (the
 * caller owns it and deletes it): the importer chunks from it instead of parsing again.
 */
export async function detectLanguageTree(
  text: string,
  name: string | null,
): Promise<{ language: string; tree: Tree | null }> {
  const fallback = (name && extname(name).slice(1).toLowerCase()) || 'text';
  let src = text;
  if (src.length > MAX_CHARS) src = src.slice(0, Math.max(src.lastIndexOf('\n', MAX_CHARS), 1));
  for (const lang of ORDER) {
    for (const grammar of lang === 'typescript' ? (['typescript', 'tsx'] as const) : [lang]) {
      const tree = await cleanParse(grammar, src);
      if (!tree) continue;
      const root = tree.rootNode;
      if (!root.hasError && root.descendantCount >= MIN_NODES && hasNamedDepth(root)) {
        if (src === text) return { language: lang, tree };
        tree.delete();
        return { language: lang, tree: null };
      }
      tree.delete();
    }
  }
  return { language: fallback, tree: null };
}

/**
 * Work one grammar may spend on a text before it counts as not this language, in progress
 * callbacks (tree-sitter calls back every ~100 parse operations; a clean parse of Python makes
 * about one call per 200 characters). A count, not a clock: detection must give the same answer
 * on a loaded machine and on any worker thread, and a 200 ms deadline did not (a C++ file parsed
 * under CI load came out `text` inline and `cpp` on a worker).
 */
const callBudget = (chars: number) => 256 + Math.ceil(chars / 16);

/**
 * A tree when `grammar` parses `src` with no syntax error, else null. The parse is cancelled at
 * the first error: only a clean parse is evidence, and tree-sitter's error recovery on a text of
 * another language is where the time goes (and, at 10^6 rows, where the WASM heap ran out).
 */
async function cleanParse(grammar: CodeLanguage | 'tsx', src: string) {
  const parser = await getParser(grammar);
  let calls = callBudget(src.length);
  // NOTE: web-tree-sitter calls this during the parse; returning true cancels it.
  const progressCallback = ((s: { hasError: boolean }) => s.hasError || --calls < 0) as (s: {
    hasError: boolean;
  }) => void;
  const tree = parser.parse(src, null, { progressCallback });
  // A cancelled parse would resume on the next call: start the next text afresh.
  if (!tree) parser.reset();
  return tree;
}

/** More than a flat list of words: some statement has named children of its own. */
function hasNamedDepth(root: { namedChildren: ({ namedChildCount: number } | null)[] }): boolean {
  return root.namedChildren.some((c) => (c?.namedChildCount ?? 0) > 0);
}
