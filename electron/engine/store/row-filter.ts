import { CodedError } from '../../../shared/errors.js';
import type { SampleIndex, SortField } from './sample-index.js';
import { SORT_FIELDS } from './sample-index.js';

/**
 * A tiny `--where` language over the current values of a sample:
 *   llm_score >= 3 AND human_score IS NULL AND source LIKE '%json%'
 * Conjunctions of comparisons only (=, !=, <, <=, >, >=, LIKE, IS [NOT] NULL). Field names are the
 * list columns. Kept deliberately small: every clause compiles to a typed-array test per row.
 */
export type RowPredicate = (r: number) => boolean;

const FIELDS = new Set<string>([...SORT_FIELDS, 'path', 'language']);

export class WhereSyntaxError extends Error {
  readonly code = 'invalid_input' as const;
  constructor(expr: string, message: string) {
    super(`--where ${JSON.stringify(expr)}: ${message}`);
    this.name = 'WhereSyntaxError';
  }
}

/**
 * Fields beyond the list columns (flags, license, declared metadata; see hygiene-index.ts).
 * A multi-valued field (an array) satisfies a comparison when any of its values does.
 */
export interface ExtraWhereFields {
  whereField(name: string): ((id: string) => string | number | readonly string[] | null) | undefined;
  whereFieldNames(): string[];
}

/** CPU time one filter may spend testing rows before the request is refused. */
export const WHERE_BUDGET_MS = 5_000;

export class WhereBudgetError extends CodedError {
  constructor(expr: string, ms: number) {
    super('invalid_input', `--where ${JSON.stringify(expr)}: took more than ${ms} ms; narrow the filter`, {
      name: 'WhereBudgetError',
    });
  }
}

export function compileWhere(
  expr: string,
  index: SampleIndex,
  extra?: ExtraWhereFields,
  budgetMs = WHERE_BUDGET_MS,
): RowPredicate {
  const clauses = expr
    .split(/\s+AND\s+/i)
    .map((c) => c.trim())
    .filter(Boolean);
  if (!clauses.length) throw new WhereSyntaxError(expr, 'empty expression');
  const tests = clauses.map((c) => compileClause(c, expr, index, extra));
  // NOTE: only the time spent inside the predicate counts, so a slow consumer of a stream is not charged.
  let spent = 0;
  return (r) => {
    const t0 = performance.now();
    const ok = tests.every((t) => t(r));
    spent += performance.now() - t0;
    if (spent > budgetMs) throw new WhereBudgetError(expr, budgetMs);
    return ok;
  };
}

/**
 * SQL LIKE (`%` any run, `_` one character, case-insensitive) without a regular expression: the
 * pattern splits at `%` into literal segments matched leftmost-first, which is exact for LIKE and
 * takes O(text x pattern) time at worst, never the exponential backtracking a regex can hit.
 */
export function compileLike(pattern: string): (text: string) => boolean {
  const segs = pattern.toLowerCase().split('%');
  const first = segs[0];
  const last = segs.length > 1 ? segs[segs.length - 1] : null;
  const middle = segs.slice(1, -1).filter((s) => s.length > 0);
  const eqAt = (t: string, at: number, seg: string) => {
    for (let k = 0; k < seg.length; k++) if (seg[k] !== '_' && seg[k] !== t[at + k]) return false;
    return true;
  };
  const find = (t: string, from: number, seg: string) => {
    for (let i = from; i + seg.length <= t.length; i++) if (eqAt(t, i, seg)) return i;
    return -1;
  };
  return (text) => {
    const t = text.toLowerCase();
    if (last === null) return t.length === first.length && eqAt(t, 0, first);
    if (t.length < first.length + last.length || !eqAt(t, 0, first)) return false;
    let pos = first.length;
    const end = t.length - last.length;
    for (const seg of middle) {
      const i = find(t, pos, seg);
      if (i < 0 || i + seg.length > end) return false;
      pos = i + seg.length;
    }
    return pos <= end && eqAt(t, end, last);
  };
}

function compileClause(clause: string, expr: string, index: SampleIndex, extra?: ExtraWhereFields): RowPredicate {
  const m = clause.match(/^([a-z_]+)\s*(>=|<=|!=|=|<|>|\s+LIKE\s+|\s+IS\s+NOT\s+NULL$|\s+IS\s+NULL$)\s*(.*)$/i);
  if (!m) throw new WhereSyntaxError(expr, `cannot read clause ${JSON.stringify(clause)}; expected FIELD OP VALUE`);
  const [, field, rawOp, rawVal] = m;
  const extraGet = FIELDS.has(field) ? undefined : extra?.whereField(field);
  if (!FIELDS.has(field) && !extraGet)
    throw new WhereSyntaxError(
      expr,
      `unknown field ${JSON.stringify(field)}; fields: ${[...FIELDS, ...(extra?.whereFieldNames() ?? [])].join(', ')}`,
    );
  const op = rawOp.trim().toUpperCase().replace(/\s+/g, ' ');
  const get = (r: number): string | number | readonly string[] | null =>
    extraGet
      ? extraGet(index.ids[r])
      : field === 'path'
        ? index.path[r]
        : field === 'language'
          ? index.language[r]
          : index.value(field as SortField, r);
  if (op === 'IS NULL') return (r) => get(r) === null;
  if (op === 'IS NOT NULL') return (r) => get(r) !== null;
  const val = parseValue(rawVal, expr);
  if (op === 'LIKE') {
    if (typeof val !== 'string') throw new WhereSyntaxError(expr, 'LIKE needs a quoted pattern');
    const like = compileLike(val);
    return (r) => {
      const v = get(r);
      return v !== null && (typeof v === 'object' ? v.some((x) => like(x)) : like(String(v)));
    };
  }
  const cmp = (a: string | number, b: string | number) => (a < b ? -1 : a > b ? 1 : 0);
  const ops: Record<string, (c: number) => boolean> = {
    '=': (c) => c === 0,
    '!=': (c) => c !== 0,
    '<': (c) => c < 0,
    '<=': (c) => c <= 0,
    '>': (c) => c > 0,
    '>=': (c) => c >= 0,
  };
  const f = ops[op];
  return (r) => {
    const v = get(r);
    if (v === null) return false;
    // NOTE: `!=` on a multi-valued field means "has none equal", the negation of `=`.
    if (typeof v === 'object') return op === '!=' ? v.every((x) => cmp(x, val) !== 0) : v.some((x) => f(cmp(x, val)));
    return f(cmp(v, val));
  };
}

function parseValue(raw: string, expr: string): string | number {
  const s = raw.trim();
  if (/^'.*'$/.test(s) || /^".*"$/.test(s)) return s.slice(1, -1);
  const n = Number(s);
  if (s !== '' && Number.isFinite(n)) return n;
  throw new WhereSyntaxError(expr, `value ${JSON.stringify(s)} is neither a number nor a quoted string`);
}
