import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchmarkItem } from '../../electron/engine/curate/benchmarks.js';
import { DEFAULT_DECONTAMINATE_COSINE } from '../../electron/engine/curate/contamination-check.js';
import { ContaminationMatcher, type ContaminationInput } from '../../electron/engine/curate/decontaminate.js';
import { SYNTAX_MATCH_DEFAULTS } from '../../electron/engine/curate/syntax-match.js';
import { createHashEmbedder } from '../../electron/engine/embed/hash-embedder.js';
import { chunkPython } from '../../electron/engine/ingest/python-parser.js';
import { programOf, reformattedCopy, renamedCopy, TEAM_ITEMS } from '../support/benchmark-items.js';
import { shuffled, type BenchOpts, type BenchRow } from './corpus.js';

/**
 * Decontamination on real code. Samples: functions of the machine's standard libraries (function
 * chunks, deduplicated). Benchmark: the 24 team-written items plus functions of pip's vendored
 * packages (other code than the stdlib) up to the item count. Planted: each team item copied
 * exact, renamed and reformatted (tests/support/benchmark-items.ts) into a stdlib function.
 * Recall is over the planted copies; the false-positive rate over stdlib functions holding none.
 */
const STDLIBS = ['/usr/lib/python3.11', '/root/.pyenv/versions/3.10.13/lib/python3.10'];
const OTHER = '/root/.pyenv/versions/3.10.13/lib/python3.10/site-packages/pip/_vendor';

function pyFiles(dir: string, skip: (p: string) => boolean, out: string[] = []): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return out;
  }
  for (const n of names.sort()) {
    const p = join(dir, n);
    if (skip(p)) continue;
    const st = statSync(p);
    if (st.isDirectory()) pyFiles(p, skip, out);
    else if (n.endsWith('.py') && st.size < 1 << 20) out.push(p);
  }
  return out;
}

async function functionsOf(files: string[], max: number): Promise<string[]> {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const f of files) {
    if (out.length >= max) break;
    for (const c of await chunkPython(readFileSync(f, 'utf8'), 'function')) {
      const key = c.text.replace(/\s+/g, ' ');
      if (c.text.length < 80 || seen.has(key)) continue;
      seen.add(key);
      out.push(c.text);
    }
  }
  return out.slice(0, max);
}

const CALIBRATE_FROM = 0.7;

/** FP rate and planted recall of the embedding match at several thresholds (for the default). */
function logCalibration(
  all: Map<number, { similarity: number | null; itemId: string; benchmark: string }[]>,
  nClean: number,
  nPlanted: number,
  log: (m: string) => void,
) {
  for (const t of [0.7, 0.75, 0.8, 0.85, 0.9, 0.92, 0.95]) {
    let fp = 0;
    let tp = 0;
    for (const [pos, ms] of all) {
      const at = ms.filter((m) => (m.similarity ?? 0) >= t);
      if (!at.length) continue;
      if (pos < nClean) {
        if (at.some((m) => m.benchmark === 'team')) fp++;
      } else if (at.some((m) => m.itemId === TEAM_ITEMS[Math.floor((pos - nClean) / 3)].task_id)) tp++;
    }
    log(`embedding cosine ${t}: FP ${fp}/${nClean} (${((fp / nClean) * 100).toFixed(2)} %), recall ${tp}/${nPlanted}`);
  }
}

