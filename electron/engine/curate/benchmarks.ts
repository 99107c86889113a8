import { pushAll } from '../../../shared/arrays.js';
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parquetReadObjects } from 'hyparquet';
import { CodedError } from '../../../shared/errors.js';

/** One benchmark problem whose text must not leak into training data. */
export interface BenchmarkItem {
  /** The benchmark's name (file stem, folder name, or `name=` given by the user). */
  benchmark: string;
  /** File basename the item came from, e.g. `humaneval.jsonl.gz`. */
  file: string;
  /** `task_id` (HumanEval `HumanEval/0`, MBPP `11`), else `id`, else `line N`. */
  itemId: string;
  /** 1-based line (JSONL) or row (JSON array, Parquet). */
  line: number;
  /**
   * Separately tokenized pieces: n-grams never span two pieces, because the prompt of one field
   * running into the tests of another is not text any sample could have copied.
   */
  segments: string[];
  /** The program (HumanEval prompt + solution, MBPP code): what the syntax match compares. */
  code: string;
  /** All segments joined; what gets embedded. */
  text: string;
}

export interface BenchmarkError {
  benchmark: string;
  file: string;
  /** 1-based line or row; null for a whole-file problem. */
  line: number | null;
  message: string;
  /** True when the problem makes the benchmark unusable as given (export stops unless allowed). */
  fatal: boolean;
}

/** Which row fields hold what; `+` joins several fields into one (e.g. `prompt+canonical_solution`). */
export interface BenchmarkFields {
  id?: string;
  code?: string;
  text?: string;
  tests?: string;
}

export interface BenchmarkSpec {
  name: string;
  path: string;
}

export interface LoadedBenchmark {
  name: string;
  path: string;
  files: string[];
  items: number;
  /** sha256-free content fingerprint input: file sizes and mtimes would lie; the item texts do not. */
  errors: BenchmarkError[];
}

/** More unusable lines than this fraction of a file's lines makes the file fatal. */
export const MAX_BAD_LINE_FRACTION = 0.02;

export class BenchmarkLoadError extends CodedError {
  constructor(readonly errors: BenchmarkError[]) {
    super(
      'invalid_input',
      `benchmark check failed (pass --allow-benchmark-errors to continue without it):\n` +
        errors.map((e) => `  ${formatBenchmarkError(e)}`).join('\n'),
      { name: 'BenchmarkLoadError' },
    );
  }
}

export function formatBenchmarkError(e: BenchmarkError): string {
  return `${e.file}${e.line !== null ? `:${e.line}` : ''}: ${e.message}`;
}

/** `name=path` or `path` (named by its stem: `HumanEval.jsonl.gz` -> `HumanEval`). */
export function parseBenchmarkSpec(arg: string): BenchmarkSpec {
  const m = arg.match(/^([A-Za-z0-9_.-]+)=(.+)$/);
  if (m) return { name: m[1], path: m[2] };
  const stem = basename(arg.replace(/[\\/]+$/, '')).replace(/(\.(jsonl|json|parquet))?(\.gz)?$/i, '');
  return { name: stem || arg, path: arg };
}

/** `id=task,code=prompt+solution,tests=checks` -> field roles. */
export function parseBenchmarkFields(arg: string): BenchmarkFields {
  const out: BenchmarkFields = {};
  for (const part of arg
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const m = part.match(/^(id|code|text|tests)=([^=]+)$/);
    if (!m) throw new Error(`--benchmark-fields: cannot read ${JSON.stringify(part)}; expected ROLE=FIELD[+FIELD]`);
    out[m[1] as keyof BenchmarkFields] = m[2];
  }
  return out;
}

const asText = (v: unknown): string | null => (typeof v === 'string' && v.trim().length > 0 ? v : null);
function fieldText(row: Record<string, unknown>, spec: string | undefined): string | null {
  if (!spec) return null;
  const parts = spec.split('+').map((f) => {
    const v = row[f.trim()];
    if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string').join('\n');
    return asText(v) ?? '';
  });
  const joined = parts.join('');
  return joined.trim() ? joined : null;
}

