/** Random-hyperplane hashing for CosineLsh (cosine-lsh.ts): bucket keys and SimHash sketches. */
import { fmix32, mulberry32 } from './hashing.js';

/** Stays under 2^26 so two 13-bit radix passes sort a table. */
export const KEY_BITS = 26;

function nextPow2(n: number): number {
  let p = 2;
  while (p < n) p *= 2;
  return p;
}

/**
 * The most rotations any hasher of `dim`-dimensional vectors may use (tables x bits are capped at
 * `maxRotations` rotations, raised only for a key wider than one rotation): pool bits this many
 * rotations deep cover every plan.
 */
export function maxPoolRotations(dim: number, maxRotations?: number): number {
  return Math.max(maxRotations ?? 4, Math.ceil(32 / nextPow2(Math.max(dim, 2))));
}

/**
 * The rotations a prehash needs to cover any plan these options allow: planLsh picks at most
 * `maxTables` (64) tables of at most 32 bits, unless `tables` / `bits` are fixed. For 256-dim
 * vectors that is 4 (the cap); for 768 or more, 2 or 1, not 4.
 */
export function prehashRotations(
  dim: number,
  lsh: { tables?: number; bits?: number; maxTables?: number; maxRotations?: number } = {},
): number {
  const tables = Math.max(1, lsh.tables ?? lsh.maxTables ?? 64);
  const bits = Math.max(1, Math.min(32, lsh.bits ?? 32));
  const wanted = Math.max(256, tables * bits);
  return Math.min(Math.max(1, Math.ceil(wanted / nextPow2(Math.max(dim, 2)))), maxPoolRotations(dim, lsh.maxRotations));
}

/** In-place fast Walsh-Hadamard transform (unnormalized; only signs are used). */
function fwht(a: Float64Array): void {
  const n = a.length;
  // The h = 1 pass on its own: its inner loop would run once per pair, which dominates otherwise.
  for (let j = 0; j < n; j += 2) {
    const x = a[j];
    const y = a[j + 1];
    a[j] = x + y;
    a[j + 1] = x - y;
  }
  for (let h = 2; h < n; h *= 2) {
    for (let i = 0; i < n; i += 2 * h) {
      for (let j = i; j < i + h; j++) {
        const x = a[j];
        const y = a[j + h];
        a[j] = x + y;
        a[j + h] = x - y;
      }
    }
  }
}

/** Pool bits hashed ahead (`poolBitsFor`), `words` per row, and each member's row in them. */
export interface PrehashedBits {
  bits: Uint32Array;
  words: number;
  rowOf: Uint32Array;
}

/** What fixes how a vector is hashed: the same parameters hash alike in any thread. */
export interface LshHashParams {
  dim: number;
  bits: number;
  tables: number;
  seed?: number;
  maxRotations?: number;
  /** Exactly this many rotations (prehashing: `poolBitsFor`); otherwise from tables x bits. */
  rotations?: number;
}

/**
 * A vector's bucket key per table and its SimHash sketch (CosineLsh's hashing, on its own so a
 * worker thread can hash a share of the rows: cpu-tasks.ts `lsh-hash`).
 */
export class LshHasher {
  readonly tables: number;
  readonly bits: number;
  readonly dim: number;
  readonly padded: number;
  readonly sketchWords: number;
  readonly seed: number;
  private readonly signs: Float64Array[][];
  private readonly bitPos: Uint32Array[];
  private readonly work: Float64Array;
  private readonly pool: Uint8Array;

