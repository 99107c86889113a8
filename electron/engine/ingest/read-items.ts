/**
 * What the import readers yield and take: raw records, per-row import errors (and the parse
 * error summaries that keep a sample's text out of them), per-file completion, reader options.
 */
import type { ImportError } from '../../../shared/domain.js';

/** One input document before chunking. */
export interface RawRecord {
  text: string;
  source: string;
  repo: string | null;
  path: string | null;
  language: string | null;
  metadata: Record<string, unknown>;
  bytes: number;
  /** Folder imports: the LICENSE / COPYING file that governs this file, when one was recognized. */
  licenseFile?: { path: string; id: string } | null;
}
export type ReadItem =
  | { record: RawRecord }
  | { error: ImportError }
  /** `skipped`: why a readable file gave no record without being an error (it is empty). */
  | { fileDone: string; bytes: number; skipped?: string };

export interface ReaderOptions {
  textField?: string;
  lang?: string;
  maxFileBytes: number;
  signal?: AbortSignal;
  /** Follow symbolic links inside folders (each real folder is visited once). Default: skip them. */
  followSymlinks?: boolean;
}

export function err(file: string, line: number | null, field: string | null, message: string): ImportError {
  return { file, line, field, message };
}

/**
 * Parse errors name the place, never the text there: V8 quotes the bad line
 * (`Unexpected token 'g', "{"token": ghp_Nf"... is not valid JSON`) and csv-parse the bad value,
 * and error messages reach the terminal, `--json` output and the `import_errors` table.
 */
export function jsonErrorSummary(message: string): string {
  return message.split('"')[0].replace(/[,.\s]+$/, '') || 'not valid JSON';
}

export function csvErrorSummary(e: Error & { code?: string }): string {
  const m = e.message.replace(/,?\s*value is[\s\S]*$/, '').replace(/"[^"]*"/g, (q) => (q.length > 42 ? '"…"' : q));
  return e.code ? `${e.code}: ${m}` : m;
}
