import { copyFile, mkdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { importPaths } from '../../electron/engine/ingest/importer.js';
import { chunkPython, getPythonParser } from '../../electron/engine/ingest/python-parser.js';
import { DatasetStore } from '../../electron/engine/store/dataset-store.js';
import {
  benchTempDir,
  fmtMB,
  loadCorpus,
  mb,
  median,
  shuffled,
  stackRow,
  textRow,
  timed,
  writePaddedJsonl,
  type BenchOpts,
  type BenchRow,
  type CorpusFile,
} from './corpus.js';

/**
 * Import throughput on real Python: JSONL (text-only rows, and The Stack's row layout, which the
 * importer parses for AST counts), function-chunked folders, and the raw tree-sitter parser.
 */
interface ImportRun {
  seconds: number;
  imported: number;
  duplicates: number;
  errors: number;
}

async function importOnce(
  src: string,
  dbDir: string,
  chunk: 'file' | 'function',
  compact = false,
  lang?: string,
): Promise<ImportRun & { compactSeconds?: number }> {
  const store = await DatasetStore.open(dbDir, { create: true });
  try {
    const r = await timed(() => importPaths(store, [src], { chunk, lang }));
    const out: ImportRun & { compactSeconds?: number } = {
      seconds: r.seconds,
      imported: r.result.imported,
      duplicates: r.result.duplicates,
      errors: r.result.errorCount,
    };
    if (compact) out.compactSeconds = (await timed(() => store.compact(['samples', 'import_errors']))).seconds;
    return out;
  } finally {
    await store.close();
  }
}

/** Seeded subset of the unique files, up to `bytes`. */
function subset(bytes: number, seed: number): CorpusFile[] {
  const out: CorpusFile[] = [];
  let total = 0;
  for (const f of shuffled(loadCorpus().files, seed)) {
    if (total >= bytes) break;
    out.push(f);
    total += f.bytes;
  }
  return out;
}

export async function run(o: BenchOpts): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const corpus = loadCorpus();
  const tmp = await benchTempDir('import');
  try {
    // 1. JSONL, text-only rows (content + file name, no language field). NOTE: the file names end
    // in `.py`, and since an earlier stop the importer takes the language from them (or from the
    // content, detect-language.ts), so each row is parsed for its AST counts like the Stack
    // layout's (2.2-2.6 MB/s, one thread; 34.8 MB/s when these rows were stored unparsed). The
    // row after it imports the same file with `--lang text`, the way to store rows unparsed.
    const jsonlTarget = o.quick ? 60e6 : 250e6;
    const reps = o.quick ? 1 : 3;
    const textFile = join(tmp.dir, 'real-text.jsonl');
    const w = await writePaddedJsonl(textFile, jsonlTarget, textRow);
    if (w.padded) o.log(`warning: text JSONL needed ${w.padded} padded rows`);
    const runs: (ImportRun & { compactSeconds?: number })[] = [];
    for (let k = 0; k < reps; k++) {
      o.log(`jsonl text-only import ${k + 1}/${reps} (${fmtMB(w.bytes)})`);
      runs.push(await importOnce(textFile, join(tmp.dir, `db-text-${k}`), 'file', k === reps - 1));
    }
    const secs = median(runs.map((r) => r.seconds));
    const realNote = `${w.rows} real unique stdlib/site-packages files, ${fmtMB(w.bytes)} JSONL, no padding`;
    rows.push({
      name: 'import JSONL (text-only rows)',
      value: mb(w.bytes) / secs,
      unit: 'MB/s',
      note: `median of ${reps}; ${realNote}; target >= 25`,
    });
    rows.push({
      name: 'import JSONL (text-only rows)',
      value: runs[0].imported / secs,
      unit: 'samples/s',
      note: `${runs[0].imported} imported, ${runs[0].duplicates} dup, ${runs[0].errors} errors`,
    });
    o.log(`jsonl text-only import, --lang text (${fmtMB(w.bytes)})`);
    const plain = await importOnce(textFile, join(tmp.dir, 'db-text-plain'), 'file', false, 'text');
    rows.push({
      name: 'import JSONL (text-only rows, --lang text: not parsed)',
      value: mb(w.bytes) / plain.seconds,
      unit: 'MB/s',
      note: `1 run, same file; ${plain.imported} imported, ${plain.errors} errors; no AST counts, no chunking; issue 2's target >= 25`,
    });
    const compactS = runs[reps - 1].compactSeconds ?? NaN;
    rows.push({
      name: 'compact after JSONL import',
      value: compactS,
      unit: 's',
      note: `store.compact(samples, import_errors) after ${fmtMB(w.bytes)} (samples.import does this)`,
    });

    // 2. JSONL in The Stack's layout (content, max_stars_repo_path, max_stars_repo_name, lang=Python):
    //    the importer parses each Python record with tree-sitter for its AST node counts.
    const stackTarget = o.quick ? 8e6 : 40e6;
    const stackFile = join(tmp.dir, 'real-stack.jsonl');
    const ws = await writePaddedJsonl(stackFile, stackTarget, stackRow);
    o.log(`jsonl stack-layout import (${fmtMB(ws.bytes)})`);
    const rs = await importOnce(stackFile, join(tmp.dir, 'db-stack'), 'file');
    rows.push({
      name: 'import JSONL (Stack layout, lang=Python)',
      value: mb(ws.bytes) / rs.seconds,
      unit: 'MB/s',
      note: `1 run; ${ws.rows} real files, ${fmtMB(ws.bytes)}; every record parsed (file-mode AST counts), so parser-bound`,
    });
    rows.push({
      name: 'import JSONL (Stack layout, lang=Python)',
      value: rs.imported / rs.seconds,
      unit: 'samples/s',
      note: `${rs.imported} imported, ${rs.errors} errors`,
    });

    // 3. A folder of real .py files, function-chunked (one sample per top-level def/class).
    const folderBytes = o.quick ? 8e6 : 40e6;
    const files = subset(folderBytes, 11);
    const folder = join(tmp.dir, 'pyfolder');
    await mkdir(folder, { recursive: true });
    for (let i = 0; i < files.length; i++) {
      const sub = join(folder, `d${String(Math.floor(i / 200)).padStart(3, '0')}`);
      if (i % 200 === 0) await mkdir(sub, { recursive: true });
      await copyFile(files[i].path, join(sub, `${i}_${basename(files[i].path)}`));
    }
    const fb = files.reduce((s, f) => s + f.bytes, 0);
    o.log(`folder function-chunked import (${files.length} files, ${fmtMB(fb)})`);
    const rf = await importOnce(folder, join(tmp.dir, 'db-folder'), 'function');
    rows.push({
      name: 'import folder, --chunk function',
      value: mb(fb) / rf.seconds,
      unit: 'MB/s',
      note: `1 run; ${files.length} real unique files (seeded pick), ${fmtMB(fb)}`,
    });
    rows.push({
      name: 'import folder, --chunk function',
      value: rf.imported / rf.seconds,
      unit: 'samples/s',
      note: `${rf.imported} chunks, ${rf.duplicates} dup, ${rf.errors} errors`,
    });

    // 4. The parser alone on the same files: parse only, and parse + chunk + node-kind counts.
    const parser = await getPythonParser();
    const parseRuns: number[] = [];
    const chunkRuns: number[] = [];
    // NOTE: pairs, each a parse run then a chunk run: the ratio is taken per pair, so a change of
    // machine load between pairs does not enter it.
    for (let k = 0; k < (o.quick ? 1 : 3); k++) {
      parseRuns.push(
        (
          await timed(() => {
            for (const f of files) parser.parse(f.text)?.delete();
          })
        ).seconds,
      );
      chunkRuns.push(
        (
          await timed(async () => {
            for (const f of files) await chunkPython(f.text, 'function');
          })
        ).seconds,
      );
    }
    rows.push({
      name: 'tree-sitter parse only (web-tree-sitter)',
      value: mb(fb) / median(parseRuns),
      unit: 'MB/s',
      note: `median of ${parseRuns.length}; same ${fmtMB(fb)}, one core`,
    });
    rows.push({
      name: 'tree-sitter parse + chunk + node counts',
      value: mb(fb) / median(chunkRuns),
      unit: 'MB/s',
      note: 'chunkPython(text, "function"): the importer\'s per-file parser work',
    });
    const pairRatios = chunkRuns.map((c, k) => c / parseRuns[k]);
    rows.push({
      name: 'parse + chunk + node counts / bare parse',
      value: median(pairRatios),
      unit: 'x',
      note: `time ratio, median over ${pairRatios.length} back-to-back pairs (${pairRatios.map((r) => r.toFixed(2)).join(', ')}); target <= 1.5x (issue 13)`,
    });
    rows.push({
      name: 'folder import / parser ratio',
      value: mb(fb) / rf.seconds / (mb(fb) / median(chunkRuns)),
      unit: 'x',
      note: '1.0 = import runs at parser speed',
    });
    rows.push({
      name: 'corpus: unique .py files',
      value: corpus.files.length,
      unit: 'files',
      note: `${fmtMB(corpus.bytes)} unique of ${corpus.seen} seen; ${corpus.duplicates} duplicates, ${corpus.skipped} skipped (> 2 MB, not UTF-8, empty)`,
    });
  } finally {
    await tmp.remove();
  }
  return rows;
}
