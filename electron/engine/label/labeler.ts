import type { LabelRecord } from '../../../shared/domain.js';
import type { DatasetStore } from '../store/dataset-store.js';
import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { parseAnswer, type BuiltPrompt } from './prompt.js';
import { PromptFeed } from './prompt-feed.js';
import { costUsd } from './pricing.js';
import { callWithRetries, ChatSession, CostBudget } from './llm-call.js';
import { openChat, type ChatTransport } from './chat-transport.js';
import { saveTemplate } from './templates.js';
import { labelKey, llmLabelRecord, prepare, type LabelRunOptions, type LabelRunSummary } from './label-plan.js';

export {
  estimateLabeling,
  labeledKeys,
  labelKey,
  llmLabelRecord,
  paramsHashOf,
  prepare,
  type LabelEstimate,
  type LabelProgress,
  type LabelRunOptions,
  type LabelRunSummary,
  type LabelSink,
  type Prepared,
} from './label-plan.js';

/**
 * Labels the selection with bounded concurrency. Each success is acknowledged only once durable
 * (journal fsync); failures become label attempts; the budget is reserved before each call.
 * Prompts are built ahead, off the calls' path (PromptFeed).
 */
export async function runLabeling(store: DatasetStore, o: LabelRunOptions): Promise<LabelRunSummary> {
  // With worker threads, the calls' HTTP runs on one of its own (chat-transport.ts). It starts
  // here, so its thread loads the client while the selection is read.
  const chat = openChat(o, o.pool ?? null);
  try {
    return await labelSelection(store, o, chat);
  } finally {
    await chat.close();
  }
}

