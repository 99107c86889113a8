import type { Node } from 'web-tree-sitter';
import type { CodeLanguage } from './grammars.js';

/**
 * What a top-level unit (one function-mode chunk) is in each language, read off the syntax tree.
 *
 * - Python: functions and classes (decorated ones with their decorators).
 * - JavaScript / TypeScript: function and class declarations, exported or not (the chunk keeps
 *   `export`); `const f = () => ...` and `const f = function () ...` count as functions.
 *   Overload signatures and interfaces are not units.
 * - Go: functions, methods and type declarations.
 * - Rust: `fn`, `struct`, `enum`, `impl` and `trait` items, with their `#[...]` attributes.
 * - Java: each top-level class, interface, enum or record.
 * - C / C++: function definitions and struct / union / class definitions (with a body),
 *   including `typedef struct {...} T;` and templates. Namespaces, `extern "C" {}` blocks and
 *   preprocessor conditionals (header guards) are scopes, not units: their members count as top-level.
 */
export interface CodeUnit {
  /** The whole unit (with `export`, decorators, `template<...>`): its node kinds are the chunk's features. */
  node: Node;
  /** Where the chunk starts and ends: the node, widened to its attributes / trailing `;`. */
  start: number;
  end: number;
  startRow: number;
  endRow: number;
  kind: string;
  name: string;
}

const KIND: Record<string, string> = {
  function_definition: 'function',
  function_declaration: 'function',
  generator_function_declaration: 'function',
  function_item: 'function',
  method_declaration: 'method',
  class_definition: 'class',
  class_declaration: 'class',
  abstract_class_declaration: 'class',
  class_specifier: 'class',
  interface_declaration: 'interface',
  enum_declaration: 'enum',
  record_declaration: 'record',
  type_declaration: 'type',
  struct_item: 'struct',
  struct_specifier: 'struct',
  union_specifier: 'union',
  enum_item: 'enum',
  impl_item: 'impl',
  trait_item: 'trait',
};

const UNITS: Record<CodeLanguage, Set<string>> = {
  python: new Set(['function_definition', 'class_definition', 'decorated_definition']),
  javascript: new Set(['function_declaration', 'generator_function_declaration', 'class_declaration']),
  typescript: new Set([
    'function_declaration',
    'generator_function_declaration',
    'class_declaration',
    'abstract_class_declaration',
  ]),
  java: new Set(['class_declaration', 'interface_declaration', 'enum_declaration', 'record_declaration']),
  go: new Set(['function_declaration', 'method_declaration', 'type_declaration']),
  rust: new Set(['function_item', 'struct_item', 'enum_item', 'impl_item', 'trait_item']),
  c: new Set(['function_definition', 'struct_specifier', 'union_specifier']),
  cpp: new Set(['function_definition', 'struct_specifier', 'union_specifier', 'class_specifier']),
};

/** C / C++ nodes whose members are top-level for chunking. */
const C_SCOPES = new Set([
  'namespace_definition',
  'linkage_specification',
  'declaration_list',
  'preproc_if',
  'preproc_ifdef',
  'preproc_else',
  'preproc_elif',
  'preproc_elifdef',
]);

/** The top-level units of a parsed file, in source order. */
export function topLevelUnits(root: Node, language: CodeLanguage): CodeUnit[] {
  const out: CodeUnit[] = [];
  const visit = (parent: Node) => {
    for (const child of parent.namedChildren) {
      if (!child) continue;
      const u = unitOf(child, language);
      if (u) out.push(u);
      else if ((language === 'c' || language === 'cpp') && C_SCOPES.has(child.type)) visit(child);
    }
  };
  visit(root);
  return out;
}

function unit(node: Node, inner: Node, kind: string, name: string): CodeUnit {
  let start = node;
  // Rust attributes (`#[derive(...)]`, `#[test]`) are separate nodes just before the item.
  while (start.previousNamedSibling?.type === 'attribute_item') start = start.previousNamedSibling;
  let end = node.endIndex;
  let endRow = node.endPosition.row;
  const next = node.nextSibling;
  // `struct s {...};` and `class A {...};`: the closing `;` belongs to the definition.
  if (next && next.type === ';' && inner.type.endsWith('_specifier')) {
    end = next.endIndex;
    endRow = next.endPosition.row;
  }
  return { node, start: start.startIndex, end, startRow: start.startPosition.row, endRow, kind, name };
}

function unitOf(node: Node, language: CodeLanguage): CodeUnit | null {
  const units = UNITS[language];
  const t = node.type;
  if (language === 'python' && t === 'decorated_definition') {
    const def = node.childForFieldName('definition');
    return def ? unit(node, def, KIND[def.type] ?? 'function', nameOf(def, language)) : null;
  }
  if (language === 'javascript' || language === 'typescript') {
    if (t === 'export_statement') {
      const decl = node.childForFieldName('declaration');
      const value = node.childForFieldName('value');
      if (decl) {
        const inner = unitOf(decl, language);
        return inner ? unit(node, decl, inner.kind, inner.name) : null;
      }
      if (value && (value.type === 'class' || value.type === 'function' || value.type === 'function_expression'))
        return unit(node, value, value.type === 'class' ? 'class' : 'function', 'default');
      return null;
    }
    if (t === 'lexical_declaration' || t === 'variable_declaration') {
      const decls = node.namedChildren.filter((n) => n?.type === 'variable_declarator');
      const value = decls.length === 1 ? decls[0]?.childForFieldName('value') : null;
      if (value && ['arrow_function', 'function', 'function_expression'].includes(value.type))
        return unit(node, value, 'function', decls[0]?.childForFieldName('name')?.text ?? '');
      return null;
    }
  }
  if (language === 'c' || language === 'cpp') {
    if (t === 'template_declaration') {
      const inner = node.namedChildren.find((n) => n && units.has(n.type));
      const u = inner ? unitOf(inner, language) : null;
      return u && inner ? unit(node, inner, u.kind, u.name) : null;
    }
    if (t === 'type_definition') {
      const type = node.childForFieldName('type');
      if (!type || !units.has(type.type) || !type.childForFieldName('body')) return null;
      const alias = node.childForFieldName('declarator');
      return unit(node, type, KIND[type.type], alias?.text ?? nameOf(type, language));
    }
    // A specifier without a body is a use (`struct s *p;`), not a definition.
    if (t.endsWith('_specifier') && !node.childForFieldName('body')) return null;
  }
  if (!units.has(t)) return null;
  return unit(node, node, KIND[t] ?? t, nameOf(node, language));
}

/** A unit's name: its `name` field, else what its declarator or spec names. */
function nameOf(node: Node, language: CodeLanguage): string {
  if (node.type === 'impl_item') {
    const type = node.childForFieldName('type')?.text ?? '';
    const trait = node.childForFieldName('trait')?.text;
    return trait ? `${trait} for ${type}` : type;
  }
  if (node.type === 'type_declaration') {
    return node.namedChildren
      .filter((n) => n?.type === 'type_spec' || n?.type === 'type_alias')
      .map((n) => n?.childForFieldName('name')?.text ?? '')
      .join(', ');
  }
  const name = node.childForFieldName('name');
  if (name) return name.text;
  if ((language === 'c' || language === 'cpp') && node.type === 'function_definition') {
    // int *f(void), A::m(), operator==: follow the declarator chain to the function's declarator.
    let d = node.childForFieldName('declarator');
    while (d && d.type !== 'function_declarator') d = d.childForFieldName('declarator');
    return d?.childForFieldName('declarator')?.text ?? '';
  }
  return '';
}
