/**
 * Typed arrays <-> base64, so a trained model serializes to compact JSON that a store can keep
 * as one record. NOTE: bytes are written in the platform's order; every platform Node and
 * Electron ship on is little-endian.
 */
export function encodeTyped(a: Float32Array | Float64Array | Int32Array | Int16Array | Uint8Array): string {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
}

function decodeBytes(s: string, bytesPer: number, what: string): ArrayBuffer {
  // Copy out of Buffer's shared pool: typed views need an aligned offset of their own.
  const bytes = Uint8Array.from(Buffer.from(s, 'base64'));
  if (bytes.byteLength % bytesPer !== 0) throw new Error(`corrupt ${what}: ${bytes.byteLength} bytes`);
  return bytes.buffer;
}

export const decodeFloat32 = (s: string, what = 'float32 array') => new Float32Array(decodeBytes(s, 4, what));
export const decodeFloat64 = (s: string, what = 'float64 array') => new Float64Array(decodeBytes(s, 8, what));
export const decodeInt32 = (s: string, what = 'int32 array') => new Int32Array(decodeBytes(s, 4, what));
export const decodeInt16 = (s: string, what = 'int16 array') => new Int16Array(decodeBytes(s, 2, what));

/** Checks that every row is a Float32Array of the same width; returns the width. */
export function checkRows(X: Float32Array[], expected?: number): number {
  const d = expected ?? X[0]?.length ?? 0;
  for (let i = 0; i < X.length; i++) {
    if (X[i].length !== d) throw new RangeError(`row ${i} has ${X[i].length} features, expected ${d}`);
  }
  return d;
}
