/** Runs a synth job: calls the model, passes each result through the gates, and stores what passes. */
import { CodedError } from '../../../shared/errors.js';
import { randomUUID } from 'node:crypto';
import type { SynthGate } from '../../../shared/enums.js';
import { loadBenchmarks } from '../curate/benchmarks.js';
import { loadStoredBenchmarks } from '../curate/stored-benchmarks.js';
import { getPythonParser } from '../ingest/python-parser.js';
import { openChat, type ChatTransport } from '../label/chat-transport.js';
import { callWithRetries, ChatSession, CostBudget } from '../label/llm-call.js';
import { costUsd, priceOf } from '../label/pricing.js';
import { parseSynthAnswer } from './answer.js';
import { createCpuPool } from '../workers/cpu-pool.js';
import { ContaminationGate, dupFingerprint, syntaxGate } from './gates.js';
import { scanText } from '../hygiene/scan-text.js';
import { redactText } from '../hygiene/spans.js';
import { runExerciseTests } from './run-tests.js';
import { drawParams } from './sampler.js';
import type { DatasetStore } from '../store/dataset-store.js';
import { synthKey, type SynthResultRow } from './synth-results.js';
import type { SynthOptions, SynthRunSummary } from './synth-options.js';
import { prepare } from './synth-plan.js';
import { buildDuplicateIndex, repairStored, SampleWriter, synthSample } from './synth-samples.js';
import { buildSynthPrompt, saveSynthTemplate, type SynthParams } from './synth-templates.js';

/**
 * Generates `count` synthetic textbook sections or exercises through any OpenAI-compatible
 * endpoint, with the labeler's guarantees (rate gate, structured output with fallback, budget
 * reserved for calls in flight, one call per idempotence key), and passes every result through
 * the gates in order (syntax, duplicate, contaminated, optionally tests) before it is stored.
 */