/** HumanEval (`prompt`, `canonical_solution`, `test`, `entry_point`) and MBPP (`text`, `code`, `test_list`, `test_setup_code`). */
const HUMANEVAL: Required<BenchmarkFields> = {
  id: 'task_id',
  code: 'prompt+canonical_solution',
  text: 'prompt',
  tests: 'test',
};
const MBPP: Required<BenchmarkFields> = {
  id: 'task_id',
  code: 'code',
  text: 'text',
  tests: 'test_setup_code+test_list+challenge_test_list',
};

/** The mapping for a row: the user's `--benchmark-fields`, else HumanEval or MBPP by their fields. */
function layoutOf(row: Record<string, unknown>, fields: BenchmarkFields | undefined): BenchmarkFields | null {
  if (fields && Object.keys(fields).length) return fields;
  if ('canonical_solution' in row || ('prompt' in row && 'entry_point' in row)) return HUMANEVAL;
  if ('code' in row && ('test_list' in row || 'text' in row)) return MBPP;
  return null;
}

/** Extracts one row's item, or explains why it has none. */
export function benchmarkItemOf(
  row: unknown,
  where: { benchmark: string; file: string; line: number },
  fields?: BenchmarkFields,
): BenchmarkItem | string {
  if (typeof row !== 'object' || row === null || Array.isArray(row)) return 'expected a JSON object';
  const r = row as Record<string, unknown>;
  const layout = layoutOf(r, fields);
  if (!layout)
    return `unknown layout (fields ${Object.keys(r).slice(0, 8).join(', ')}): expected HumanEval (prompt, canonical_solution, test) or MBPP (text, code, test_list); name the fields with --benchmark-fields`;
  const code = fieldText(r, layout.code);
  const text = fieldText(r, layout.text);
  const tests = fieldText(r, layout.tests);
  if (!code && !text && !tests)
    return `no benchmark text in fields ${[layout.code, layout.text, layout.tests].filter(Boolean).join(', ')}`;
  const segments: string[] = [];
  if (code) segments.push(code);
  if (text && !(code && code.includes(text))) segments.push(text);
  if (tests) segments.push(tests);
  const rawId = layout.id ? r[layout.id] : (r.task_id ?? r.id);
  const itemId =
    typeof rawId === 'string' || typeof rawId === 'number' || typeof rawId === 'bigint'
      ? String(rawId)
      : `line ${where.line}`;
  return { ...where, itemId, segments, code: code ?? '', text: segments.join('\n') };
}

const SUPPORTED = /\.(jsonl|json|parquet)(\.gz)?$/i;

