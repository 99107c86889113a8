import type { CodeStats } from './code-scan.js';

/**
 * Dense "style" features: the signals a reader uses to judge educational value (documentation,
 * comments, naming, size, structure) that hashing would smear across buckets. Each is mapped by
 * a FIXED transform (log scale, ratio, clip) into [0, 1] so the vector never depends on the
 * corpus. The order is part of the embedder version: append only, and bump the version.
 */
export const STYLE_FEATURES = [
  'log_lines',
  'log_chars',
  'blank_line_ratio',
  'comment_line_ratio',
  'inline_comment_ratio',
  'comment_char_ratio',
  'docstring_char_ratio',
  'module_docstring',
  'docstring_coverage',
  'docstring_avg_len',
  'has_docstring',
  'comment_words_per_line',
  'mean_line_len',
  'line_len_std',
  'long_line_ratio',
  'very_long_line_ratio',
  'max_line_len',
  'mean_indent',
  'max_indent',
  'def_count',
  'class_count',
  'defs_per_100_lines',
  'avg_ident_len',
  'single_letter_ratio',
  'multi_word_ident_ratio',
  'unique_ident_ratio',
  'keyword_ratio',
  'number_density',
  'string_density',
  'string_char_ratio',
  'operator_density',
  'tokens_per_line',
  'main_guard',
  'assert_count',
  'print_count',
  'import_count',
  'return_annotation_ratio',
  'test_ident_ratio',
  'todo_count',
  'non_ascii_ratio',
  'tab_indent_ratio',
  'lambda_count',
  'self_ratio',
  'ast_available',
  'ast_log_nodes',
  'ast_error_ratio',
  'ast_comment_ratio',
  'ast_call_ratio',
  'ast_control_ratio',
  'ast_function_ratio',
  'ast_string_ratio',
  'shebang',
  'decorator_count',
  'doc_words_per_def',
  'return_per_def',
] as const;

export type StyleFeature = (typeof STYLE_FEATURES)[number];

/** Position of a named style feature inside the style block. */
export function styleIndex(name: StyleFeature): number {
  return STYLE_FEATURES.indexOf(name);
}

const clip = (x: number) => (x > 1 ? 1 : x < 0 || Number.isNaN(x) ? 0 : x);
const logScale = (x: number, max: number) => clip(Math.log1p(x) / Math.log1p(max));
const ratio = (a: number, b: number) => (b > 0 ? a / b : 0);

// NOTE: each list names a concept's node kinds in every grammar (grammars.ts). Python's kinds come
// first and the others never occur in a Python tree, so Python vectors are what they always were
// (and non-Python samples had no node kinds before they had grammars): HASH_EMBEDDER_VERSION stays.
const CONTROL_KINDS = [
  'if_statement',
  'for_statement',
  'while_statement',
  'try_statement',
  'with_statement',
  'match_statement',
  // JavaScript, TypeScript, Java, Go, C, C++
  'for_in_statement',
  'enhanced_for_statement',
  'for_range_loop',
  'do_statement',
  'switch_statement',
  'expression_switch_statement',
  'type_switch_statement',
  'select_statement',
  // Rust (control flow is made of expressions)
  'if_expression',
  'for_expression',
  'while_expression',
  'loop_expression',
  'match_expression',
];
const COMMENT_KINDS = ['comment', 'line_comment', 'block_comment'];
const CALL_KINDS = ['call', 'call_expression', 'method_invocation', 'macro_invocation'];
const FUNCTION_KINDS = [
  'function_definition',
  'function_declaration',
  'generator_function_declaration',
  'method_definition',
  'method_declaration',
  'constructor_declaration',
  'function_item',
];
const STRING_KINDS = [
  'string',
  'string_literal',
  'template_string',
  'interpreted_string_literal',
  'raw_string_literal',
];

