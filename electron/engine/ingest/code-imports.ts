import type { Node } from 'web-tree-sitter';
import type { CodeLanguage } from './grammars.js';

/**
 * What a syntax tree imports, for the languages other than Python (imports.ts keeps Python's
 * rules). Sorted and unique, like Python's. One entry per importable unit of the language:
 *
 * - JavaScript / TypeScript: the package of `import ... from 'p'`, `export ... from 'p'`,
 *   `require('p')` and `import('p')`: `lodash/fp` gives `lodash`, `@scope/pkg/x` gives
 *   `@scope/pkg`, `node:fs` gives `fs`. Relative and absolute paths (`./x`, `/x`) name no package
 *   and are left out, as Python's relative imports are.
 * - Java: the package of `import a.b.C;` (`a.b`), of `import a.b.*;` and of static imports.
 * - Go: the import path (`fmt`, `net/http`, `github.com/x/y`).
 * - Rust: the crate of `use` (`std`, `serde`) and `extern crate`; `crate::`, `self::`,
 *   `super::` are the crate itself and are left out.
 * - C / C++: the header of each `#include` (`stdio.h`, `vector`, `foo/bar.h`).
 */
/**
 * The node kinds each language's imports sit in, searched below (code-parser.ts skips the search
 * when a chunk has none). JavaScript and TypeScript are absent: `require('p')` and `import('p')`
 * are calls, and calls are everywhere.
 */
export const IMPORT_KINDS = {
  java: ['import_declaration'],
  go: ['import_spec'],
  rust: ['use_declaration', 'extern_crate_declaration'],
  c: ['preproc_include'],
  cpp: ['preproc_include'],
} as const satisfies Partial<Record<CodeLanguage, readonly string[]>>;

export function importsOfTree(root: Node, language: Exclude<CodeLanguage, 'python'>): string[] {
  const out = new Set<string>();
  switch (language) {
    case 'javascript':
    case 'typescript':
      jsImports(root, out);
      break;
    case 'java':
      for (const n of root.descendantsOfType([...IMPORT_KINDS.java])) if (n) javaImport(n, out);
      break;
    case 'go':
      for (const n of root.descendantsOfType([...IMPORT_KINDS.go])) {
        const path = n?.childForFieldName('path');
        const p = path ? unquote(path.text) : '';
        if (p) out.add(p);
      }
      break;
    case 'rust':
      for (const n of root.descendantsOfType([...IMPORT_KINDS.rust])) {
        if (!n) continue;
        if (n.type === 'extern_crate_declaration') {
          const name = n.childForFieldName('name')?.text;
          if (name && name !== 'self') out.add(name);
        } else rustUse(n.childForFieldName('argument'), out);
      }
      break;
    case 'c':
    case 'cpp':
      for (const n of root.descendantsOfType([...IMPORT_KINDS[language]])) {
        const path = n?.childForFieldName('path');
        if (!path) continue;
        const p = path.text.replace(/^[<"]|[>"]$/g, '').trim();
        if (p) out.add(p);
      }
      break;
  }
  return [...out].sort();
}

function unquote(s: string): string {
  return s.replace(/^["'`]|["'`]$/g, '');
}

/** The package a JS module specifier names, or null for a relative / absolute path. */
export function jsPackage(spec: string): string | null {
  if (!spec || spec.startsWith('.') || spec.startsWith('/')) return null;
  const s = spec.startsWith('node:') ? spec.slice(5) : spec;
  const parts = s.split('/');
  if (s.startsWith('@')) return parts.length >= 2 && parts[1] ? `${parts[0]}/${parts[1]}` : null;
  return parts[0] || null;
}

function jsImports(root: Node, out: Set<string>) {
  const add = (str: Node | null | undefined) => {
    if (!str || str.type !== 'string') return;
    const p = jsPackage(unquote(str.text));
    if (p) out.add(p);
  };
  for (const n of root.descendantsOfType(['import_statement', 'export_statement', 'call_expression'])) {
    if (!n) continue;
    if (n.type !== 'call_expression') {
      add(n.childForFieldName('source'));
      continue;
    }
    const fn = n.childForFieldName('function');
    if (!fn || !(fn.type === 'import' || (fn.type === 'identifier' && fn.text === 'require'))) continue;
    const args = n.childForFieldName('arguments');
    if (args?.namedChildCount === 1) add(args.namedChild(0));
  }
}

function javaImport(n: Node, out: Set<string>) {
  const name = n.namedChildren.find((c) => c?.type === 'scoped_identifier' || c?.type === 'identifier');
  if (!name) return;
  const parts = name.text.split('.').map((p) => p.trim());
  const wildcard = n.namedChildren.some((c) => c?.type === 'asterisk');
  // Packages are lower case by convention, classes capitalised: the package ends before the first class.
  const firstClass = parts.findIndex((p) => /^[A-Z]/.test(p));
  const pkg = firstClass > 0 ? parts.slice(0, firstClass) : wildcard || parts.length < 2 ? parts : parts.slice(0, -1);
  if (pkg.length) out.add(pkg.join('.'));
}

function rustUse(arg: Node | null, out: Set<string>) {
  if (!arg) return;
  if (arg.type === 'use_list') {
    for (const c of arg.namedChildren) rustUse(c, out);
    return;
  }
  const m = /^(?:::)?\s*([A-Za-z_][A-Za-z0-9_]*)/.exec(arg.text);
  const crate = m?.[1];
  if (crate && !['crate', 'self', 'super', 'Self'].includes(crate)) out.add(crate);
}