  constructor(p: LshHashParams) {
    this.tables = Math.max(1, p.tables);
    this.bits = Math.max(1, Math.min(32, p.bits));
    this.dim = p.dim;
    this.padded = nextPow2(Math.max(p.dim, 2));
    // NOTE: tables that reuse pool bits fail together (a pair that happens to disagree on many
    // pool bits misses in all of them), so each table gets its own bits while the pool allows:
    // enough rotations for tables x bits, capped (hashing cost grows with rotations).
    const maxRotations = Math.max(p.maxRotations ?? 4, Math.ceil(this.bits / this.padded));
    const wanted = Math.max(256, this.tables * this.bits);
    const rotations = p.rotations ?? Math.min(Math.max(1, Math.ceil(wanted / this.padded)), maxRotations);
    this.seed = p.seed ?? 0x1f2e3d4c;
    // NOTE: each rotation's signs come off the generator before anything else, rotation by
    // rotation, so a hasher's pool bits are a prefix of those of any hasher with the same dim and
    // seed and more rotations (what `poolBitsFor` and `keysFromBits` rely on).
    const rand = mulberry32(this.seed);
    this.signs = [];
    for (let r = 0; r < rotations; r++) {
      const rounds: Float64Array[] = [];
      for (let s = 0; s < 2; s++) {
        const d = new Float64Array(this.padded);
        for (let k = 0; k < this.padded; k++) d[k] = rand() < 0.5 ? -1 : 1;
        rounds.push(d);
      }
      this.signs.push(rounds);
    }
    const poolSize = rotations * this.padded;
    this.bitPos = [];
    // One seeded permutation of the pool, dealt out `bits` at a time: disjoint tables when the
    // pool is large enough, wrapping around (bits still distinct within a table) when it is not.
    const perm = Uint32Array.from({ length: poolSize }, (_, k) => k);
    for (let k = poolSize - 1; k > 0; k--) {
      const j = Math.floor(rand() * (k + 1));
      const tmp = perm[k];
      perm[k] = perm[j];
      perm[j] = tmp;
    }
    for (let t = 0; t < this.tables; t++) {
      this.bitPos.push(Uint32Array.from({ length: this.bits }, (_, b) => perm[(t * this.bits + b) % poolSize]));
    }
    this.work = new Float64Array(this.padded);
    this.pool = new Uint8Array(poolSize);
    this.sketchWords = Math.max(1, Math.min(8, Math.floor(poolSize / 32)));
  }

  /** A hasher that only computes pool bits (`poolBitsFor`), `rotations` deep. */
  static forPoolBits(dim: number, rotations: number, seed?: number): LshHasher {
    return new LshHasher({ dim, bits: 1, tables: 1, seed, rotations });
  }

  get rotations(): number {
    return this.signs.length;
  }

  /** 32-bit words that hold one vector's pool bits (`poolBitsFor`). */
  get poolWords(): number {
    return Math.ceil(this.pool.length / 32);
  }

  /** Hashes one unit vector (row `row` of `data`) into one key (< 2^26) per table, at out[outOff + t]. */
  keysFor(data: Float32Array, row: number, out: Uint32Array, outOff = 0): void {
    this.rotate(data, row);
    const pool = this.pool;
    for (let t = 0; t < this.tables; t++) {
      const pos = this.bitPos[t];
      let key = 0;
      for (let b = 0; b < pos.length; b++) key = (key << 1) | pool[pos[b]];
      out[outOff + t] = this.finishKey(key);
    }
  }

  /**
   * One vector's pool bits, packed 32 to a word (bit k is bit k % 32 of word k / 32) at
   * `out[outOff..]`: everything `keysFor` and `writeSketch` derive from, computed before the tables
   * are planned (`keysFromBits` derives them later for any hasher these bits cover).
   */
  poolBitsFor(data: Float32Array, row: number, out: Uint32Array, outOff: number): void {
    this.rotate(data, row);
    for (let w = 0; w < this.poolWords; w++) out[outOff + w] = this.packWord(w);
  }

  /** Whether bits from `poolBitsFor` of `pre` hold this hasher's pool: same dim and seed, as many rotations or more. */
  coveredBy(pre: { dim: number; seed: number; rotations: number }): boolean {
    return pre.dim === this.dim && pre.seed === this.seed && pre.rotations >= this.rotations;
  }

