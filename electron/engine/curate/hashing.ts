// Small, dependency-free hashing and PRNG helpers. Everything here is a pure function of its
// input and seed so indexes built from them are reproducible across runs and machines.

/** 32-bit FNV-1a over UTF-16 code units (fast; inputs are short tokens). */
export function fnv1a32(s: string, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** murmur3's finalizer and the seeded PRNG live with the embedder and classifiers; one copy each. */
export { fmix32 } from '../embed/feature-hash.js';
import { fmix32 } from '../embed/feature-hash.js';
export { mulberry32 } from '../classify/prng.js';
import { mulberry32 } from '../classify/prng.js';

/** Two independent 32-bit hashes folded into one 53-bit safe integer (usable as a Map key). */
export function pack53(h1: number, h2: number): number {
  return (h1 >>> 0) * 0x200000 + ((h2 >>> 0) >>> 11);
}

const BASE_A = 0x01000193;
const BASE_B = 0x5bd1e995;

function powMod32(base: number, exp: number): number {
  let r = 1;
  for (let i = 0; i < exp; i++) r = Math.imul(r, base);
  return r;
}

/**
 * A set of n-gram keys as a bitmap over their first 32-bit hash: a clear bit means no key of
 * the set has that hash, so `forEachNgram` skips the gram without building its key or calling
 * back. NOTE: a benchmark's grams are a few per cent of any sample's; matching looked every
 * sample gram up in a Map keyed by 53-bit doubles, which was ~1/3 of the text matching's time.
 */
export class GramFilter {
  readonly bits: Uint32Array;
  readonly mask: number;

  constructor(keys: Iterable<number>, count: number) {
    // ~16 bits per key (few false positives), between 2^16 and 2^26 bits.
    let size = 1 << 16;
    while (size < count * 16 && size < 1 << 26) size *= 2;
    this.bits = new Uint32Array(size >>> 5);
    this.mask = size - 1;
    for (const key of keys) {
      const h = Math.floor(key / 0x200000) & this.mask;
      this.bits[h >>> 5] |= 1 << (h & 31);
    }
  }
}

/**
 * Calls `visit(start, key)` for every n-gram of `tokens` with a rolling (Rabin-Karp) hash; with
 * `filter`, only for grams whose key may be in the filter's set (never skips one that is).
 */
export function forEachNgram(
  tokens: readonly string[],
  n: number,
  visit: (start: number, key: number) => void,
  filter: GramFilter | null = null,
): void {
  if (tokens.length < n) return;
  const ta = tokens.map((t) => fnv1a32(t));
  const tb = tokens.map((t) => fnv1a32(t, 0x2166136b));
  const powA = powMod32(BASE_A, n - 1);
  const powB = powMod32(BASE_B, n - 1);
  let ha = 0;
  let hb = 0;
  for (let k = 0; k < n; k++) {
    ha = (Math.imul(ha, BASE_A) + ta[k]) | 0;
    hb = (Math.imul(hb, BASE_B) + tb[k]) | 0;
  }
  const bits = filter?.bits;
  const mask = filter?.mask ?? 0;
  for (let s = 0; ; s++) {
    const h1 = fmix32(ha);
    if (bits === undefined) visit(s, pack53(h1, fmix32(hb)));
    else {
      const h = h1 & mask;
      if (bits[h >>> 5] & (1 << (h & 31))) visit(s, pack53(h1, fmix32(hb)));
    }
    if (s + n >= tokens.length) break;
    ha = (Math.imul((ha - Math.imul(ta[s], powA)) | 0, BASE_A) + ta[s + n]) | 0;
    hb = (Math.imul((hb - Math.imul(tb[s], powB)) | 0, BASE_B) + tb[s + n]) | 0;
  }
}

/** Fisher-Yates with the seeded PRNG; used by index construction and tests alike. */
export function seededShuffle<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  const rand = mulberry32(seed);
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** Throws the signal's reason (an AbortError by default) when cancelled. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw signal.reason instanceof Error ? signal.reason : new DOMException('The export was cancelled', 'AbortError');
  }
}
