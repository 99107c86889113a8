// `npm run bench [-- --quick] [-- --only import,list] [-- --out FILE]`
// Runs the benchmark modules (tests/bench/*-bench.ts), prints one table, and writes it as markdown
// with the machine's description: to tests/bench/RESULTS.md for a full run, to --out FILE for a
// partial one (--quick or --only, so a partial run never overwrites the full results).
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, freemem, loadavg, release, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadCorpus, type BenchOpts, type BenchRow } from './corpus.js';

process.env.LANCEDB_LOG ??= 'error';
const HERE = dirname(fileURLToPath(import.meta.url));

interface Bench {
  name: string;
  what: string;
  run: (o: BenchOpts) => Promise<BenchRow[]>;
}
const BENCHES: Bench[] = [
  {
    name: 'tokens',
    what: "exact o200k_base counting and the import estimate's error",
    run: async (o) => (await import('./tokens-bench.js')).run(o),
  },
  {
    name: 'import',
    what: 'import throughput: JSONL, function-chunked folder, raw parser',
    run: async (o) => (await import('./import-bench.js')).run(o),
  },
  {
    name: 'languages',
    what: 'import per language (file / function chunks) and the bare tree-sitter parse, on real code of each language found on the machine',
    run: async (o) => (await import('./languages-bench.js')).run(o),
  },
  {
    name: 'rss',
    what: 'peak RSS of JSONL imports (child processes)',
    run: async (o) => (await import('./rss-bench.js')).run(o),
  },
  {
    name: 'list',
    what: '`samples.list` pages and open time at 10^6 rows',
    run: async (o) => (await import('./list-bench.js')).run(o),
  },
  {
    name: 'labels',
    what: 'durable human label writes through Engine.invoke',
    run: async (o) => (await import('./labels-bench.js')).run(o),
  },
  {
    name: 'llm',
    what: 'LLM labeling against a 200 ms OpenAI-compatible server',
    run: async (o) => (await import('./llm-bench.js')).run(o),
  },
  {
    name: 'synth',
    what: 'synthetic exercise generation against a 200 ms OpenAI-compatible server',
    run: async (o) => (await import('./synth-bench.js')).run(o),
  },
  {
    name: 'classify',
    what: 'hash embedder and classifiers (classify-bench.ts)',
    run: async () => (await import('./classify-bench.js')).run(),
  },
  {
    name: 'decontaminate',
    what: 'decontamination per method: throughput, recall on planted copies, FP rate on stdlib',
    run: async (o) => (await import('./decontaminate-bench.js')).run(o),
  },
  {
    name: 'workers',
    what: 'speed-up from 1 to 2 worker threads: Stack-layout import, hash embedding, whole `tbs import`',
    run: async (o) => (await import('./workers-bench.js')).run(o),
  },
  {
    name: 'ann',
    what: 'ANN search on the scale dataset: p50 latency and recall@10 against exact search',
    run: async (o) => (await import('./ann-bench.js')).run({ rows: o.scaleRows, log: o.log }),
  },
  {
    name: 'scale',
    what: 'the scale dataset with 30 % labeled: open, first page, embed + score, export; peak RSS of each',
    run: async (o) => (await import('./scale-bench.js')).run({ rows: o.scaleRows, log: o.log }),
  },
  {
    name: 'web',
    what: 'browser mode at 10^6 samples: first rows, key press to durable label',
    run: async (o) => (await import('./web-bench.js')).run(o),
  },
];

function parseArgs(argv: string[]) {
  const envRows = process.env.TBS_BENCH_SCALE_ROWS;
  const out = {
    quick: false,
    only: null as string[] | null,
    out: null as string | null,
    scaleRows: envRows ? Number(envRows) : 100_000,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') out.quick = true;
    else if (a === '--only' || a.startsWith('--only='))
      out.only = (a.includes('=') ? a.split('=')[1] : (argv[++i] ?? ''))
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    else if (a === '--out' || a.startsWith('--out=')) out.out = a.includes('=') ? a.split('=')[1] : (argv[++i] ?? null);
    else if (a === '--scale-rows' || a.startsWith('--scale-rows='))
      out.scaleRows = Number(a.includes('=') ? a.split('=')[1] : argv[++i]);
    else if (a === '--help' || a === '-h') {
      console.log(
        `usage: npm run bench -- [--quick] [--only ${BENCHES.map((b) => b.name).join(',')}] [--scale-rows N] [--out FILE]`,
      );
      process.exit(0);
    } else {
      console.error(`unknown argument ${a}; expected --quick, --only NAMES, --out FILE`);
      process.exit(2);
    }
  }
  if (!Number.isInteger(out.scaleRows) || out.scaleRows < 1000) {
    console.error(`--scale-rows / TBS_BENCH_SCALE_ROWS expects an integer >= 1000, got ${out.scaleRows}`);
    process.exit(2);
  }
  const unknown = (out.only ?? []).filter((n) => !BENCHES.some((b) => b.name === n));
  if (unknown.length) {
    console.error(`unknown bench ${unknown.join(', ')}; benches: ${BENCHES.map((b) => b.name).join(', ')}`);
    process.exit(2);
  }
  return out;
}

