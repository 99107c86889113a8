import { importsChartSvg, type ImportBar } from '../../../shared/imports-chart.js';
import type { SubsetCardSection } from './dataset-card.js';
import type { RankedCandidate } from './select.js';
import { SUBSET_SOURCES, subsetOf, type SubsetFunnels, type SubsetReport } from './subsets.js';
import { toExportRow, writeShards, writeTextFile, type WriteShardsOptions, type WrittenFile } from './writers.js';

/** Where the dedup and decontamination of a multi-config export ran, for the card and the manifest. */
export const SUBSET_SCOPE =
  'Exact and near-duplicate removal, decontamination and the token budget ran once over the whole export, ' +
  'across subsets: a generated exercise that repeats an imported function would otherwise be trained on twice ' +
  'when the configs are mixed, as phi-1 mixed them. When a duplicate pair spans two subsets, the better-ranked ' +
  "copy stays and the removal counts in the other's funnel.";

/** Per-subset reports from the funnels; a subset left with no rows is written empty, with a warning. */
export function subsetReports(sub: SubsetFunnels): SubsetReport[] {
  return sub.names.map((name) => {
    const funnel = sub.funnels.get(name)!;
    const first = funnel[0];
    const last = funnel[funnel.length - 1];
    const warnings =
      last.samples > 0
        ? []
        : [
            first.samples === 0
              ? `subset ${name} is empty: the dataset has no sample from ${SUBSET_SOURCES[name]}; it is written with 0 rows`
              : `subset ${name} is empty: all ${first.samples} of its samples were removed (see its funnel); it is written with 0 rows`,
          ];
    return {
      name,
      sources: SUBSET_SOURCES[name],
      funnel,
      rows: last.samples,
      tokens: last.tokens,
      files: [],
      warnings,
    };
  });
}

/**
 * Writes each subset as its own config (`data/<name>/train-*`) and its imports chart
 * (`imports-<name>.svg`); fills in each report's files. Returns the files and the card sections.
 */
export async function writeSubsets(
  dir: string,
  reports: SubsetReport[],
  kept: readonly RankedCandidate[],
  shardOpts: Omit<WriteShardsOptions, 'subdir'>,
  importsOf?: (ids: string[]) => Promise<ImportBar[]>,
): Promise<{
  files: WrittenFile[];
  card: SubsetCardSection[];
  manifest: { scope: string; configs: (SubsetReport & { imports?: ImportBar[] })[] };
}> {
  const files: WrittenFile[] = [];
  const card: SubsetCardSection[] = [];
  const configs: (SubsetReport & { imports?: ImportBar[] })[] = [];
  let offset = 0;
  for (const r of reports) {
    const mine = kept.filter((k) => subsetOf(k.candidate.source) === r.name);
    const written = await writeShards(mine.map(toExportRow), {
      ...shardOpts,
      subdir: r.name,
      onProgress: (d) => shardOpts.onProgress?.(offset + d, kept.length),
    });
    offset += mine.length;
    r.files = written.map((f) => f.path);
    files.push(...written);
    const imports = importsOf ? await importsOf(mine.map((k) => k.candidate.id)) : null;
    let svg: string | null = null;
    if (imports) {
      svg = `imports-${r.name}.svg`;
      const title = `Imports in subset ${r.name} (modules imported by >= 10 samples)`;
      files.push(await writeTextFile(dir, svg, importsChartSvg(imports, { title })));
    }
    card.push({ ...r, dataFiles: written.length, imports, importsSvg: svg });
    configs.push(imports ? { ...r, imports } : { ...r });
  }
  return { files, card, manifest: { scope: SUBSET_SCOPE, configs } };
}
