// Packed, L2-normalized embedding matrices and the exact cosine every curation decision uses.

/** Row-major unit vectors; rows that were null, the wrong size, zero or non-finite are `valid = 0`. */
export interface UnitVectors {
  data: Float32Array;
  dim: number;
  count: number;
  valid: Uint8Array;
}

/** Copies and L2-normalizes vectors so a dot product is the cosine. `dim` defaults to the first non-null. */
export function packUnitVectors(vectors: readonly (Float32Array | null)[], dim?: number, shared = false): UnitVectors {
  const d = dim ?? vectors.find((v) => v !== null && v.length > 0)?.length ?? 0;
  // `shared`: in a SharedArrayBuffer, which worker threads read without a copy.
  const data = shared
    ? new Float32Array(new SharedArrayBuffer(vectors.length * d * 4))
    : new Float32Array(vectors.length * d);
  const valid = new Uint8Array(vectors.length);
  for (let i = 0; i < vectors.length; i++) {
    const v = vectors[i];
    if (!v || v.length !== d || d === 0) continue;
    let norm = 0;
    for (let k = 0; k < d; k++) norm += v[k] * v[k];
    if (!Number.isFinite(norm) || norm === 0) continue;
    const inv = 1 / Math.sqrt(norm);
    const base = i * d;
    for (let k = 0; k < d; k++) data[base + k] = v[k] * inv;
    valid[i] = 1;
  }
  return { data, dim: d, count: vectors.length, valid };
}

/** Cosine of rows i and j of the same packed matrix. */
export function dotRows(data: Float32Array, dim: number, i: number, j: number): number {
  let s0 = 0;
  let s1 = 0;
  const a = i * dim;
  const b = j * dim;
  let k = 0;
  // Two accumulators: a cheap unroll that V8 keeps in registers; the summation order is fixed, so
  // the result is identical on every run.
  for (; k + 1 < dim; k += 2) {
    s0 += data[a + k] * data[b + k];
    s1 += data[a + k + 1] * data[b + k + 1];
  }
  if (k < dim) s0 += data[a + k] * data[b + k];
  return s0 + s1;
}

/** Cosine of row i of `a` and row j of `b` (both packed with the same dim). */
export function dotAcross(a: Float32Array, i: number, b: Float32Array, j: number, dim: number): number {
  let s = 0;
  const x = i * dim;
  const y = j * dim;
  for (let k = 0; k < dim; k++) s += a[x + k] * b[y + k];
  return s;
}
