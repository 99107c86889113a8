/** What a synth run will do (template, lists, indices still to settle) and its priced estimate. */
import { CodedError } from '../../../shared/errors.js';
import { costUsd, priceOf, type Price } from '../label/pricing.js';
import type { DatasetStore } from '../store/dataset-store.js';
import { drawParams, loadSynthLists, type SynthLists } from './sampler.js';
import { SynthResults } from './synth-results.js';
import type { SynthEstimate, SynthOptions } from './synth-options.js';
import { buildSynthPrompt, resolveSynthTemplate, type SynthTemplate } from './synth-templates.js';

/** Typical answer lengths, for the expected (not worst-case) cost. */
const EXPECTED_COMPLETION = { exercises: 250, textbook: 900 } as const;
const DEFAULT_MAX_TOKENS = { exercises: 800, textbook: 2000 } as const;

export interface Prepared {
  template: SynthTemplate;
  hash: string;
  lists: SynthLists;
  seed: number;
  maxTokens: number;
  temperature: number;
  price: Price | null;
  todo: number[];
  settled: number;
  results: SynthResults;
}

export async function prepare(store: DatasetStore, o: SynthOptions): Promise<Prepared> {
  if (!Number.isInteger(o.count) || o.count < 0)
    throw new CodedError('invalid_input', `count must be a non-negative integer, got ${o.count}`);
  const { template, hash } = await resolveSynthTemplate(o.template ?? `phi1-${o.kind}`, o.kind);
  const lists = await loadSynthLists(o);
  const seed = o.seed ?? 0;
  const results = await SynthResults.open(store);
  const settled = await results.settled(hash, o.model, seed);
  const todo: number[] = [];
  for (let i = 0; i < o.count; i++) if (!settled.has(i)) todo.push(i);
  return {
    template,
    hash,
    lists,
    seed,
    maxTokens: o.maxTokens ?? DEFAULT_MAX_TOKENS[o.kind],
    temperature: o.temperature ?? 1,
    price: priceOf(o.model, store.config.prices),
    todo,
    settled: o.count - todo.length,
    results,
  };
}

/** Exactly the prompt tokens of the calls a run would make (o200k_base), priced. No call is made. */
export async function estimateSynth(store: DatasetStore, o: SynthOptions): Promise<SynthEstimate> {
  const p = await prepare(store, o);
  try {
    let prompt = 0;
    for (const i of p.todo) prompt += buildSynthPrompt(p.template, drawParams(p.lists, p.seed, i)).promptTokens;
    const calls = p.todo.length;
    const expected = calls * Math.min(EXPECTED_COMPLETION[o.kind], p.maxTokens);
    return {
      calls,
      alreadySettled: p.settled,
      prompt_tokens: prompt,
      max_completion_tokens: calls * p.maxTokens,
      expected_completion_tokens: expected,
      cost_usd: p.price ? costUsd(p.price, prompt, expected) : null,
      max_cost_usd: p.price ? costUsd(p.price, prompt, calls * p.maxTokens) : null,
      price: p.price,
      model: o.model,
      template: `${p.template.id}@${p.hash}`,
    };
  } finally {
    await p.results.close();
  }
}