export function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a >= 1000) return Math.round(v).toLocaleString('en-US');
  if (a >= 100) return v.toFixed(0);
  if (a >= 10) return v.toFixed(1);
  if (a >= 1) return v.toFixed(2);
  return v.toPrecision(2);
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const pkgVersion = (name: string) => {
  try {
    return (
      JSON.parse(readFileSync(join(HERE, '../../node_modules', name, 'package.json'), 'utf8')) as { version: string }
    ).version;
  } catch {
    return '?';
  }
};

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const chosen = BENCHES.filter((b) => !args.only || args.only.includes(b.name));
  const started = Date.now();
  const loadStart = loadavg();
  const log = (name: string) => (msg: string) =>
    process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(0).padStart(5)} s] ${name}: ${msg}\n`);
  const opts = (name: string): BenchOpts => ({
    quick: args.quick,
    scaleRows: args.scaleRows,
    tmp: tmpdir(),
    log: log(name),
  });
  log('corpus')("loading the machine's Python (unique .py files)");
  const corpus = loadCorpus();
  log('corpus')(`${corpus.files.length} unique files, ${(corpus.bytes / 1e6).toFixed(0)} MB`);
  const results: { bench: Bench; rows: BenchRow[]; seconds: number; error?: string }[] = [];
  for (const b of chosen) {
    const t0 = Date.now();
    log(b.name)('start');
    try {
      const rows = await b.run(opts(b.name));
      results.push({ bench: b, rows, seconds: (Date.now() - t0) / 1000 });
    } catch (e) {
      const msg = (e as Error).stack ?? String(e);
      log(b.name)(`FAILED: ${msg}`);
      results.push({ bench: b, rows: [], seconds: (Date.now() - t0) / 1000, error: (e as Error).message });
    }
    log(b.name)(`done in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  }
  const totalS = (Date.now() - started) / 1000;

  // Console table.
  const table = results.flatMap((r) =>
    r.error
      ? [[r.bench.name, 'FAILED', '', '', r.error]]
      : r.rows.map((x) => [r.bench.name, x.name, fmt(x.value), x.unit, x.note ?? '']),
  );
  const w = [0, 1, 2, 3].map((i) => Math.max(...table.map((t) => t[i].length), 5));
  console.log();
  for (const t of table)
    console.log(`${t[0].padEnd(w[0])}  ${t[1].padEnd(w[1])}  ${t[2].padStart(w[2])}  ${t[3].padEnd(w[3])}  ${t[4]}`);
  console.log(`\ntotal ${totalS.toFixed(0)} s`);

  // Markdown.
  const cpu = cpus();
  const md: string[] = [
    '# Benchmark results',
    '',
    `\`npm run bench${args.quick ? ' -- --quick' : ''}${args.only ? ` -- --only ${args.only.join(',')}` : ''}\` (tests/bench/run.ts), ${new Date(started).toISOString()}; scale and ANN datasets of ${args.scaleRows.toLocaleString('en-US')} rows.`,
    '',
    `- Machine: ${cpu.length} cores (${cpu[0]?.model ?? '?'}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM (${(freemem() / 2 ** 30).toFixed(0)} GiB free at the end), Linux ${release()}`,
    `- Node ${process.version}; @lancedb/lancedb ${pkgVersion('@lancedb/lancedb')}, web-tree-sitter ${pkgVersion('web-tree-sitter')}, tiktoken ${pkgVersion('tiktoken')}`,
    `- Load average at start ${loadStart.map((x) => x.toFixed(2)).join(' / ')}, at end ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' / ')}: the CPU is shared with other work, so numbers are indicative, single run of the whole suite.`,
    `- Total time ${(totalS / 60).toFixed(1)} min; temp data under ${tmpdir()}, removed at the end.`,
    `- Corpus: the machine's own Python (/usr/lib/python3*, /root/.pyenv/versions/*/lib): ${corpus.seen} .py files, ${corpus.files.length} unique by normalized content (${(corpus.bytes / 1e6).toFixed(0)} MB) after skipping ${corpus.skipped} (> 2 MB, not UTF-8, empty). Where a bench needs more than that, it adds seeded identifier-renamed variants of real code (padding) and says so in its notes; nothing else is synthetic.`,
    '',
  ];
  for (const r of results) {
    md.push(`## ${r.bench.name}: ${r.bench.what}`, '', `${r.seconds.toFixed(0)} s.`, '');
    if (r.error) {
      md.push(`**FAILED**: ${cell(r.error)}`, '');
      continue;
    }
    md.push('| Metric | Value | Unit | Notes |', '|---|---:|---|---|');
    for (const x of r.rows) md.push(`| ${cell(x.name)} | ${fmt(x.value)} | ${cell(x.unit)} | ${cell(x.note ?? '')} |`);
    md.push('');
  }
  const partial = args.quick || args.only !== null;
  const outFile = args.out ?? (partial ? null : join(HERE, 'RESULTS.md'));
  if (outFile) {
    writeFileSync(outFile, md.join('\n'));
    console.log(`wrote ${outFile}`);
  } else console.log('partial run (--quick/--only): RESULTS.md left as is; pass --out FILE to save this table');
  if (results.some((r) => r.error)) process.exitCode = 1;
}

await main();
