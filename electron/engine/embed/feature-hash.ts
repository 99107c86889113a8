/**
 * 32-bit feature hashing: FNV-1a over (lowercased) UTF-16 code units, finished with murmur3's
 * fmix32 so every output bit is usable for bucket and sign. Namespaces are separate seeds, so
 * `doc:return` and `id:return` never share a feature.
 */
export const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

export function fnvStep(h: number, code: number): number {
  return Math.imul(h ^ code, FNV_PRIME);
}

export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** ASCII lowercase of one code unit; other code units pass through unchanged. */
export function lowerCode(c: number): number {
  return c >= 65 && c <= 90 ? c + 32 : c;
}

/** Seed for a namespace: the FNV state after hashing `ns:`. */
export function namespaceSeed(ns: string): number {
  return fnvString(ns + ':', FNV_OFFSET, false);
}

/** Unfinished FNV state of a string, optionally lowercased. */
export function fnvString(s: string, seed: number, lower: boolean): number {
  let h = seed;
  for (let i = 0; i < s.length; i++) h = fnvStep(h, lower ? lowerCode(s.charCodeAt(i)) : s.charCodeAt(i));
  return h;
}

/**
 * Term keys are small integers so V8 keeps them as Smis in Maps (a raw 32-bit hash would be a
 * heap number): 27 bits of hash for the bucket, one sign bit, two bits of length class.
 */
export function termKey(h: number, lenClass: number): number {
  return (h >>> 5) * 8 + ((h & 1) << 2) + lenClass;
}

export function termBase(key: number): number {
  return Math.floor(key / 8);
}

export function termSign(key: number): number {
  return (key & 4) === 0 ? 1 : -1;
}

export function termLenClass(key: number): number {
  return key & 3;
}

/** Length class of a token: 0 for one char, 1 for two, 2 for three, 3 for longer. */
export function lenClassOf(len: number): number {
  return len >= 4 ? 3 : Math.max(0, len - 1);
}

/** Builds a lookup of fixed weights by term base for one namespace. */
export function weightTable(ns: string, entries: Record<string, number>): Map<number, number> {
  const seed = namespaceSeed(ns);
  const out = new Map<number, number>();
  for (const [word, w] of Object.entries(entries))
    out.set(termBase(termKey(fmix32(fnvString(word, seed, true)), 0)), w);
  return out;
}

/** Words from a space-separated list, all given the same weight. */
export function uniformWeights(words: string, w: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const word of words.split(/\s+/)) if (word) out[word] = w;
  return out;
}
