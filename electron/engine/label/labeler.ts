import { formatAgent, llmLabelKey } from '../../../shared/agent.js';
import { createHash, randomUUID } from 'node:crypto';
import type { LabelRecord } from '../../../shared/domain.js';
import type { DatasetStore } from '../store/dataset-store.js';
import { sqlString } from '../store/dataset-store.js';
import type { CpuPool } from '../workers/cpu-pool.js';
import { parseAnswer, type BuiltPrompt } from './prompt.js';
import { PromptFeed } from './prompt-feed.js';
import { costUsd, priceOf, type Price } from './pricing.js';
import { callWithRetries, ChatSession, CostBudget } from './llm-call.js';
import { openChat, type ChatTransport } from './chat-transport.js';
import { selectSamples, type SelectionSpec } from './selection.js';
import { resolveTemplate, saveTemplate, type Template } from './templates.js';

export interface LabelRunOptions extends SelectionSpec {
  baseURL?: string;
  apiKey?: string;
  model: string;
  template: string;
  concurrency?: number;
  maxCost?: number;
  maxInputTokens?: number;
  maxTokens?: number;
  temperature?: number;
  seed?: number;
  timeoutMs?: number;
  maxAttempts?: number;
  /** Ms base for exponential backoff (tests shorten it). */
  backoffBaseMs?: number;
  signal?: AbortSignal;
  onProgress?: (p: LabelProgress) => void;
  /** Worker threads for redaction + prompt building; inline without one. */
  pool?: CpuPool;
  /** Only these samples of the selection (a shard's part, by sample-id hash). */
  include?: (sampleId: string) => boolean;
  /** Where labels and failed attempts go instead of the dataset (a shard's own ledger). */
  sink?: LabelSink;
  /** The run's cost cap (default: a CostBudget of maxCost); a shard's also records what it spends. */
  budget?: Pick<CostBudget, 'reserve' | 'release' | 'spent'>;
}

/** A labeling run's output when it must not write the dataset (sharded runs). */
export interface LabelSink {
  appendLabels(records: LabelRecord[]): Promise<void>;
  addAttempts(rows: Record<string, unknown>[]): Promise<void>;
}

export interface LabelProgress {
  done: number;
  total: number;
  labeled: number;
  failed: number;
  costUsd: number;
  concurrency: number;
}

export interface LabelRunSummary {
  selected: number;
  labeled: number;
  skipped: number;
  failed: number;
  notStarted: number;
  prompt_tokens: number;
  completion_tokens: number;
  cost_usd: number;
  calls: number;
  stoppedBy: 'done' | 'budget' | 'cancelled';
  structuredFallback: boolean;
  failures: { sampleId: string; reason: string }[];
}

export interface LabelEstimate {
  selected: number;
  alreadyLabeled: number;
  calls: number;
  prompt_tokens: number;
  max_completion_tokens: number;
  expected_completion_tokens: number;
  cost_usd: number | null;
  max_cost_usd: number | null;
  batch_cost_usd: number | null;
  truncated: number;
  price: Price | null;
  model: string;
  template: string;
}

/** The idempotence key of an LLM label: what was asked, of whom, how. */
export function labelKey(
  sampleId: string,
  templateId: string,
  templateHash: string,
  model: string,
  paramsHash: string,
) {
  return llmLabelKey({ sampleId, templateId, templateHash, model, paramsHash });
}

export function paramsHashOf(p: { temperature: number; maxTokens: number; seed: number; maxInputTokens: number }) {
  return createHash('sha256')
    .update(JSON.stringify([p.temperature, p.maxTokens, p.seed, p.maxInputTokens]))
    .digest('hex')
    .slice(0, 12);
}

/** Typical length of a 0-5 answer with a short rationale; used for the expected (not worst) cost. */
const EXPECTED_COMPLETION_TOKENS = 80;

export interface Prepared {
  template: Template;
  templateHash: string;
  paramsHash: string;
  agent: string;
  params: { temperature: number; maxTokens: number; seed: number; maxInputTokens: number };
  todo: string[];
  selected: number;
  skipped: number;
  price: Price | null;
}

export async function prepare(store: DatasetStore, o: LabelRunOptions): Promise<Prepared> {
  const { template, hash } = await resolveTemplate(store, o.template);
  const params = {
    temperature: o.temperature ?? 0,
    maxTokens: o.maxTokens ?? 300,
    seed: o.seed ?? 0,
    maxInputTokens: o.maxInputTokens ?? 1024,
  };
  const paramsHash = paramsHashOf(params);
  const agent = formatAgent({ model: o.model, templateId: template.id, templateHash: hash });
  const selectedIds = (await selectSamples(store, o)).filter((id) => !o.include || o.include(id));
  const done = await labeledKeys(store, agent, paramsHash);
  const todo = selectedIds.filter((id) => !done.has(id));
  return {
    template,
    templateHash: hash,
    paramsHash,
    agent,
    params,
    todo,
    selected: selectedIds.length,
    skipped: selectedIds.length - todo.length,
    price: priceOf(o.model, store.config.prices),
  };
}

/** Sample ids that already have a label for this agent + parameters (LanceDB plus the unflushed journal). */
export async function labeledKeys(store: DatasetStore, agent: string, paramsHash: string): Promise<Set<string>> {
  const out = new Set<string>();
  const labels = await store.table('labels');
  for await (const b of labels
    .query()
    .where(`kind = 'llm' AND agent = ${sqlString(agent)}`)
    .select(['sample_id', 'details'])) {
    const ids = b.getChild('sample_id')!;
    const det = b.getChild('details')!;
    for (let i = 0; i < b.numRows; i++)
      if ((JSON.parse(det.get(i)) as { paramsHash?: string }).paramsHash === paramsHash) out.add(ids.get(i));
  }
  for (const p of store.pendingLabels())
    if (p.kind === 'llm' && p.agent === agent && p.details.paramsHash === paramsHash) out.add(p.sampleId);
  return out;
}

