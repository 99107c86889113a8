/**
 * Steps (a batch's recording, say) that run one at a time, in the order they were pushed, while
 * the caller goes on preparing the next: `push` returns once at most one step is left pending.
 * A failed step fails every later one unrun, and `push` (or `finish`) reports it.
 */
export class SerialSteps {
  private last: Promise<void> = Promise.resolve();
  private pending: Promise<void>[] = [];

  async push(step: () => Promise<void>): Promise<void> {
    const p = this.last.then(step);
    // Awaited by a later push, finish or settle; this only keeps it from counting as unhandled.
    p.catch(() => {});
    this.last = p;
    this.pending.push(p);
    while (this.pending.length > 1) await this.pending.shift();
  }

  /** Waits for every step; rejects with the first failure. */
  async finish(): Promise<void> {
    for (const p of this.pending.splice(0)) await p;
  }

  /** Waits for every step to settle, whatever the outcome (after a cancel or a failure elsewhere). */
  async settle(): Promise<void> {
    for (const p of this.pending.splice(0)) await p.catch(() => {});
  }
}
