import OpenAI from 'openai';
import type { ChatCompletion, ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions';
import type { ChatTransport } from './chat-transport.js';
import { UnparseableAnswer } from './prompt.js';
import { abortableSleep, backoffMs, RateGate } from './rate-gate.js';

/**
 * The machinery every LLM run shares (labeling, generation): one chat call with retries under a
 * shared rate gate, structured output with a run-wide fallback to plain text, and a budget that
 * reserves each call's worst case while it is in flight.
 */

/** Spend so far plus reservations for calls in flight; `reserve` never lets the sum pass `maxCost`. */
export class CostBudget {
  spent = 0;
  private reserved = 0;
  private reservations = 0;

  constructor(
    readonly maxCost: number | undefined,
    private readonly signal?: AbortSignal,
  ) {}

  /** Reserves the worst case of one call; false when it cannot fit even after in-flight calls settle. */
  async reserve(worst: number): Promise<boolean> {
    if (this.maxCost === undefined) return true;
    for (;;) {
      if (this.spent + this.reserved + worst <= this.maxCost) {
        this.reserved += worst;
        this.reservations++;
        return true;
      }
      // NOTE: count reservations, not dollars: float sums never return exactly to 0.
      if (this.reservations === 0) return false;
      await abortableSleep(20, this.signal).catch(() => {});
      if (this.signal?.aborted) return false;
    }
  }

  release(worst: number): void {
    if (this.maxCost === undefined) return;
    this.reserved -= worst;
    this.reservations--;
    if (this.reservations === 0) this.reserved = 0;
  }
}

/** State shared by every call of one run. */
export class ChatSession {
  /** False once the server rejected json_schema: the rest of the run asks for plain text. */
  structured = true;
  structuredFallback = false;
  calls = 0;
  readonly gate: RateGate;

  constructor(
    readonly chat: ChatTransport,
    concurrency: number,
    readonly opts: { maxAttempts?: number; backoffBaseMs?: number; signal?: AbortSignal } = {},
  ) {
    this.gate = new RateGate(concurrency);
  }
}

export interface CallSuccess<T> {
  ok: true;
  value: T;
  usedStructured: boolean;
  data: ChatCompletion;
}
export interface CallFailure {
  ok: false;
  error: string;
  attempts: number;
}

/**
 * One logical call: retried on 429 (global pause + AIMD), 5xx, timeouts, connection errors and
 * unreadable answers (`parse` throws UnparseableAnswer); a 400 about response_format switches the
 * whole session to plain text. Every answered attempt is reported to `onUsage` (it was paid for).
 */
export async function callWithRetries<T>(
  session: ChatSession,
  request: (structured: boolean) => ChatCompletionCreateParamsNonStreaming,
  parse: (content: string | null | undefined, structured: boolean) => T,
  onUsage: (usage: { prompt_tokens?: number; completion_tokens?: number } | undefined) => void,
): Promise<CallSuccess<T> | CallFailure> {
  const { signal, backoffBaseMs } = session.opts;
  const maxAttempts = session.opts.maxAttempts ?? 4;
  const gate = session.gate;
  let lastError = '';
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    await gate.acquire(signal);
    let released = false;
    const release = () => {
      if (!released) {
        released = true;
        gate.release();
      }
    };
    const askedStructured = session.structured;
    try {
      session.calls++;
      const { data, headers } = await session.chat.create(request(askedStructured), signal);
      const pause = RateGate.pauseFromHeaders(headers);
      if (pause > 0) gate.pause(pause);
      release();
      onUsage(data.usage);
      const choice = data.choices?.[0];
      let value: T;
      try {
        value = parse(choice?.message?.content, askedStructured);
      } catch (e) {
        if (!(e instanceof UnparseableAnswer)) throw e;
        lastError = `${e.message}${choice?.finish_reason === 'length' ? ' (answer cut at max tokens)' : ''}`;
        await abortableSleep(backoffMs(attempt, backoffBaseMs), signal);
        continue;
      }
      gate.onSuccess();
      return { ok: true, value, usedStructured: askedStructured, data };
    } catch (e) {
      release();
      if (signal?.aborted) throw e;
      const err = e as InstanceType<typeof OpenAI.APIError> & { status?: number; headers?: Headers };
      lastError = describeError(e);
      if (
        err instanceof OpenAI.APIError &&
        err.status === 400 &&
        askedStructured &&
        /response_format|json_schema|structured/i.test(String(err.message))
      ) {
        // The server has no structured outputs: fall back to plain text for the rest of the run.
        session.structured = false;
        session.structuredFallback = true;
        attempt--;
        continue;
      }
      if (err instanceof OpenAI.APIError && err.status === 429) {
        gate.onRateLimited();
        gate.pause(RateGate.pauseFromHeaders(err.headers) || backoffMs(attempt, backoffBaseMs));
        continue;
      }
      const retriable =
        !(err instanceof OpenAI.APIError) ||
        err instanceof OpenAI.APIConnectionError ||
        (err.status ?? 500) >= 500 ||
        err.status === 408 ||
        err.status === 409;
      if (!retriable) break;
      await abortableSleep(backoffMs(attempt, backoffBaseMs), signal);
    }
  }
  return { ok: false, error: lastError, attempts: maxAttempts };
}

export function describeError(e: unknown): string {
  if (e instanceof OpenAI.APIError)
    return `${e.constructor.name}${e.status ? ` ${e.status}` : ''}: ${e.message}`.slice(0, 500);
  return `${(e as Error).name}: ${(e as Error).message}`.slice(0, 500);
}
