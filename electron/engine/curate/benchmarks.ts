import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';

/** One benchmark problem whose text must not leak into training data. */
export interface BenchmarkItem {
  /** File basename, e.g. `humaneval.jsonl`. */
  file: string;
  /** `task_id` (HumanEval `HumanEval/0`, MBPP `11`), else `id`, else `line N`. */
  itemId: string;
  line: number;
  /**
   * Separately tokenized pieces: n-grams never span two pieces, because the prompt of one field
   * running into the tests of another is not text any sample could have copied.
   */
  segments: string[];
  /** All segments joined; what gets embedded. */
  text: string;
}

export interface BenchmarkError {
  file: string;
  /** 1-based line; null for a whole-file problem. */
  line: number | null;
  message: string;
}

/** Code-bearing fields of HumanEval- and MBPP-style rows (plus common aliases). */
const SINGLE_FIELDS = ['test', 'code', 'solution', 'test_setup_code', 'text', 'question'] as const;
const LIST_FIELDS = ['test_list', 'challenge_test_list'] as const;

function asText(v: unknown): string | null {
  return typeof v === 'string' && v.trim().length > 0 ? v : null;
}

/** Extracts the segments of one parsed row, or explains why it has none. */
export function benchmarkSegments(row: Record<string, unknown>): string[] | string {
  const segments: string[] = [];
  // HumanEval: the prompt (signature + docstring) and the canonical solution are one program.
  const prompt = asText(row.prompt);
  const solution = asText(row.canonical_solution);
  if (prompt || solution) segments.push(`${prompt ?? ''}${solution ?? ''}`);
  for (const f of SINGLE_FIELDS) {
    const t = asText(row[f]);
    if (t) segments.push(t);
  }
  for (const f of LIST_FIELDS) {
    const list = row[f];
    if (Array.isArray(list)) {
      const joined = list.filter((x): x is string => typeof x === 'string').join('\n');
      if (joined.trim()) segments.push(joined);
    }
  }
  if (segments.length === 0) {
    return 'no benchmark text: expected prompt/canonical_solution/test (HumanEval) or text/code/test_list (MBPP)';
  }
  return segments;
}

/** Parses one JSONL benchmark text; bad lines become errors and the rest is kept. */
export function parseBenchmarkJsonl(
  content: string,
  file: string,
): { items: BenchmarkItem[]; errors: BenchmarkError[] } {
  const items: BenchmarkItem[] = [];
  const errors: BenchmarkError[] = [];
  const name = basename(file);
  const lines = content.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i].trim();
    if (!raw) continue;
    const line = i + 1;
    let row: unknown;
    try {
      row = JSON.parse(raw);
    } catch (err) {
      errors.push({ file, line, message: `invalid JSON: ${(err as Error).message}` });
      continue;
    }
    if (typeof row !== 'object' || row === null || Array.isArray(row)) {
      errors.push({ file, line, message: 'expected a JSON object' });
      continue;
    }
    const r = row as Record<string, unknown>;
    const segments = benchmarkSegments(r);
    if (typeof segments === 'string') {
      errors.push({ file, line, message: segments });
      continue;
    }
    const rawId = r.task_id ?? r.id;
    const itemId = typeof rawId === 'string' || typeof rawId === 'number' ? String(rawId) : `line ${line}`;
    items.push({ file: name, itemId, line, segments, text: segments.join('\n') });
  }
  return { items, errors };
}

/**
 * Loads benchmark JSONL files. A file that cannot be read at all throws: silently exporting
 * without the decontamination the user asked for would be worse than stopping.
 */
export async function loadBenchmarks(
  files: readonly string[],
): Promise<{ items: BenchmarkItem[]; errors: BenchmarkError[] }> {
  const items: BenchmarkItem[] = [];
  const errors: BenchmarkError[] = [];
  for (const file of files) {
    let content: string;
    try {
      content = await readFile(file, 'utf8');
    } catch (err) {
      throw new Error(`cannot read benchmark file ${file}: ${(err as Error).message}`);
    }
    const parsed = parseBenchmarkJsonl(content, file);
    items.push(...parsed.items);
    errors.push(...parsed.errors);
    if (parsed.items.length === 0) errors.push({ file, line: null, message: 'no usable benchmark items in file' });
  }
  return { items, errors };
}