export async function runSynth(store: DatasetStore, o: SynthOptions): Promise<SynthRunSummary> {
  if (o.maxCost !== undefined && !priceOf(o.model, store.config.prices))
    throw new CodedError(
      'invalid_input',
      `no price known for model ${o.model}: add it to config.json "prices" (USD per 1M tokens) to use --max-cost`,
    );
  const p = await prepare(store, o);
  const writer = new SampleWriter(store);
  const nearDup = o.nearDup ?? 0.85;
  // NOTE: started first, so threads (when asked for) load tree-sitter and secretlint meanwhile.
  const pool = await createCpuPool(o.workers ?? 1);
  let chat: ChatTransport | null = null;
  const s: SynthRunSummary = {
    generated: 0,
    rejected: { syntax: 0, duplicate: 0, contaminated: 0, ...(o.runTests ? { tests: 0 } : {}) },
    failed: 0,
    prompt_tokens: 0,
    completion_tokens: 0,
    cost_usd: 0,
    calls: 0,
    skipped: p.settled,
    notStarted: 0,
    repaired: 0,
    stoppedBy: 'done',
    structuredFallback: false,
    rejections: [],
    failures: [],
    benchmarkErrors: [],
    benchmarks: null,
    sandbox: null,
  };
  try {
    await getPythonParser();
    await saveSynthTemplate(store, p.template, p.hash);
    s.repaired = await repairStored(store, p.results, writer);
    // Without --decontaminate, the benchmarks the latest `tbs decontaminate` stored with the dataset.
    const stored = o.decontaminate?.length ? null : await loadStoredBenchmarks(store);
    const bench = o.decontaminate?.length
      ? await loadBenchmarks(o.decontaminate)
      : stored?.items.length
        ? { items: stored.items, errors: [] }
        : null;
    s.benchmarkErrors = bench?.errors ?? [];
    s.benchmarks = o.decontaminate?.length
      ? { from: 'option', names: [...o.decontaminate], items: bench?.items.length ?? 0 }
      : stored
        ? { from: 'stored', names: stored.benchmarks.map((b) => b.name), items: stored.items.length }
        : null;
    const contamination = bench ? new ContaminationGate(bench.items) : null;
    const dup = await buildDuplicateIndex(store, o.kind, nearDup, o.signal);
    chat = openChat(o, pool);
    const session = new ChatSession(chat, o.concurrency ?? 8, {
      maxAttempts: o.maxAttempts,
      backoffBaseMs: o.backoffBaseMs,
      signal: o.signal,
    });
    const budget = new CostBudget(o.maxCost, o.signal);
    let budgetHit = false;
    let next = 0;
    // NOTE: a worker hands its result to the journal and goes on to its next call instead of
    // waiting for the fsync (p50 ~0.5 s on a busy disk, which held synth at ~0.1 of ideal). Each
    // result is still appended the moment it arrives, so a crash loses exactly what it lost before;
    // only what happens after durability (the sample row, `generated`) waits for it.
    const durable = new Set<Promise<void>>();
    let writeError: { error: unknown } | null = null;
    const afterDurable = (rows: SynthResultRow[], then?: () => void) => {
      const w = p.results
        .append(rows)
        .then(then)
        .catch((error: unknown) => {
          writeError ??= { error };
        })
        .finally(() => durable.delete(w));
      durable.add(w);
    };
    const rejectedTotal = () => Object.values(s.rejected).reduce((a, b) => a + (b ?? 0), 0);
    const progress = () =>
      o.onProgress?.({
        phase: 'generate',
        done: s.generated + rejectedTotal() + s.failed,
        total: p.todo.length,
        generated: s.generated,
        rejected: rejectedTotal(),
        failed: s.failed,
        costUsd: s.cost_usd,
      });

    const row = (
      index: number,
      fields: Partial<SynthResultRow> & Pick<SynthResultRow, 'status' | 'metadata'>,
    ): SynthResultRow => ({
      result_id: randomUUID(),
      key: synthKey(p.hash, o.model, p.seed, index),
      kind: o.kind,
      idx: index,
      template_hash: p.hash,
      model: o.model,
      seed: p.seed,
      reason: null,
      detail: null,
      sample_id: null,
      text: null,
      created_at: new Date().toISOString(),
      ...fields,
    });

    const generateOne = async (index: number): Promise<void> => {
      const params: SynthParams = drawParams(p.lists, p.seed, index);
      const prompt = buildSynthPrompt(p.template, params);
      const worst = costUsd(p.price, prompt.promptTokens, p.maxTokens);
      if (!(await budget.reserve(worst))) {
        budgetHit = true;
        return;
      }
      let usage = { prompt_tokens: 0, completion_tokens: 0 };
      try {
        const r = await callWithRetries(
          session,
          (structured) => ({
            model: o.model,
            messages: prompt.messages,
            temperature: p.temperature,
            max_tokens: p.maxTokens,
            seed: p.seed,
            ...(structured
              ? {
                  response_format: {
                    type: 'json_schema' as const,
                    json_schema: { name: `synth_${o.kind}`, schema: p.template.schema, strict: true },
                  },
                }
              : {}),
          }),
          (content, structured) => parseSynthAnswer(o.kind, content, structured),
          (u) => {
            const pt = u?.prompt_tokens ?? prompt.promptTokens;
            const ct = u?.completion_tokens ?? 0;
            usage = { prompt_tokens: usage.prompt_tokens + pt, completion_tokens: usage.completion_tokens + ct };
            s.prompt_tokens += pt;
            s.completion_tokens += ct;
            s.cost_usd += costUsd(p.price, pt, ct);
            budget.spent = s.cost_usd;
          },
        );
        const metadata = {
          synthetic: {
            kind: o.kind,
            index,
            seed: p.seed,
            model: o.model,
            template: `${p.template.id}@${p.template.version}`,
            templateHash: p.hash,
            key: synthKey(p.hash, o.model, p.seed, index),
            ...params,
            lists: p.lists.hash,
            temperature: p.temperature,
            maxTokens: p.maxTokens,
            usage,
            ...(r.ok
              ? {
                  outputPath: r.usedStructured ? 'json_schema' : 'plain-text',
                  responseModel: r.data.model ?? null,
                  title: r.value.title,
                }
              : {}),
          },
        };
        if (!r.ok) {
          s.failed++;
          s.failures.push({ index, reason: r.error });
          afterDurable([row(index, { status: 'failed', detail: r.error, metadata: JSON.stringify(metadata) })]);
          return;
        }
        const reject = async (reason: SynthGate, detail: string) => {
          s.rejected[reason] = (s.rejected[reason] ?? 0) + 1;
          s.rejections.push({ index, reason, detail });
          // A rejected result is kept for review, redacted: a generated secret is never stored.
          const text = redactText(r.value.text, (await scanText(r.value.text)).spans);
          afterDurable([row(index, { status: 'rejected', reason, detail, text, metadata: JSON.stringify(metadata) })]);
        };
        // The gates' CPU work (on worker threads when asked for); the decisions are taken here, in gate order.
        // Inline, the secret scan waits until a result passed the other gates (no scan of duplicates).
        const work =
          pool.workers > 1
            ? await pool.synthGate({ synthKind: o.kind, text: r.value.text, nearDup })
            : await syntaxGate(o.kind, r.value.text).then((g) =>
                g.ok ? { ...g, fingerprint: dupFingerprint(g.value.text, nearDup), flags: null } : g,
              );
        if (!work.ok) return reject('syntax', work.detail);
        const parsed = work.value;
        // NOTE: check and add run with no await between them: two concurrent repeats cannot both pass.
        const isDup = dup.checkFingerprint(work.fingerprint);
        if (isDup) return reject('duplicate', isDup);
        dup.addFingerprint(work.fingerprint);
        const dirty = contamination?.check(parsed.text);
        if (dirty) return reject('contaminated', dirty);
        // Hygiene (issue 16's detectors): a generated secret is never stored; PII flags are kept as metadata.
        const flags = work.flags ?? (await scanText(parsed.text)).flags;
        const secrets = flags.filter((f) => f.startsWith('secret:'));
        if (secrets.length) return reject('hygiene', `contains ${secrets.join(', ')}`);
        if (flags.length) Object.assign(metadata.synthetic, { hygieneFlags: flags });
        if (o.runTests && o.kind === 'exercises') {
          const t = await runExerciseTests(parsed.text, parsed.tests ?? '', { signal: o.signal });
          s.sandbox ??= t.sandbox;
          if (!t.ok) return reject('tests', t.detail);
          Object.assign(metadata.synthetic, { tests: { ran: t.ran, passed: true } });
        }
        Object.assign(metadata.synthetic, {
          ...(parsed.functionName ? { functionName: parsed.functionName } : {}),
          ...(parsed.tests ? { asserts: parsed.tests } : {}),
          ...(parsed.codeBlocks ? { codeBlocks: parsed.codeBlocks } : {}),
        });
        const sample = synthSample(o.kind, parsed, metadata, index, p.seed);
        // The result row is durable before the sample row: a crash in between is repaired, never re-paid.
        afterDurable(
          [
            row(index, {
              status: 'stored',
              sample_id: sample.id,
              text: parsed.text,
              metadata: JSON.stringify(metadata),
            }),
          ],
          () => {
            writer.push(sample, parsed.imports);
            s.generated++;
            progress();
          },
        );
      } finally {
        budget.release(worst);
        s.calls = session.calls;
        s.structuredFallback = session.structuredFallback;
        progress();
      }
    };

    const worker = async () => {
      while (next < p.todo.length && !budgetHit && !writeError && !o.signal?.aborted) {
        const index = p.todo[next++];
        try {
          await generateOne(index);
        } catch (e) {
          if (!o.signal?.aborted) throw e;
        }
      }
    };
    progress();
    try {
      await Promise.all(Array.from({ length: Math.max(1, o.concurrency ?? 8) }, worker));
    } finally {
      while (durable.size) await Promise.all([...durable]);
    }
    if (writeError) throw (writeError as { error: unknown }).error;
    s.notStarted = p.todo.length - s.generated - rejectedTotal() - s.failed;
    s.stoppedBy = o.signal?.aborted ? 'cancelled' : budgetHit ? 'budget' : 'done';
    return s;
  } finally {
    await chat?.close();
    await pool.close();
    await writer.flush();
    await p.results.close();
  }
}
