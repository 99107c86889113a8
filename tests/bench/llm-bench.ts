import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { importPaths } from '../../electron/engine/ingest/importer.js';
import { buildPrompt } from '../../electron/engine/label/prompt.js';
import { runLabeling } from '../../electron/engine/label/labeler.js';
import { builtinTemplates } from '../../electron/engine/label/templates.js';
import { DatasetStore } from '../../electron/engine/store/dataset-store.js';
import { createCpuPool, defaultWorkers } from '../../electron/engine/workers/cpu-pool.js';
import { startFakeOpenAI } from '../support/openai-server.js';
import {
  benchTempDir,
  JsonlWriter,
  realFunctions,
  retryEmptyFlush,
  timed,
  type BenchOpts,
  type BenchRow,
} from './corpus.js';

/**
 * LLM labeling throughput: runLabeling (real `openai` client, real HTTP on 127.0.0.1) against the
 * fake OpenAI-compatible server answering after 200 ms. Ideal = concurrency / 0.2 s (160 req/s at
 * 32). The server runs in its own process like a real one; one run keeps it in-process for
 * comparison (then its JSON and grading work share the labeler's thread).
 */
interface ServerStats {
  calls: number;
  first: number;
  last: number;
  inFlightMax: number;
}
interface Server {
  url: string;
  stats(): Promise<ServerStats>;
  close(): Promise<void>;
}

export async function childServer(): Promise<Server> {
  const p: ChildProcessWithoutNullStreams = spawn(
    process.execPath,
    ['--import', 'tsx', join(dirname(fileURLToPath(import.meta.url)), 'fake-server-child.ts'), '200'],
    { stdio: 'pipe' },
  );
  const lines = createInterface({ input: p.stdout })[Symbol.asyncIterator]();
  const next = async () => {
    const r = await lines.next();
    if (r.done) throw new Error('fake server child exited');
    return JSON.parse(r.value as string);
  };
  const { url } = (await next()) as { url: string };
  return {
    url,
    stats: async () => {
      p.stdin.write('stats\n');
      return (await next()) as ServerStats;
    },
    close: async () => {
      p.stdin.end();
      await new Promise((r) => p.once('close', r));
    },
  };
}

async function inProcessServer(): Promise<Server> {
  const s = await startFakeOpenAI({ latencyMs: 200 });
  return {
    url: s.url,
    stats: async () => {
      const at = s.requests.filter((r) => r.path.endsWith('/chat/completions')).map((r) => r.at);
      const out = { calls: at.length, first: Math.min(...at), last: Math.max(...at), inFlightMax: s.inFlightMax };
      s.requests.length = 0;
      s.inFlightMax = 0;
      return out;
    },
    close: () => s.close(),
  };
}

/** CPU ms used by this process's main thread so far (Linux: its /proc task stat; null elsewhere). */
function mainThreadCpuMs(): number | null {
  try {
    const f = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12])) * 10;
  } catch {
    return null;
  }
}

export async function run(o: BenchOpts): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const tmp = await benchTempDir('llm');
  // As `tbs label` runs: prompts built on the worker threads (one per core).
  const pool = await createCpuPool(defaultWorkers());
  try {
    // NOTE: 6400 calls: 40 s at the ideal rate of concurrency 32, 20 s at 64, and a multiple of
    // both. With 2000 calls (12.5 s / 6.25 s) a run's fixed start (threads loading, first
    // connections: the "first request" row) and its last, partly filled round were 5-10 % of it,
    // so the ratio measured them more than throughput. Both are still in the whole-run figure.
    const n = o.quick ? 300 : 6400;
    const { chunks } = await realFunctions(n);
    const jsonl = join(tmp.dir, 'samples.jsonl');
    const w = new JsonlWriter(jsonl);
    for (const c of chunks) await w.write({ content: c.text, path: c.file, lang: 'python', line: c.startLine });
    await w.close();
    const configs: { concurrency: number; where: 'child' | 'in-process' }[] = o.quick
      ? [{ concurrency: 32, where: 'child' }]
      : [
          { concurrency: 32, where: 'child' },
          { concurrency: 64, where: 'child' },
          { concurrency: 32, where: 'in-process' },
        ];
    let k = 0;
    for (const { concurrency, where } of configs) {
      const server = where === 'child' ? await childServer() : await inProcessServer();
      const store = await DatasetStore.open(join(tmp.dir, `db-${k++}`), { create: true });
      try {
        await importPaths(store, [jsonl]);
        const ideal = concurrency / 0.2;
        const cpu0 = mainThreadCpuMs();
        const startedAt = Date.now();
        const t = await timed(() =>
          runLabeling(store, {
            baseURL: server.url,
            apiKey: 'bench',
            model: 'gpt-4o-mini',
            template: 'edu-additive',
            concurrency,
            pool,
          }),
        );
        const cpu1 = mainThreadCpuMs();
        const s = t.result;
        const st = await server.stats();
        const rps = s.calls / t.seconds;
        const steady = (st.calls - 1) / ((st.last - st.first) / 1000 + 0.2);
        const tag = `concurrency ${concurrency}, server ${where === 'child' ? 'in its own process' : 'in-process'}`;
        rows.push({
          name: `LLM labeling, 200 ms, ${tag}`,
          value: rps,
          unit: 'req/s',
          note: `${s.labeled} labeled, ${s.failed} failed, ${st.calls} calls in ${t.seconds.toFixed(1)} s over ${chunks.length} real functions; max in flight ${st.inFlightMax}; ideal ${ideal}`,
        });
        rows.push({
          name: `LLM labeling ratio to ideal, ${tag}`,
          value: rps / ideal,
          unit: 'x',
          note: `whole run incl. selection and the first prompts; steady state (first to last request) ${steady.toFixed(0)} req/s = ${(steady / ideal).toFixed(2)} of ideal`,
        });
        rows.push({
          name: `LLM labeling: first request, ${tag}`,
          value: st.first - startedAt,
          unit: 'ms',
          note: `from the run's start (selection, ${pool.workers} prompt thread(s) ${k === 1 ? 'loading their modules and tokenizer' : 'already warm'}, the HTTP thread starting) to the server's first request; clocks of one machine`,
        });
        if (cpu0 !== null && cpu1 !== null)
          rows.push({
            name: `LLM labeling main-thread CPU per call, ${tag}`,
            value: (cpu1 - cpu0) / Math.max(1, s.calls),
            unit: 'ms',
            note: `${cpu1 - cpu0} ms of main-thread CPU (/proc task stat, 10 ms ticks) over ${s.calls} calls, whole run; prompts built on ${pool.workers} worker thread(s); includes the in-process server's work when it runs in-process`,
          });
      } finally {
        await retryEmptyFlush(() => store.close());
        await server.close();
      }
    }
    // What the labeler computes per call before the request: prompt + exact token counts. Measured
    // after the runs, so the first run starts, as `tbs label` does, with no tokenizer loaded.
    const template = (await builtinTemplates()).find((t) => t.id === 'edu-additive')!;
    const texts = chunks.map((c) => c.text);
    buildPrompt(template, texts[0], 'python', 1024);
    const bp = await timed(() => {
      for (const t of texts) buildPrompt(template, t, 'python', 1024);
    });
    rows.unshift({
      name: 'buildPrompt per call',
      value: (bp.seconds / texts.length) * 1000,
      unit: 'ms',
      note: `CPU of one prompt (redacted text, exact o200k counts, truncation) over the same ${texts.length} samples, inline; the labeler runs it on the worker threads, ahead of the calls`,
    });
  } finally {
    await pool.close();
    await tmp.remove();
  }
  return rows;
}
