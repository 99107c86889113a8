import { sqlString, type DatasetStore } from '../store/dataset-store.js';
import type { CpuPool } from '../workers/cpu-pool.js';
import { buildPrompts, type PromptItem } from './prompt-build.js';
import type { BuiltPrompt } from './prompt.js';
import type { Template } from './templates.js';

export interface ReadyPrompt {
  sampleId: string;
  prompt: BuiltPrompt;
}

/** What a warm-up task builds: enough to load the redactor and the tokenizer (the scanner loads when a sample needs it). */
const WARM_UP: PromptItem = { text: 'def warm_up(x):\n    return x + 1\n', language: 'python', spans: [] };

/**
 * The prompts of a run, built ahead of its calls so no call waits on CPU work and the main
 * thread only does HTTP: the selection is read in batches (one query each, only the columns a
 * prompt needs), and each batch is redacted and counted in the CPU pool (inline without one).
 * Prompts come out in selection order; samples deleted since selection are skipped.
 *
 * NOTE: a pool's threads load the scanner and the tokenizer on their first prompt task, which
 * took ~2 s before the first request of a run (0.2-0.3 s once warm). With `warmUp` (a labeling
 * run, where every second of idle connections counts) the feed sends each thread a one-sample
 * warm-up task at once and builds batches inline until every thread has answered; prompts are
 * the same either way (`buildPrompts` is pure). An estimate leaves the work to the pool.
 */
export class PromptFeed {
  private nextStart = 0;
  private loading: Promise<ReadyPrompt[]>[] = [];
  private current: ReadyPrompt[] = [];
  private at = 0;
  private chain: Promise<unknown> = Promise.resolve();
  private readonly batchSize: number;
  private readonly ahead: number;
  /** Settles once every pool thread has built a prompt (null: no pool, or warm already). */
  private warming: Promise<void> | null = null;
  /** Batches built inline while the pool warmed up (for tests and progress notes). */
  inlineBatches = 0;
  /** Starts the warm-up (set while it waits for the first inline batch). */
  private firstInlineBuilt: (() => void) | null = null;

  constructor(
    private readonly store: DatasetStore,
    private readonly ids: readonly string[],
    private readonly template: Template,
    private readonly maxInputTokens: number,
    private readonly pool: CpuPool | null,
    opts: {
      batchSize?: number;
      ahead?: number;
      warmUp?: boolean;
      /** The warm-up waits for this too (a labeling run: its first answer; see labeler.ts). */
      warmUpAfter?: Promise<unknown>;
    } = {},
  ) {
    this.batchSize = opts.batchSize ?? 32;
    this.ahead = opts.ahead ?? 4;
    if (opts.warmUp && pool && pool.workers > 1 && ids.length) {
      const task = { template, items: [WARM_UP], maxInputTokens };
      // NOTE: the threads start loading once the first batch is built inline: on a 2-core
      // machine, loading them alongside it delayed the first request from ~0.8 to ~1.6 s.
      const firstBatch = new Promise<void>((resolve) => (this.firstInlineBuilt = resolve));
      const warming = Promise.all([firstBatch, opts.warmUpAfter])
        .then(() => Promise.all(Array.from({ length: pool.workers }, () => pool.prompts(task))))
        .then(
          () => {
            if (this.warming === warming) this.warming = null;
          },
          // A thread that cannot build prompts fails the first pooled batch, where the run reports it.
          () => {
            if (this.warming === warming) this.warming = null;
          },
        );
      this.warming = warming;
    }
  }

  /** The next prompt, or null once the selection is used up. Callers may race; each gets its own. */
  take(): Promise<ReadyPrompt | null> {
    const r = this.chain.then(() => this.takeOne());
    this.chain = r.catch(() => undefined);
    return r;
  }

  /**
   * Waits for batches still being built (call before the store or the pool closes). Warm-up
   * tasks are not waited for: they touch no store, and a closing pool may drop them.
   */
  async close(): Promise<void> {
    // A batch that finishes from here on must not start the warm-up of a run that has ended.
    this.firstInlineBuilt = null;
    await Promise.allSettled(this.loading.splice(0));
  }

  private async takeOne(): Promise<ReadyPrompt | null> {
    for (;;) {
      if (this.at < this.current.length) return this.current[this.at++];
      this.fill();
      const next = this.loading.shift();
      if (!next) return null;
      this.current = [];
      this.at = 0;
      this.current = await next;
      this.fill();
    }
  }

  private fill() {
    while (this.loading.length < this.ahead && this.nextStart < this.ids.length) {
      const ids = this.ids.slice(this.nextStart, (this.nextStart += this.batchSize));
      const p = this.load(ids);
      // Observed when its turn comes; a batch abandoned by a stopped run must not crash the process.
      p.catch(() => {});
      this.loading.push(p);
    }
  }

  private async load(ids: string[]): Promise<ReadyPrompt[]> {
    const table = await this.store.table('samples');
    const rows = (await table
      .query()
      .where(`id IN (${ids.map(sqlString).join(',')})`)
      .select(['id', 'text', 'language'])
      .toArray()) as { id: string; text: string; language: string }[];
    const byId = new Map(rows.map((r) => [r.id, r]));
    const found = ids.filter((id) => byId.has(id));
    const items = found.map((id) => {
      const r = byId.get(id)!;
      return { text: r.text, language: r.language, spans: this.store.hygiene.spansOf(id) ?? null };
    });
    const inline = !this.pool || this.warming !== null;
    if (inline && this.pool) this.inlineBatches++;
    const prompts = inline
      ? await buildPrompts(this.template, items, this.maxInputTokens)
      : await this.pool!.prompts({ template: this.template, items, maxInputTokens: this.maxInputTokens });
    if (inline) this.firstInlineBuilt?.();
    return found.map((sampleId, i) => ({ sampleId, prompt: prompts[i] }));
  }
}
