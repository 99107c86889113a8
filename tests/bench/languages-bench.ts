import { copyFile, mkdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { getParser } from '../../electron/engine/ingest/grammars.js';
import { importPaths, type ImportResult } from '../../electron/engine/ingest/importer.js';
import { languageFromPath } from '../../electron/engine/ingest/languages.js';
import { DatasetStore } from '../../electron/engine/store/dataset-store.js';
import { benchTempDir, mb, median, timed, type BenchOpts, type BenchRow } from './corpus.js';
import { langCorpus, machinePaths, pythonCorpus, SPECS, type LangCorpus } from './languages-corpus.js';

/**
 * Import speed per language (issue: chunking and AST features for JavaScript, TypeScript, Java,
 * Go, Rust, C and C++ through tree-sitter WASM grammars), on real code found on this machine
 * (languages-corpus.ts), with Python from the main corpus for comparison. Per language: a folder
 * import into a real LanceDB store with `--chunk file` and with `--chunk function`, and the bare
 * tree-sitter parse (parser.parse only) of the same files. The stored rows' `language` values are
 * checked against the intended language.
 */
const EXT: Record<string, string> = {
  python: 'py',
  javascript: 'js',
  typescript: 'ts',
  c: 'c',
  cpp: 'hpp',
  go: 'go',
  rust: 'rs',
  java: 'java',
};
/** MB, or KB below 0.1 MB (the small corpora). */
const fmtMB = (bytes: number) => (bytes < 1e5 ? `${(bytes / 1e3).toFixed(1)} KB` : `${(bytes / 1e6).toFixed(1)} MB`);
/** Below this much real code a row is measured but flagged: fixed costs dominate its MB/s. */
const SMALL = 1e6;
const WARM_FILES = 20;

interface ImportRun {
  seconds: number;
  result: ImportResult;
  /** Stored rows per `language` value, and distinct source paths with at least one row. */
  languages: Map<string, number>;
  paths: number;
  /** Bytes of the stored sample texts (function mode keeps only the units, not the code between them). */
  storedBytes: number;
}

/** Copies the files into one folder, named so the importer's extension map gives `language`. */
async function writeFolder(c: LangCorpus, dir: string, count = c.files.length) {
  await mkdir(dir, { recursive: true });
  for (let i = 0; i < count; i++) {
    const sub = join(dir, `d${String(Math.floor(i / 200)).padStart(3, '0')}`);
    if (i % 200 === 0) await mkdir(sub, { recursive: true });
    let name = `${i}_${basename(c.files[i].path)}`;
    if (languageFromPath(name) !== c.language) name += `.${EXT[c.language]}`;
    await copyFile(c.files[i].path, join(sub, name));
  }
}

async function importOnce(src: string, dbDir: string, chunk: 'file' | 'function'): Promise<ImportRun> {
  const store = await DatasetStore.open(dbDir, { create: true });
  try {
    const r = await timed(() => importPaths(store, [src], { chunk }));
    const rows = await (await store.table('samples')).query().select(['language', 'path', 'text']).toArray();
    const languages = new Map<string, number>();
    const paths = new Set<string>();
    let storedBytes = 0;
    for (const row of rows as { language: string; path: string | null; text: string }[]) {
      languages.set(row.language, (languages.get(row.language) ?? 0) + 1);
      paths.add(row.path ?? '');
      storedBytes += Buffer.byteLength(row.text);
    }
    return { seconds: r.seconds, result: r.result, languages, paths: paths.size, storedBytes };
  } finally {
    await store.close();
  }
}

/** "" when every stored row has the intended language, else a loud description. */
function mismatch(run: ImportRun, language: string): string {
  const other = [...run.languages].filter(([l]) => l !== language);
  return other.length ? `LANGUAGE MISMATCH: ${other.map(([l, n]) => `${n} rows as ${l}`).join(', ')}; ` : '';
}

function describe(c: LangCorpus): string {
  const groups = c.picked
    .filter((g) => g.available > 0)
    .map((g) => `${g.files} of ${g.available} ${g.label} (${fmtMB(g.bytes)})`)
    .join(' + ');
  // A small corpus is listed file by file.
  const list = c.bytes < SMALL ? ` (${c.files.map((f) => f.path).join(', ')})` : '';
  return `${c.files.length} unique files, ${fmtMB(c.bytes)}: ${groups || 'none'}${list}`;
}

async function benchLanguage(c: LangCorpus, o: BenchOpts, dir: string): Promise<BenchRow[]> {
  const lang = c.language;
  const reps = o.quick ? 1 : 3;
  const folder = join(dir, `${lang}-src`);
  await writeFolder(c, folder);
  const small =
    c.bytes < SMALL
      ? `only ${c.files.length} file${c.files.length === 1 ? '' : 's'} / ${(c.bytes / 1e3).toFixed(1)} KB of real ${lang} code on this machine, so fixed per-import costs (store writes, hygiene) dominate; `
      : '';
  // An untimed warm-up import of a few of the files in both modes: the grammar's WASM load, the
  // TSX fallback grammar, the hygiene scanners and the JIT are first-import costs, not throughput.
  const warmFiles = Math.min(WARM_FILES, c.files.length);
  await writeFolder(c, join(dir, `${lang}-warm`), warmFiles);
  const warm = await timed(async () => {
    for (const mode of ['file', 'function'] as const)
      await importOnce(join(dir, `${lang}-warm`), join(dir, `${lang}-db-warm-${mode}`), mode);
  });
  const rows: BenchRow[] = [];
  const runs: Record<'file' | 'function', ImportRun[]> = { file: [], function: [] };
  // Alternating modes, so a load spike on the shared machine hits both.
  for (let k = 0; k < reps; k++)
    for (const mode of ['file', 'function'] as const) {
      o.log(`${lang}: --chunk ${mode} ${k + 1}/${reps} (${c.files.length} files, ${fmtMB(c.bytes)})`);
      runs[mode].push(await importOnce(folder, join(dir, `${lang}-db-${mode}-${k}`), mode));
    }
  const secs = (mode: 'file' | 'function') => median(runs[mode].map((r) => r.seconds));

  // The bare parse of the same texts (the grammar the importer picks first; TypeScript's TSX retry is not timed).
  const parser = await getParser(lang);
  const parseRuns: number[] = [];
  let withErrors = 0;
  for (let k = 0; k < reps; k++) {
    let errs = 0;
    parseRuns.push(
      (
        await timed(() => {
          for (const f of c.files) {
            const tree = parser.parse(f.text);
            if (!tree || tree.rootNode.hasError) errs++;
            tree?.delete();
          }
        })
      ).seconds,
    );
    withErrors = errs;
  }
  const parseMBs = mb(c.bytes) / median(parseRuns);

  const f0 = runs.file[0];
  const fn0 = runs.function[0];
  const bad = mismatch(f0, lang) + mismatch(fn0, lang);
  if (bad) o.log(`${lang}: ${bad}`);
  const fileMBs = mb(c.bytes) / secs('file');
  const fnMBs = mb(c.bytes) / secs('function');
  rows.push({
    name: `${lang}: import folder, --chunk file`,
    value: fileMBs,
    unit: 'MB/s',
    note:
      `${bad}${small}median of ${reps} after an untimed warm-up import of ${warmFiles} of the files in both modes (${warm.seconds.toFixed(1)} s); ${describe(c)}; ${f0.result.imported} samples, ${f0.result.duplicates} dup, ` +
      `${f0.result.errorCount} errors; stored language ${[...f0.languages].map(([l, n]) => `${l} x${n}`).join(', ')}`,
  });
  rows.push({
    name: `${lang}: import folder, --chunk function`,
    value: fnMBs,
    unit: 'MB/s',
    note:
      `median of ${reps}; ${fn0.result.imported} function/type chunks (${(fn0.result.imported / Math.max(1, fn0.result.files)).toFixed(1)} per file), ` +
      `${fn0.result.duplicates} dup, ${fn0.result.errorCount} errors; ${c.files.length - fn0.paths} of ${c.files.length} files gave no chunk; ` +
      `the chunks hold ${fmtMB(fn0.storedBytes)} of the ${fmtMB(c.bytes)} (MB/s counts the input); ` +
      `${(fnMBs / parseMBs).toFixed(2)}x the bare parse speed (file mode ${(fileMBs / parseMBs).toFixed(2)}x)`,
  });
  rows.push({
    name: `${lang}: tree-sitter parse only`,
    value: parseMBs,
    unit: 'MB/s',
    note: `median of ${reps}; parser.parse of the same ${fmtMB(c.bytes)}, one core; ${withErrors} of ${c.files.length} files have syntax errors (ERROR/MISSING nodes) in the ${lang} grammar`,
  });
  return rows;
}

export async function run(o: BenchOpts): Promise<BenchRow[]> {
  const cap = o.quick ? 1.5e6 : 8e6;
  const seed = 23;
  const t = await timed(() => machinePaths());
  o.log(`walked / and node_modules: ${t.result.length} files in ${t.seconds.toFixed(1)} s`);
  const corpora = [pythonCorpus(cap, seed), ...SPECS.map((s) => langCorpus(s, cap, seed))];
  const rows: BenchRow[] = [];
  const tmp = await benchTempDir('languages');
  try {
    for (const c of corpora) {
      o.log(`${c.language}: ${describe(c)} (${c.available} unique available, ${fmtMB(c.availableBytes)})`);
      if (!c.files.length) {
        rows.push({
          name: `${c.language}: not measured`,
          value: 0,
          unit: 'files',
          note: `no real ${c.language} code on this machine (${c.seen} files seen, ${c.skipped} skipped, ${c.duplicates} dup); /tmp and /work are not searched, so this repo's own tests/fixtures (written for the tests) do not count`,
        });
        continue;
      }
      rows.push(...(await benchLanguage(c, o, tmp.dir)));
    }
  } finally {
    await tmp.remove();
  }
  return rows;
}