async function labelSelection(store: DatasetStore, o: LabelRunOptions, chat: ChatTransport): Promise<LabelRunSummary> {
  const p = await prepare(store, o);
  if (o.maxCost !== undefined && !p.price)
    throw new Error(
      `no price known for model ${o.model}: add it to config.json "prices" (USD per 1M tokens) to use --max-cost`,
    );
  if (!o.sink) await saveTemplate(store, p.template);
  const budget = o.budget ?? new CostBudget(o.maxCost, o.signal);
  const maxAttempts = o.maxAttempts ?? 4;
  const s: LabelRunSummary = {
    selected: p.selected,
    labeled: 0,
    skipped: p.skipped,
    failed: 0,
    notStarted: 0,
    prompt_tokens: 0,
    completion_tokens: 0,
    cost_usd: 0,
    calls: 0,
    stoppedBy: 'done',
    structuredFallback: false,
    failures: [],
  };
  let budgetHit = false;
  const attempts: Record<string, unknown>[] = [];
  const attemptsTable = o.sink ? null : await store.table('label_attempts');
  const flushAttempts = async () => {
    if (!attempts.length) return;
    if (attemptsTable) await attemptsTable.add(attempts.splice(0));
    else await o.sink!.addAttempts(attempts.splice(0));
  };
  const progress = () =>
    o.onProgress?.({
      done: s.labeled + s.failed,
      total: p.todo.length,
      labeled: s.labeled,
      failed: s.failed,
      costUsd: s.cost_usd,
      concurrency: session.gate.concurrency,
    });

  // NOTE: the prompt threads start loading once the first call has been answered, when every slot
  // waits on the server: loading them while the first calls went out (the HTTP thread sending 32-64
  // at once, on 2 cores) put ~0.15-0.25 s before the first request. The main thread builds the
  // batches until they are warm (~20 ms of CPU each).
  let answered!: () => void;
  const firstAnswer = new Promise<void>((resolve) => (answered = resolve));
  // Labeling sends the redacted text: no secret or PII reaches the LLM (see buildPrompts).
  const feed = new PromptFeed(store, p.todo, p.template, p.params.maxInputTokens, o.pool ?? null, {
    // NOTE: enough prompts ready for every slot twice over, so no call waits for a batch.
    ahead: Math.max(2, Math.ceil((2 * (o.concurrency ?? 8)) / 32)),
    warmUp: true,
    warmUpAfter: firstAnswer,
  });
  // The first failure (a call that throws, a label the store refuses) stops every slot: no slot
  // takes another prompt, and the calls in flight (with their retries and rate-limit waits) are
  // aborted through the session's signal, which the caller's signal also aborts.
  let runError: { e: unknown } | null = null;
  const stopCalls = new AbortController();
  // Every call in flight (and its retry or rate-limit wait) listens on this signal: at concurrency
  // 32 that is 32+ listeners at once, all removed as calls end, so Node's leak warning (> 10) is moot.
  setMaxListeners(2 * (o.concurrency ?? 8) + 16, stopCalls.signal);
  const onCancel = () => stopCalls.abort();
  if (o.signal?.aborted) stopCalls.abort();
  else o.signal?.addEventListener('abort', onCancel, { once: true });
  const fail = (e: unknown) => {
    runError ??= { e };
    stopCalls.abort();
  };
  // The session's signal is aborted by a cancel and by the first failure alike.
  const stopped = () => budgetHit || stopCalls.signal.aborted;
  /** One call; resolves to the label to store, or null (failed, or the budget is spent). */
  const labelOne = async (sampleId: string, b: BuiltPrompt): Promise<LabelRecord | null> => {
    const worst = costUsd(p.price, b.promptTokens, p.params.maxTokens);
    if (!(await budget.reserve(worst))) {
      budgetHit = true;
      return null;
    }
    // A slot that waited for the budget must not start a call once the run has failed.
    if (runError) {
      budget.release(worst);
      return null;
    }
    let last = { pt: 0, ct: 0, cost: 0 };
    try {
      const r = await callWithRetries(
        session,
        (structured) => ({
          model: o.model,
          messages: b.messages,
          temperature: p.params.temperature,
          max_tokens: p.params.maxTokens,
          seed: p.params.seed,
          ...(structured
            ? {
                response_format: {
                  type: 'json_schema' as const,
                  json_schema: { name: 'label', schema: p.template.schema, strict: true },
                },
              }
            : {}),
        }),
        (content, structured) => parseAnswer(p.template, content, structured),
        (usage) => {
          const pt = usage?.prompt_tokens ?? b.promptTokens;
          const ct = usage?.completion_tokens ?? 0;
          last = { pt, ct, cost: costUsd(p.price, pt, ct) };
          s.prompt_tokens += pt;
          s.completion_tokens += ct;
          s.cost_usd += last.cost;
          budget.spent = s.cost_usd;
        },
      );
      // The server has answered (a label or a final failure); a cancel or a stop throws before this.
      answered();
      s.calls = session.calls;
      s.structuredFallback = session.structuredFallback;
      if (r.ok) {
        const choice = r.data.choices?.[0];
        const rec = llmLabelRecord(store, p, o.model, sampleId, b, r.value, {
          ...last,
          outputPath: r.usedStructured ? 'json_schema' : 'plain-text',
          responseModel: r.data.model,
          finishReason: choice?.finish_reason ?? null,
        });
        return rec;
      }
      s.failed++;
      s.failures.push({ sampleId, reason: r.error });
      attempts.push({
        attempt_id: randomUUID(),
        sample_id: sampleId,
        label_key: labelKey(sampleId, p.template.id, p.templateHash, o.model, p.paramsHash),
        agent: p.agent,
        status: 'failed',
        error: r.error,
        details: JSON.stringify({ attempts: maxAttempts }),
        created_at: new Date().toISOString(),
      });
      if (attempts.length >= 200) await flushAttempts();
      return null;
    } finally {
      budget.release(worst);
      progress();
    }
  };

  // NOTE: a slot starts its next call while its last label is being made durable (journal fsync,
  // shared by concurrent slots: DurableJournal's group commit), and waits for it before it stores
  // another: a crash repeats at most 2 calls per slot, and no slot's cycle includes an fsync.
  const worker = async () => {
    // This slot's label on its way to the journal. It never rejects: a failure is kept in `failed`
    // (and in `runError`, which stops every slot at its next turn) and thrown by `stored()`.
    let durable: Promise<void> = Promise.resolve();
    let failed: { e: unknown } | null = null;
    // NOTE: a label the store refused is an error even in a cancelled run: its call was paid for.
    const stored = async () => {
      await durable;
      if (failed) throw failed.e;
    };
    try {
      while (!stopped()) {
        const r = await feed.take();
        if (!r || stopped()) return;
        let rec: LabelRecord | null = null;
        try {
          rec = await labelOne(r.sampleId, r.prompt);
        } catch (e) {
          // An abort is the caller's cancel, or this run stopping after its first failure.
          if (!stopCalls.signal.aborted) throw e;
        }
        if (!rec) continue;
        await stored();
        const label = rec;
        durable = (async () => {
          try {
            await (o.sink ?? store).appendLabels([label]);
            s.labeled++;
            progress();
          } catch (e) {
            failed ??= { e };
            fail(e);
          }
        })();
      }
    } finally {
      await stored();
    }
  };
  const session = new ChatSession(chat, o.concurrency ?? 8, {
    maxAttempts: o.maxAttempts,
    backoffBaseMs: o.backoffBaseMs,
    signal: stopCalls.signal,
  });
  progress();
  try {
    // The first slot to fail stops the others (each finishes the call it has in flight), and the
    // run ends with that slot's error once all have stopped: nothing is still calling after it.
    await Promise.all(
      Array.from({ length: Math.max(1, o.concurrency ?? 8) }, () => worker().catch((e: unknown) => fail(e))),
    );
    const failure = runError as { e: unknown } | null;
    if (failure) throw failure.e;
  } finally {
    o.signal?.removeEventListener('abort', onCancel);
    await feed.close();
    await flushAttempts();
    await store.flush();
  }
  s.calls = session.calls;
  s.structuredFallback = session.structuredFallback;
  s.notStarted = p.todo.length - s.labeled - s.failed;
  s.stoppedBy = o.signal?.aborted ? 'cancelled' : budgetHit ? 'budget' : 'done';
  return s;
}
