/**
 * One gate shared by every worker of a labeling run: a concurrency limit that shrinks on 429 and
 * grows back on success (AIMD), and a global pause when the server says to wait (retry-after,
 * retry-after-ms, or x-ratelimit-remaining-* hitting zero). Slowing down is global, not per request.
 */
export class RateGate {
  private active = 0;
  private limit: number;
  private pauseUntil = 0;
  private waiters: (() => void)[] = [];
  private successes = 0;
  pauses = 0;

  constructor(
    private readonly max: number,
    private readonly sleep = (ms: number, signal?: AbortSignal) => abortableSleep(ms, signal),
  ) {
    this.limit = max;
  }

  get concurrency() {
    return this.limit;
  }

  async acquire(signal?: AbortSignal): Promise<void> {
    for (;;) {
      if (signal?.aborted) throw signal.reason ?? new Error('aborted');
      const wait = this.pauseUntil - Date.now();
      if (wait > 0) {
        await this.sleep(wait, signal);
        continue;
      }
      if (this.active < this.limit) {
        this.active++;
        return;
      }
      await new Promise<void>((r) => this.waiters.push(r));
    }
  }

  release() {
    this.active--;
    this.waiters.shift()?.();
  }

  /** The server asked everyone to wait `ms`. */
  pause(ms: number) {
    const until = Date.now() + ms;
    if (until > this.pauseUntil) {
      this.pauseUntil = until;
      this.pauses++;
    }
  }

  onRateLimited() {
    this.limit = Math.max(1, Math.floor(this.limit / 2));
    this.successes = 0;
  }

  onSuccess() {
    if (this.limit >= this.max) return;
    if (++this.successes >= this.limit) {
      this.limit++;
      this.successes = 0;
      const w = this.waiters.shift();
      w?.();
    }
  }

  /** Reads OpenAI's rate-limit headers; returns the pause they ask for, in ms (0 if none). */
  static pauseFromHeaders(h: Headers | Record<string, string | undefined> | undefined): number {
    if (!h) return 0;
    const get = (k: string) => (h instanceof Headers ? h.get(k) : (h as Record<string, string | undefined>)[k]) ?? null;
    const ms = get('retry-after-ms');
    if (ms && Number.isFinite(Number(ms))) return Number(ms);
    const ra = get('retry-after');
    if (ra) {
      if (Number.isFinite(Number(ra))) return Number(ra) * 1000;
      const at = Date.parse(ra);
      if (Number.isFinite(at)) return Math.max(0, at - Date.now());
    }
    for (const kind of ['requests', 'tokens']) {
      const rem = get(`x-ratelimit-remaining-${kind}`);
      if (rem !== null && Number(rem) <= 0) return parseDuration(get(`x-ratelimit-reset-${kind}`) ?? '1s');
    }
    return 0;
  }
}

/** Parses OpenAI's reset durations: "1s", "250ms", "1m30s", "6m0.5s". */
export function parseDuration(s: string): number {
  let total = 0;
  let matched = false;
  for (const m of s.matchAll(/([\d.]+)(ms|s|m|h)/g)) {
    matched = true;
    const v = Number(m[1]);
    total += m[2] === 'ms' ? v : m[2] === 's' ? v * 1000 : m[2] === 'm' ? v * 60_000 : v * 3_600_000;
  }
  return matched ? total : Number.isFinite(Number(s)) ? Number(s) * 1000 : 1000;
}

export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason ?? new Error('aborted'));
      return;
    }
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal?.reason ?? new Error('aborted'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Exponential backoff with full jitter: attempt 1 -> up to base, 2 -> up to 2*base, ..., capped. */
export function backoffMs(attempt: number, baseMs = 500, capMs = 20_000, rnd = Math.random): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + (rnd() * ceiling) / 2);
}
