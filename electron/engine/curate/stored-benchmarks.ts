import { randomUUID } from 'node:crypto';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CodedError } from '../../../shared/errors.js';
import type { DatasetStore } from '../store/dataset-store.js';
import type { BenchmarkItem, LoadedBenchmark } from './benchmarks.js';

/**
 * The benchmark items of the latest `tbs decontaminate`, kept in the dataset folder so later
 * steps (`tbs synth` without `--decontaminate`) check against the same items the stored flags
 * were made with, even when the benchmark files have moved. The latest run replaces the set,
 * as its flags replace the earlier ones.
 */
export const STORED_BENCHMARKS_FILE = 'decontamination-benchmarks.json';

export interface StoredBenchmarks {
  version: 1;
  savedAt: string;
  /** The `--benchmarks` arguments as given. */
  args: string[];
  benchmarks: { name: string; path: string; files: string[]; items: number }[];
  items: BenchmarkItem[];
}

export async function saveStoredBenchmarks(
  store: DatasetStore,
  args: readonly string[],
  loaded: { items: readonly BenchmarkItem[]; benchmarks: readonly LoadedBenchmark[] },
): Promise<void> {
  const body: StoredBenchmarks = {
    version: 1,
    savedAt: new Date().toISOString(),
    args: [...args],
    benchmarks: loaded.benchmarks.map((b) => ({ name: b.name, path: b.path, files: b.files, items: b.items })),
    items: [...loaded.items],
  };
  const file = join(store.dir, STORED_BENCHMARKS_FILE);
  const tmp = `${file}.${randomUUID()}.partial`;
  try {
    await writeFile(tmp, JSON.stringify(body));
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

/** The stored set, or null when `tbs decontaminate` never ran on this dataset. */
export async function loadStoredBenchmarks(store: DatasetStore): Promise<StoredBenchmarks | null> {
  const file = join(store.dir, STORED_BENCHMARKS_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  let body: StoredBenchmarks;
  try {
    body = JSON.parse(text) as StoredBenchmarks;
  } catch (e) {
    throw new CodedError(
      'invalid_input',
      `${file}: not valid JSON (${(e as Error).message}); re-run tbs decontaminate to store the benchmarks again`,
    );
  }
  if (body.version !== 1 || !Array.isArray(body.items))
    throw new CodedError(
      'invalid_input',
      `${file}: field "items" missing or unknown version; re-run tbs decontaminate to store the benchmarks again`,
    );
  return body;
}
