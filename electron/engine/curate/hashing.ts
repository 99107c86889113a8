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
export { mulberry32 } from '../classify/prng.js';
import { mulberry32 } from '../classify/prng.js';

/** Two independent 32-bit hashes folded into one 53-bit safe integer (usable as a Map key). */
export function pack53(h1: number, h2: number): number {
  return (h1 >>> 0) * 0x200000 + ((h2 >>> 0) >>> 11);
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
