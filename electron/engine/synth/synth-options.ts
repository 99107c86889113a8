/** The public shapes of a synth run: its options, its summary, and its cost estimate. */
import type { SynthGate, SynthKind } from '../../../shared/enums.js';
import type { BenchmarkError } from '../curate/benchmarks.js';
import type { Price } from '../label/pricing.js';
import type { SandboxReport } from './run-tests.js';

export interface SynthOptions {
  kind: SynthKind;
  /** Indices 0..count-1, one call each (plus retries); raising it later adds only the new indices. */
  count: number;
  /** Template id[@version] or a template JSON file; default `phi1-<kind>`. */
  template?: string;
  topics?: string;
  audiences?: string;
  styles?: string;
  seed?: number;
  model: string;
  baseURL?: string;
  apiKey?: string;
  concurrency?: number;
  maxCost?: number;
  maxTokens?: number;
  temperature?: number;
  /** Benchmark JSONL files; results sharing a 13-gram with any item are rejected as contaminated. */
  decontaminate?: string[];
  /** Jaccard (word 5-grams) at or above which a result is a near duplicate. Default 0.85. */
  nearDup?: number;
  /**
   * Threads for the gates' CPU work (tree-sitter parse, MinHash, secret scan). Default 1: inline
   * on the main thread. NOTE: measured on the 2-core bench machine, threads cost more than they
   * save (each loads tsx, tree-sitter and secretlint: ~30 ms of CPU per call over a 300-call run,
   * against ~3 ms of gate work moved off the main thread); worth it only for long runs on many cores.
   */
  workers?: number;
  /** Run each exercise's doctests and asserts in a locked-down subprocess (gate 4). */
  runTests?: boolean;
  timeoutMs?: number;
  maxAttempts?: number;
  backoffBaseMs?: number;
  signal?: AbortSignal;
  onProgress?: (p: {
    phase: string;
    done: number;
    total: number;
    generated: number;
    rejected: number;
    failed: number;
    costUsd: number;
  }) => void;
}

export interface SynthRunSummary {
  generated: number;
  rejected: Partial<Record<SynthGate, number>> & { syntax: number; duplicate: number; contaminated: number };
  failed: number;
  prompt_tokens: number;
  completion_tokens: number;
  cost_usd: number;
  calls: number;
  /** Indices settled by an earlier run (stored or rejected): not requested again. */
  skipped: number;
  notStarted: number;
  /** Stored results whose sample row was missing (a crash between the two), written now without a call. */
  repaired: number;
  stoppedBy: 'done' | 'budget' | 'cancelled';
  structuredFallback: boolean;
  rejections: { index: number; reason: SynthGate; detail: string }[];
  failures: { index: number; reason: string }[];
  benchmarkErrors: BenchmarkError[];
  /** What the contamination gate checked against: `--decontaminate` files, the stored set, or nothing. */
  benchmarks: { from: 'option' | 'stored'; names: string[]; items: number } | null;
  sandbox: SandboxReport | null;
}

export interface SynthEstimate {
  calls: number;
  alreadySettled: number;
  prompt_tokens: number;
  max_completion_tokens: number;
  expected_completion_tokens: number;
  cost_usd: number | null;
  max_cost_usd: number | null;
  price: Price | null;
  model: string;
  template: string;
}