  /** `keysFor` and `writeSketch` from pool bits packed by a hasher that covers this one (`coveredBy`). */
  keysFromBits(
    words: Uint32Array,
    wordOff: number,
    out: Uint32Array,
    outOff: number,
    sketch: Uint32Array,
    sketchOff: number,
  ): void {
    for (let t = 0; t < this.tables; t++) {
      const pos = this.bitPos[t];
      let key = 0;
      for (let b = 0; b < pos.length; b++) {
        const k = pos[b];
        key = (key << 1) | ((words[wordOff + (k >>> 5)] >>> (k & 31)) & 1);
      }
      out[outOff + t] = this.finishKey(key);
    }
    // NOTE: a pool shorter than the sketch's first word leaves its upper bits 0 in `writeSketch`;
    // the prehash's word holds bits of rotations this hasher does not have, so they are cut.
    const poolBits = this.pool.length;
    for (let w = 0; w < this.sketchWords; w++) {
      const have = poolBits - w * 32;
      sketch[sketchOff + w] = have >= 32 ? words[wordOff + w] : (words[wordOff + w] & ((1 << have) - 1)) >>> 0;
    }
  }

  private finishKey(key: number): number {
    // Wider keys are folded by a bijective mix then truncated: distinct buckets merge with
    // probability 2^-26, which only adds a few proposals and never changes a decision.
    return this.bits > KEY_BITS ? fmix32(key) >>> (32 - KEY_BITS) : key >>> 0;
  }

  /** The rotations' sign bits of row `row` into the pool. */
  private rotate(data: Float32Array, row: number): void {
    const base = row * this.dim;
    const dim = this.dim;
    const padded = this.padded;
    const w = this.work;
    const pool = this.pool;
    for (let r = 0; r < this.signs.length; r++) {
      const [d1, d2] = this.signs[r];
      for (let k = 0; k < dim; k++) w[k] = data[base + k] * d1[k];
      w.fill(0, dim);
      fwht(w);
      for (let k = 0; k < padded; k++) w[k] *= d2[k];
      fwht(w);
      const off = r * padded;
      for (let k = 0; k < padded; k++) pool[off + k] = w[k] > 0 ? 1 : 0;
    }
  }

  /** Packs the first pool bits of the vector just hashed by `keysFor`. */
  writeSketch(out: Uint32Array, offset: number): void {
    for (let w = 0; w < this.sketchWords; w++) out[offset + w] = this.packWord(w);
  }

  /** Pool bits 32w..32w+31 as one word (bit b of the pool is bit b % 32); bits past the pool are 0. */
  private packWord(w: number): number {
    const pool = this.pool;
    const end = Math.min(32, pool.length - w * 32);
    let word = 0;
    for (let b = 0; b < end; b++) word |= pool[w * 32 + b] << b;
    return word >>> 0;
  }

  /**
   * Hashes rows `members[from..to)`: keys at `keys[m * tables + t]`, sketches at
   * `sketch[row * sketchWords]`. Threads given disjoint ranges of shared buffers fill them alike.
   */
  hashMembers(
    data: Float32Array,
    members: ArrayLike<number>,
    from: number,
    to: number,
    keys: Uint32Array,
    sketch: Uint32Array,
    pre?: PrehashedBits,
  ): void {
    if (pre) {
      // Keys from bits hashed earlier (`poolBitsFor`), row `pre.rowOf[m]` of `pre.bits`.
      for (let m = from; m < to; m++)
        this.keysFromBits(
          pre.bits,
          pre.rowOf[m] * pre.words,
          keys,
          m * this.tables,
          sketch,
          members[m] * this.sketchWords,
        );
      return;
    }
    for (let m = from; m < to; m++) {
      this.keysFor(data, members[m], keys, m * this.tables);
      this.writeSketch(sketch, members[m] * this.sketchWords);
    }
  }
}