export async function run(o: BenchOpts): Promise<BenchRow[]> {
  const nSamples = Number(process.env.DECON_SAMPLES ?? (o.quick ? 5_000 : 100_000));
  const nItems = Number(process.env.DECON_ITEMS ?? (o.quick ? 200 : 1_000));
  const skipStd = (p: string) => /site-packages|__pycache__|test|idlelib|lib2to3/.test(p);
  const stdFiles = STDLIBS.flatMap((d) => pyFiles(d, skipStd));
  const clean = await functionsOf(stdFiles, nSamples);
  const otherFns = await functionsOf(
    pyFiles(OTHER, (p) => p.includes('__pycache__')),
    nItems,
  );
  const items: BenchmarkItem[] = [
    ...TEAM_ITEMS.map((t, i) => ({
      benchmark: 'team',
      file: 'team.jsonl',
      itemId: t.task_id,
      line: i + 1,
      segments: [programOf(t), t.test],
      code: programOf(t),
      text: `${programOf(t)}\n${t.test}`,
    })),
    ...otherFns.slice(0, nItems - TEAM_ITEMS.length).map((code, i) => ({
      benchmark: 'other',
      file: 'pip-vendor',
      itemId: `v${i}`,
      line: i + 1,
      segments: [code],
      code,
      text: code,
    })),
  ];
  const hosts = shuffled(clean, 7).slice(0, TEAM_ITEMS.length * 3);
  const planted: { variant: string; text: string }[] = [];
  TEAM_ITEMS.forEach((t) => {
    for (const [variant, f] of [
      ['exact', programOf],
      ['renamed', renamedCopy],
      ['reformatted', reformattedCopy],
    ] as const)
      planted.push({ variant, text: `${hosts[planted.length]}\n\n${f(t)}\n` });
  });
  o.log(`${clean.length} stdlib functions, ${items.length} benchmark items, ${planted.length} planted copies`);
  const embedder = createHashEmbedder({ dims: 512 });
  const embedText = async (texts: string[]) =>
    embedder.embed(
      await Promise.all(
        texts.map(async (text) => ({
          text,
          language: 'python',
          astCounts: (await chunkPython(text, 'file'))[0]?.astCounts ?? {},
        })),
      ),
    );
  const samples: ContaminationInput[] = [
    ...clean.map((text, i) => ({ id: `c${i}`, text, embedding: null })),
    ...planted.map((p, i) => ({ id: `p${i}`, text: p.text, embedding: null })),
  ];
  const rows: BenchRow[] = [];
  const methods = [
    ['ngram', { ngram: 13, cosine: null, ast: null }],
    ['ast', { ngram: 1_000_000, cosine: null, ast: SYNTAX_MATCH_DEFAULTS }],
    // Every sample parsed: what the skeleton filter (syntax-skeleton.ts) saves, same matches.
    [
      'ast, every sample parsed',
      { ngram: 1_000_000, cosine: null, ast: { ...SYNTAX_MATCH_DEFAULTS, skeletonFilter: false } },
    ],
    // Matched at a lower cosine, so the log can show the trade-off around the default.
    ['embedding', { ngram: 1_000_000, cosine: CALIBRATE_FROM, ast: null, embedText }],
  ] as const;
  for (const [name, opts] of methods) {
    const t0 = performance.now();
    const matcher = await ContaminationMatcher.create(items, opts);
    const build = performance.now() - t0;
    const t1 = performance.now();
    const all = await matcher.match(samples);
    if (name === 'embedding') logCalibration(all, clean.length, planted.length, o.log);
    // Only matches at the default threshold count below.
    const found = new Map(
      [...all]
        .map(
          ([pos, ms]) =>
            [
              pos,
              ms.filter((m) => m.method !== 'embedding' || (m.similarity ?? 0) >= DEFAULT_DECONTAMINATE_COSINE),
            ] as const,
        )
        .filter(([, ms]) => ms.length),
    );
    const secs = (performance.now() - t1) / 1000;
    let fp = 0;
    let overlap = 0;
    const hit: Record<string, number> = { exact: 0, renamed: 0, reformatted: 0 };
    for (const [pos, ms] of found) {
      if (pos < clean.length) {
        // The team items hold no stdlib code, so a match to one is a false positive. pip's vendored
        // packages share code with the stdlib (backports) and idioms: counted apart, not judged.
        if (ms.some((m) => m.benchmark === 'team')) {
          fp++;
          o.log(`${name} FP: ${clean[pos].split('\n')[0].trim()} ~ ${ms[0].itemId} ${ms[0].similarity ?? ''}`);
        } else overlap++;
      } else {
        const p = pos - clean.length;
        const item = TEAM_ITEMS[Math.floor(p / 3)].task_id;
        if (ms.some((m) => m.itemId === item)) hit[planted[p].variant]++;
      }
    }
    const n = TEAM_ITEMS.length;
    rows.push(
      {
        name: `decontaminate ${name}: throughput`,
        value: Math.round(samples.length / secs),
        unit: 'samples/s',
        note: `${samples.length} samples x ${items.length} items; index built in ${(build / 1000).toFixed(1)} s`,
      },
      {
        name: `decontaminate ${name}: recall exact / renamed / reformatted`,
        value: Math.round(((hit.exact + hit.renamed + hit.reformatted) / (3 * n)) * 1000) / 10,
        unit: '%',
        note: `${hit.exact}/${n}, ${hit.renamed}/${n}, ${hit.reformatted}/${n}`,
      },
      {
        name: `decontaminate ${name}: false-positive rate on stdlib`,
        value: Math.round((fp / clean.length) * 100_000) / 1000,
        unit: '%',
        note: `${fp} of ${clean.length} functions matched a team item${name === 'embedding' ? ` at cosine ${DEFAULT_DECONTAMINATE_COSINE}` : ''}; ${overlap} matched pip-vendored functions (shared code or common idioms; not counted)`,
      },
    );
  }
  return rows;
}