/** Writes STYLE_FEATURES.length values in [0, 1] into `out` starting at `offset`. */
export function writeStyleFeatures(s: CodeStats, ast: Record<string, number>, out: Float64Array, offset: number): void {
  const nonBlank = s.lines - s.blankLines;
  const meanLen = ratio(s.lineLenSum, s.lines);
  const variance = Math.max(0, ratio(s.lineLenSqSum, s.lines) - meanLen * meanLen);
  const units = s.defs + s.classes;
  // Module docstrings are not per-definition documentation.
  const defDocs = s.docstrings - s.moduleDoc;
  let astTotal = 0;
  for (const k in ast) astTotal += ast[k] > 0 ? ast[k] : 0;
  const astR = (kinds: string[]) => {
    let c = 0;
    for (const k of kinds) c += ast[k] ?? 0;
    return ratio(c, astTotal);
  };
  const v = [
    logScale(s.lines, 5000),
    logScale(s.chars, 500_000),
    ratio(s.blankLines, s.lines),
    ratio(s.commentLines, nonBlank),
    ratio(s.inlineCommentLines, s.codeLines),
    clip(3 * ratio(s.commentChars, s.chars)),
    clip(2 * ratio(s.docChars, s.chars)),
    s.moduleDoc,
    clip(ratio(defDocs, units)),
    logScale(ratio(s.docChars, s.docstrings), 2000),
    s.docstrings > 0 ? 1 : 0,
    clip(ratio(s.commentWords, s.codeLines) / 3),
    clip(meanLen / 100),
    clip(Math.sqrt(variance) / 60),
    ratio(s.longLines, nonBlank),
    ratio(s.veryLongLines, nonBlank),
    logScale(s.maxLineLen, 1000),
    clip(ratio(s.indentSum, s.codeLines) / 16),
    clip(s.maxIndent / 40),
    logScale(s.defs, 200),
    logScale(s.classes, 50),
    clip(ratio(s.defs * 100, s.codeLines) / 15),
    clip(ratio(s.identLenSum, s.identifiers) / 15),
    ratio(s.singleLetter, s.identifiers),
    ratio(s.multiWord, s.identifiers),
    ratio(s.uniqueIdents, s.identifiers),
    ratio(s.keywords, s.tokens),
    clip(4 * ratio(s.numbers, s.tokens)),
    clip(4 * ratio(s.strings, s.tokens)),
    clip(2 * ratio(s.stringChars, s.chars)),
    ratio(s.operators, s.tokens),
    clip(ratio(s.tokens, s.codeLines) / 20),
    s.mainGuard,
    logScale(s.asserts, 100),
    logScale(s.prints, 100),
    logScale(s.imports, 50),
    clip(ratio(s.arrows, s.defs)),
    clip(10 * ratio(s.testIdents, s.identifiers)),
    logScale(s.todos, 20),
    clip(20 * ratio(s.nonAscii, s.chars)),
    ratio(s.tabLines, s.codeLines),
    logScale(s.lambdas, 20),
    clip(4 * ratio(s.selfRefs, s.identifiers)),
    astTotal > 0 ? 1 : 0,
    logScale(astTotal, 100_000),
    clip(20 * astR(['ERROR'])),
    clip(10 * astR(COMMENT_KINDS)),
    clip(5 * astR(CALL_KINDS)),
    clip(10 * astR(CONTROL_KINDS)),
    clip(50 * astR(FUNCTION_KINDS)),
    clip(5 * astR(STRING_KINDS)),
    s.shebang,
    logScale(s.decorators, 50),
    logScale(ratio(s.docWords, Math.max(1, units)), 200),
    clip(ratio(s.returns, s.defs) / 3),
  ];
  // NOTE: names and values are two parallel lists; a mismatch would silently shift every feature.
  if (v.length !== STYLE_FEATURES.length)
    throw new Error(`style features: ${v.length} values for ${STYLE_FEATURES.length} names`);
  for (let k = 0; k < v.length; k++) out[offset + k] = clip(v[k]);
}