/** The files of a benchmark path: the file itself, or a folder's supported files in name order. */
async function filesOf(path: string): Promise<string[]> {
  const st = await stat(path);
  if (!st.isDirectory()) return [path];
  const out: string[] = [];
  for (const e of (await readdir(path, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (e.isDirectory()) out.push(...(await filesOf(join(path, e.name))));
    else if (SUPPORTED.test(e.name)) out.push(join(path, e.name));
  }
  return out;
}

/** Rows of one file, sniffed by content (gzip magic, PAR1, `[`), not trusted by extension. */
async function rowsOf(file: string): Promise<{ rows: { line: number; row: unknown; error?: string }[] }> {
  let buf = await readFile(file);
  if (buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) buf = gunzipSync(buf);
  if (buf.length >= 4 && buf.subarray(0, 4).toString('latin1') === 'PAR1') {
    const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
    const objs = await parquetReadObjects({ file: ab });
    return { rows: objs.map((row, i) => ({ line: i + 1, row })) };
  }
  const text = buf.toString('utf8');
  if (/^\s*\[/.test(text)) {
    const arr = JSON.parse(text) as unknown;
    if (!Array.isArray(arr)) throw new Error('expected a JSON array of objects');
    return { rows: arr.map((row, i) => ({ line: i + 1, row })) };
  }
  const rows: { line: number; row: unknown; error?: string }[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i].trim();
    if (!raw) continue;
    try {
      rows.push({ line: i + 1, row: JSON.parse(raw) });
    } catch (err) {
      rows.push({ line: i + 1, row: null, error: `invalid JSON: ${(err as Error).message}` });
    }
  }
  return { rows };
}

/** Reads one file of a benchmark: its items, per-line errors, and a fatal error if it is unusable. */
export async function readBenchmarkFile(
  file: string,
  benchmark: string,
  fields?: BenchmarkFields,
): Promise<{ items: BenchmarkItem[]; errors: BenchmarkError[] }> {
  const name = basename(file);
  const fail = (line: number | null, message: string): BenchmarkError => ({
    benchmark,
    file,
    line,
    message,
    fatal: true,
  });
  let rows: { line: number; row: unknown; error?: string }[];
  try {
    ({ rows } = await rowsOf(file));
  } catch (err) {
    return { items: [], errors: [fail(null, `cannot read: ${(err as Error).message}`)] };
  }
  const items: BenchmarkItem[] = [];
  const errors: BenchmarkError[] = [];
  for (const { line, row, error } of rows) {
    const it = error ? error : benchmarkItemOf(row, { benchmark, file: name, line }, fields);
    if (typeof it === 'string') errors.push({ benchmark, file, line, message: it, fatal: false });
    else items.push(it);
  }
  if (items.length === 0) {
    const first = errors[0];
    return {
      items,
      errors: [
        fail(
          first?.line ?? null,
          rows.length === 0
            ? 'no items (the file is empty)'
            : `no usable items in ${rows.length} lines; first problem: ${first?.message}`,
        ),
        ...errors,
      ],
    };
  }
  if (errors.length > MAX_BAD_LINE_FRACTION * rows.length) {
    const first = errors[0];
    errors.unshift(
      fail(
        first.line,
        `${errors.length} of ${rows.length} lines unusable (more than ${MAX_BAD_LINE_FRACTION * 100} %); first: ${first.message}`,
      ),
    );
  }
  return { items, errors };
}

/** Loads every named benchmark. Never throws for a bad file: the errors say which, and whether fatal. */
export async function loadBenchmarkSpecs(
  specs: readonly BenchmarkSpec[],
  fields?: BenchmarkFields,
): Promise<{ items: BenchmarkItem[]; benchmarks: LoadedBenchmark[]; errors: BenchmarkError[] }> {
  const items: BenchmarkItem[] = [];
  const benchmarks: LoadedBenchmark[] = [];
  const seen = new Set<string>();
  for (const spec of specs) {
    if (seen.has(spec.name))
      throw new BenchmarkLoadError([
        {
          benchmark: spec.name,
          file: spec.path,
          line: null,
          message: `two benchmarks named ${spec.name}; use name=path`,
          fatal: true,
        },
      ]);
    seen.add(spec.name);
    const b: LoadedBenchmark = { name: spec.name, path: spec.path, files: [], items: 0, errors: [] };
    benchmarks.push(b);
    let files: string[];
    try {
      files = await filesOf(spec.path);
    } catch (err) {
      b.errors.push({
        benchmark: spec.name,
        file: spec.path,
        line: null,
        message: `cannot read: ${(err as Error).message}`,
        fatal: true,
      });
      continue;
    }
    if (!files.length)
      b.errors.push({
        benchmark: spec.name,
        file: spec.path,
        line: null,
        message: 'folder holds no .jsonl, .jsonl.gz, .json or .parquet files',
        fatal: true,
      });
    for (const f of files) {
      b.files.push(f);
      const r = await readBenchmarkFile(f, spec.name, fields);
      pushAll(items, r.items);
      b.items += r.items.length;
      b.errors.push(...r.errors);
    }
  }
  return { items, benchmarks, errors: benchmarks.flatMap((b) => b.errors) };
}

/**
 * Loads benchmarks given as `path` or `name=path`. Fatal errors (unreadable file, no items, too
 * many bad lines) throw unless `allowErrors`: decontaminating against less than the user named
 * must never look like success.
 */
export async function loadBenchmarks(
  args: readonly string[],
  opts: { fields?: BenchmarkFields; allowErrors?: boolean } = {},
): Promise<{ items: BenchmarkItem[]; benchmarks: LoadedBenchmark[]; errors: BenchmarkError[] }> {
  const res = await loadBenchmarkSpecs(args.map(parseBenchmarkSpec), opts.fields);
  const fatal = res.errors.filter((e) => e.fatal);
  if (fatal.length && !opts.allowErrors) throw new BenchmarkLoadError(fatal);
  return res;
}
