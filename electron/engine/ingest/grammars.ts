import { createRequire } from 'node:module';
import { Language, Parser, type Tree } from 'web-tree-sitter';

/**
 * The one place tree-sitter is set up: the WASM runtime is initialised once, and each language's
 * grammar is loaded the first time a sample in that language is parsed (a Python-only import
 * never loads the C++ grammar).
 *
 * Python keeps its own package (tree-sitter-python 0.25, whose node kinds the stored features
 * and the contamination check were built on); the other grammars come from tree-sitter-wasms,
 * one package with prebuilt WASM files for every language we chunk (ABI 14, verified to load in
 * web-tree-sitter 0.25.9, no install script needed).
 */
const require = createRequire(import.meta.url);

/** Languages with a grammar (Monaco ids, as stored in `samples.language`). */
export const CODE_LANGUAGES = ['python', 'javascript', 'typescript', 'java', 'go', 'rust', 'c', 'cpp'] as const;
export type CodeLanguage = (typeof CODE_LANGUAGES)[number];

const WASM: Record<CodeLanguage | 'tsx', string> = {
  python: 'tree-sitter-python/tree-sitter-python.wasm',
  javascript: 'tree-sitter-wasms/out/tree-sitter-javascript.wasm',
  typescript: 'tree-sitter-wasms/out/tree-sitter-typescript.wasm',
  tsx: 'tree-sitter-wasms/out/tree-sitter-tsx.wasm',
  java: 'tree-sitter-wasms/out/tree-sitter-java.wasm',
  go: 'tree-sitter-wasms/out/tree-sitter-go.wasm',
  rust: 'tree-sitter-wasms/out/tree-sitter-rust.wasm',
  c: 'tree-sitter-wasms/out/tree-sitter-c.wasm',
  cpp: 'tree-sitter-wasms/out/tree-sitter-cpp.wasm',
};

export function hasGrammar(language: string | null | undefined): language is CodeLanguage {
  return language != null && (CODE_LANGUAGES as readonly string[]).includes(language);
}

let init: Promise<void> | null = null;
const parsers = new Map<string, Promise<Parser>>();

/** The parser for a language (or `tsx`), created on first use and reused. */
export function getParser(language: CodeLanguage | 'tsx'): Promise<Parser> {
  let p = parsers.get(language);
  if (!p) {
    p = (async () => {
      init ??= Parser.init();
      await init;
      const lang = await Language.load(require.resolve(WASM[language]));
      const parser = new Parser();
      parser.setLanguage(lang);
      return parser;
    })();
    // A failed load is not cached: the next sample retries (and reports the error again).
    p.catch(() => parsers.delete(language));
    parsers.set(language, p);
  }
  return p;
}

export function getPythonParser(): Promise<Parser> {
  return getParser('python');
}

/**
 * Parses a source in its language. TypeScript files may be TSX (the `.tsx` extension maps to
 * `typescript` too, and JSX does not parse as TypeScript): when the TypeScript parse has errors,
 * the TSX grammar is tried and kept if it parses cleanly. Null when tree-sitter gives no tree.
 */
export async function parseSource(language: CodeLanguage, text: string): Promise<Tree | null> {
  const tree = (await getParser(language)).parse(text);
  if (language !== 'typescript' || !tree?.rootNode.hasError) return tree;
  const tsx = (await getParser('tsx')).parse(text);
  if (tsx && !tsx.rootNode.hasError) {
    tree.delete();
    return tsx;
  }
  tsx?.delete();
  return tree;
}