/** Counts exactly the prompt tokens of the calls a run would make, and prices them. No call is made. */
export async function estimateLabeling(store: DatasetStore, o: LabelRunOptions): Promise<LabelEstimate> {
  const p = await prepare(store, o);
  let promptTokens = 0;
  let truncated = 0;
  let calls = 0;
  const feed = new PromptFeed(store, p.todo, p.template, p.params.maxInputTokens, o.pool ?? null, {
    batchSize: 256,
    ahead: Math.max(2, (o.pool?.workers ?? 1) * 2),
  });
  for (let r = await feed.take(); r; r = await feed.take()) {
    promptTokens += r.prompt.promptTokens;
    if (r.prompt.truncated) truncated++;
    calls++;
  }
  const expected = calls * Math.min(EXPECTED_COMPLETION_TOKENS, p.params.maxTokens);
  return {
    selected: p.selected,
    alreadyLabeled: p.skipped,
    calls,
    prompt_tokens: promptTokens,
    max_completion_tokens: calls * p.params.maxTokens,
    expected_completion_tokens: expected,
    cost_usd: p.price ? costUsd(p.price, promptTokens, expected) : null,
    max_cost_usd: p.price ? costUsd(p.price, promptTokens, calls * p.params.maxTokens) : null,
    batch_cost_usd: p.price ? costUsd(p.price, promptTokens, expected, true) : null,
    truncated,
    price: p.price,
    model: o.model,
    template: `${p.template.id}@${p.templateHash}`,
  };
}

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

  // Labeling sends the redacted text: no secret or PII reaches the LLM (see buildPrompts).
  const feed = new PromptFeed(store, p.todo, p.template, p.params.maxInputTokens, o.pool ?? null, {
    // NOTE: enough prompts ready for every slot twice over, so no call waits for a batch.
    ahead: Math.max(2, Math.ceil((2 * (o.concurrency ?? 8)) / 32)),
    warmUp: true,
  });
  /** One call; resolves to the label to store, or null (failed, or the budget is spent). */
  const labelOne = async (sampleId: string, b: BuiltPrompt): Promise<LabelRecord | null> => {
    const worst = costUsd(p.price, b.promptTokens, p.params.maxTokens);
    if (!(await budget.reserve(worst))) {
      budgetHit = true;
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
  let runError: { e: unknown } | null = null;
  const worker = async () => {
    let durable: Promise<void> = Promise.resolve();
    let storeError: { e: unknown } | null = null;
    const stored = async () => {
      await durable;
      if (storeError && !o.signal?.aborted) throw storeError.e;
    };
    try {
      while (!budgetHit && !runError && !o.signal?.aborted) {
        const r = await feed.take();
        if (!r) return;
        let rec: LabelRecord | null = null;
        try {
          rec = await labelOne(r.sampleId, r.prompt);
        } catch (e) {
          if (!o.signal?.aborted) throw e;
        }
        if (!rec) continue;
        await stored();
        // The error is kept (not left unhandled) and thrown by this slot's next wait.
        durable = (o.sink ?? store).appendLabels([rec]).then(
          () => {
            s.labeled++;
            progress();
          },
          (e: unknown) => {
            storeError ??= { e };
          },
        );
      }
    } finally {
      await stored();
    }
  };
  const session = new ChatSession(chat, o.concurrency ?? 8, {
    maxAttempts: o.maxAttempts,
    backoffBaseMs: o.backoffBaseMs,
    signal: o.signal,
  });
  progress();
  try {
    // The first slot to fail stops the others (each finishes the call it has in flight), and the
    // run ends with that slot's error once all have stopped: nothing is still calling after it.
    await Promise.all(
      Array.from({ length: Math.max(1, o.concurrency ?? 8) }, () =>
        worker().catch((e: unknown) => {
          runError ??= { e };
        }),
      ),
    );
    const failure = runError as { e: unknown } | null;
    if (failure) throw failure.e;
  } finally {
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

/** The label record of one answered call (live or from a batch). */
export function llmLabelRecord(
  store: DatasetStore,
  p: Prepared,
  model: string,
  sampleId: string,
  b: BuiltPrompt,
  ans: { score: number | null; keep: boolean | null; rationale: string },
  x: {
    pt: number;
    ct: number;
    cost: number;
    outputPath: string;
    responseModel: string | undefined;
    finishReason: string | null;
    batchId?: string;
  },
): LabelRecord {
  const keep = ans.keep ?? ans.score! >= store.config.keepThreshold;
  return {
    labelId: randomUUID(),
    sampleId,
    kind: 'llm',
    score: ans.score,
    keep,
    rationale: ans.rationale,
    agent: p.agent,
    origin: null,
    note: null,
    retracts: null,
    createdAt: new Date().toISOString(),
    details: {
      key: labelKey(sampleId, p.template.id, p.templateHash, model, p.paramsHash),
      paramsHash: p.paramsHash,
      params: p.params,
      outputPath: x.outputPath,
      truncated: b.truncated,
      sampleTokens: b.sampleTokens,
      keptTokens: b.keptTokens,
      injectionSuspected: b.injection,
      usage: { prompt_tokens: x.pt, completion_tokens: x.ct },
      costUsd: x.cost,
      responseModel: x.responseModel ?? null,
      finishReason: x.finishReason,
      ...(x.batchId ? { batchId: x.batchId } : {}),
    },
  };
}
