import { CONTAMINATION_METHODS, type ContaminationMethod } from '../../../shared/annotations.js';
import type { LoadedBenchmark } from './benchmarks.js';
import type { ContaminatedSample } from './decontaminate.js';

/** One row of the per-benchmark decontamination table (manifest and dataset card). */
export interface BenchmarkReportRow {
  benchmark: string;
  items: number;
  /** Distinct samples flagged by each method (a sample can count under several). */
  flagged: Record<ContaminationMethod, number>;
  /** Samples dropped from the export because of this benchmark. */
  removed: number;
  /** Samples a reviewer overruled for this benchmark (kept despite the match). */
  overruled: number;
  /** Fatal problems the user allowed (--allow-benchmark-errors), plus bad lines. */
  errors: number;
}

export function benchmarkTable(
  loaded: readonly LoadedBenchmark[],
  removed: readonly ContaminatedSample[],
  overruled: readonly ContaminatedSample[],
): BenchmarkReportRow[] {
  const rows = new Map<string, BenchmarkReportRow>();
  const row = (name: string, items = 0, errors = 0) => {
    let r = rows.get(name);
    if (!r) {
      r = {
        benchmark: name,
        items,
        flagged: Object.fromEntries(CONTAMINATION_METHODS.map((m) => [m, 0])) as Record<ContaminationMethod, number>,
        removed: 0,
        overruled: 0,
        errors,
      };
      rows.set(name, r);
    }
    return r;
  };
  for (const b of loaded) row(b.name, b.items, b.errors.length);
  const count = (list: readonly ContaminatedSample[], field: 'removed' | 'overruled') => {
    for (const s of list) {
      const benches = new Set(s.matches.map((m) => m.benchmark));
      for (const name of benches) {
        const r = row(name);
        r[field]++;
        for (const method of new Set(s.matches.filter((m) => m.benchmark === name).map((m) => m.method)))
          r.flagged[method]++;
      }
    }
  };
  count(removed, 'removed');
  count(overruled, 'overruled');
  return [...rows.values()];
}

/** The dataset card's markdown table; empty when no benchmark was checked. */
export function benchmarkTableMarkdown(rows: readonly BenchmarkReportRow[]): string[] {
  if (!rows.length) return [];
  return [
    '## Decontamination',
    '',
    'Samples were checked against these benchmarks by 13-gram overlap (`ngram`), syntax-normalized',
    'n-grams that survive renaming and re-formatting (`ast`) and embedding cosine (`embedding`).',
    '',
    '| benchmark | items | flagged ngram | flagged ast | flagged embedding | removed | overruled |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...rows.map(
      (r) =>
        `| ${r.benchmark} | ${r.items} | ${r.flagged.ngram} | ${r.flagged.ast} | ${r.flagged.embedding} | ${r.removed} | ${r.overruled} |`,
    ),
    '',
  ];
}
