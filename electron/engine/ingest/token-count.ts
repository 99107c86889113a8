import { InOrder, type CpuPool } from '../workers/cpu-pool.js';
import { o200k, O200K_PATTERN, type TokenCodec } from './o200k.js';

/**
 * Texts the per-piece path may count: every character in ranges where this JavaScript pattern and
 * tiktoken's own (Rust) one classify alike. Outside them the text is encoded whole:
 * - U+FEFF is `\s` in JavaScript only and U+0085 in Rust only; Rust's case-insensitive
 *   contractions also match U+017F (long s);
 * - the two sides' Unicode versions differ (Node 20 here has Unicode 17, tiktoken 1.0.22's tables
 *   are older), so a character assigned since is a letter on one side and unassigned on the other.
 * Basic Latin, Latin-1, Latin Extended-A/B and General Punctuation have been fully assigned for
 * decades; code is mostly these. Surrogates (lone ones too) take the whole path.
 */
const PER_PIECE_SAFE = /^[\u0000-\u0084\u0086-\u017e\u0180-\u024f\u2000-\u206f]*$/;

/**
 * Exact o200k_base token counts, fast. tiktoken splits text with a regex and byte-pair-encodes
 * each piece independently, so the count of a text is the sum of its pieces' counts. Code repeats
 * the same pieces (identifiers, keywords, indentation) endlessly, so counts are memoized per piece.
 * NOTE: special-token strings in code (e.g. "<|endoftext|>") are counted as plain text.
 * The test suite checks equality with the full encode (and with js-tiktoken's) on real code.
 */
export class TokenCounter {
  private readonly enc: TokenCodec;
  private readonly pattern = new RegExp(O200K_PATTERN, 'gu');
  private cache = new Map<string, number>();
  private readonly maxCache: number;

  /** `enc`: another codec (the thread's shared o200k_base table by default). */
  constructor(opts: { maxCache?: number; enc?: TokenCodec } = {}) {
    this.maxCache = opts.maxCache ?? 500_000;
    this.enc = opts.enc ?? o200k();
  }

  count(text: string): number {
    if (!PER_PIECE_SAFE.test(text)) return this.enc.encode(text).length;
    let n = 0;
    this.pattern.lastIndex = 0;
    for (const m of text.matchAll(this.pattern)) n += this.pieceCount(m[0]);
    return n;
  }

  private pieceCount(piece: string): number {
    let c = this.cache.get(piece);
    if (c === undefined) {
      c = this.enc.encode(piece).length;
      if (this.cache.size >= this.maxCache) this.cache = new Map();
      this.cache.set(piece, c);
    }
    return c;
  }

  /**
   * The count of `text` and, when it exceeds `limit`, the text of its first `limit` tokens: exactly
   * `decode(encode(text).slice(0, limit))`, but only the one piece the cut falls in is encoded
   * (pieces are encoded independently, and every whole piece decodes to itself).
   */
  countAndCut(text: string, limit: number): { tokens: number; kept: string | null } {
    if (!PER_PIECE_SAFE.test(text)) {
      const all = this.enc.encode(text);
      return { tokens: all.length, kept: all.length > limit ? this.enc.decode(all.subarray(0, limit)) : null };
    }
    let n = 0;
    let kept: string | null = null;
    this.pattern.lastIndex = 0;
    for (const m of text.matchAll(this.pattern)) {
      const c = this.pieceCount(m[0]);
      if (kept === null && n + c > limit) {
        const need = limit - n;
        kept = text.slice(0, m.index) + (need > 0 ? this.enc.decode(this.enc.encode(m[0]).subarray(0, need)) : '');
      }
      n += c;
    }
    return { tokens: n, kept };
  }

  /** Reference path for `countAndCut`: the library's full encode and decode. */
  cutReference(text: string, limit: number): string {
    return this.enc.decode(this.enc.encode(text).subarray(0, limit));
  }

  /** Reference path: the library's own full encode. */
  countReference(text: string): number {
    return this.enc.encode(text).length;
  }
}

export interface TokenCountSummary {
  counted: number;
  alreadyExact: number;
  cancelled: boolean;
  seconds: number;
  bytes: number;
}

/**
 * The background job behind exact counts: every sample still carrying the import's estimate is
 * counted and the count appended to `token_counts` (which overlays the estimate). Resumable.
 */
export async function countTokensExactly(
  store: import('../store/dataset-store.js').DatasetStore,
  opts: {
    signal?: AbortSignal;
    onProgress?: (p: { done: number; total: number }) => void;
    /** Worker threads for the counting; inline without. */
    pool?: CpuPool;
  } = {},
): Promise<TokenCountSummary> {
  const t0 = Date.now();
  const idx = store.index;
  let total = 0;
  for (let r = 0; r < idx.size; r++) if (!idx.tokensExact[r]) total++;
  // NOTE: counts run in batches on the pool's threads (inline without one) and land in order.
  let inline: TokenCounter | null = null;
  const countBatch = (texts: string[]): Promise<Int32Array> =>
    opts.pool
      ? opts.pool.count(texts)
      : Promise.resolve(Int32Array.from(texts, (t) => (inline ??= new TokenCounter()).count(t)));
  const inFlight = new InOrder<string[], Int32Array>(Math.max(1, (opts.pool?.workers ?? 1) * 2) - 1);
  const table = await store.table('token_counts');
  const samples = await store.table('samples');
  let pending: { sample_id: string; tokens: number }[] = [];
  let counted = 0;
  let bytes = 0;
  const flush = async () => {
    if (!pending.length) return;
    await table.add(pending);
    for (const p of pending) idx.setTokens(p.sample_id, p.tokens);
    pending = [];
  };
  const land = async (done: { ctx: string[]; result: Int32Array } | null) => {
    if (!done) return;
    done.ctx.forEach((id, i) => pending.push({ sample_id: id, tokens: done.result[i] }));
    counted += done.ctx.length;
    if (pending.length >= 5000) {
      await flush();
      opts.onProgress?.({ done: counted, total });
    }
  };
  let ids: string[] = [];
  let texts: string[] = [];
  const submit = async () => {
    if (!ids.length) return;
    await land(await inFlight.push(ids, countBatch(texts)));
    ids = [];
    texts = [];
  };
  opts.onProgress?.({ done: 0, total });
  try {
    outer: for await (const b of samples.query().select(['id', 'text'])) {
      const idCol = b.getChild('id')!;
      const textCol = b.getChild('text')!;
      for (let i = 0; i < b.numRows; i++) {
        const id = idCol.get(i) as string;
        const r = idx.row(id);
        if (r === undefined || idx.tokensExact[r]) continue;
        const text = textCol.get(i) as string;
        ids.push(id);
        texts.push(text);
        bytes += text.length;
        if (ids.length >= 1000) await submit();
        if (opts.signal?.aborted) break outer;
      }
    }
    await submit();
    for await (const done of inFlight.drain()) await land(done);
  } finally {
    await flush();
  }
  if (counted) await table.optimize({ cleanupOlderThan: new Date(Date.now() - 60_000) });
  opts.onProgress?.({ done: counted, total });
  return {
    counted,
    alreadyExact: idx.size - total,
    cancelled: Boolean(opts.signal?.aborted),
    seconds: (Date.now() - t0) / 1000,
    bytes,
  };
}
