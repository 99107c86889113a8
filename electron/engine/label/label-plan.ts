import { formatAgent, llmLabelKey } from '../../../shared/agent.js';
import { createHash, randomUUID } from 'node:crypto';
import type { LabelRecord } from '../../../shared/domain.js';
import type { DatasetStore } from '../store/dataset-store.js';
import { sqlString } from '../store/dataset-store.js';
import type { CpuPool } from '../workers/cpu-pool.js';
import type { BuiltPrompt } from './prompt.js';
import { PromptFeed } from './prompt-feed.js';
import { costUsd, priceOf, type Price } from './pricing.js';
import type { CostBudget } from './llm-call.js';
import { selectSamples, type SelectionSpec } from './selection.js';
import { resolveTemplate, type Template } from './templates.js';

// A labeling run's options, its plan (what to call, what is already labeled, the estimate) and
// the label record of an answer; the run itself is in labeler.ts.

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
