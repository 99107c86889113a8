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

export function compileWhere(expr: string, index: SampleIndex): RowPredicate {
  const clauses = expr
    .split(/\s+AND\s+/i)
    .map((c) => c.trim())
    .filter(Boolean);
  if (!clauses.length) throw new WhereSyntaxError(expr, 'empty expression');
  const tests = clauses.map((c) => compileClause(c, expr, index));
  return (r) => tests.every((t) => t(r));
}

function compileClause(clause: string, expr: string, index: SampleIndex): RowPredicate {
  const m = clause.match(/^([a-z_]+)\s*(>=|<=|!=|=|<|>|\s+LIKE\s+|\s+IS\s+NOT\s+NULL$|\s+IS\s+NULL$)\s*(.*)$/i);
  if (!m) throw new WhereSyntaxError(expr, `cannot read clause ${JSON.stringify(clause)}; expected FIELD OP VALUE`);
  const [, field, rawOp, rawVal] = m;
  if (!FIELDS.has(field))
    throw new WhereSyntaxError(expr, `unknown field ${JSON.stringify(field)}; fields: ${[...FIELDS].join(', ')}`);
  const op = rawOp.trim().toUpperCase().replace(/\s+/g, ' ');
  const get = (r: number): string | number | null =>
    field === 'path' ? index.path[r] : field === 'language' ? index.language[r] : index.value(field as SortField, r);
  if (op === 'IS NULL') return (r) => get(r) === null;
  if (op === 'IS NOT NULL') return (r) => get(r) !== null;
  const val = parseValue(rawVal, expr);
  if (op === 'LIKE') {
    if (typeof val !== 'string') throw new WhereSyntaxError(expr, 'LIKE needs a quoted pattern');
    const re = new RegExp(
      '^' +
        val
          .split('%')
          .map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/_/g, '.'))
          .join('.*') +
        '$',
      'is',
    );
    return (r) => {
      const v = get(r);
      return v !== null && re.test(String(v));
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
    return v !== null && f(cmp(v, val));
  };
}

function parseValue(raw: string, expr: string): string | number {
  const s = raw.trim();
  if (/^'.*'$/.test(s) || /^".*"$/.test(s)) return s.slice(1, -1);
  const n = Number(s);
  if (s !== '' && Number.isFinite(n)) return n;
  throw new WhereSyntaxError(expr, `value ${JSON.stringify(s)} is neither a number nor a quoted string`);
}
