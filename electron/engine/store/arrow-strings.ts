import type { Vector } from 'apache-arrow';

/**
 * The values of an Arrow string column, decoded one batch at a time instead of one cell at a time.
 *
 * NOTE: Arrow JS decodes every `get(i)` of a Utf8 cell with a TextDecoder call; reading the
 * 10^6-row columns of ids that an open reads (coverage, labels, scores) spent most of its time
 * there (500k coverage rows: 0.25 s to read, 0.9 s more to decode cell by cell). Ids, run ids and
 * agents are ASCII, so a chunk is decoded once and cells are slices of it; a chunk holding any
 * non-ASCII byte (its decoded length differs from its byte length) falls back to `get(i)`.
 */
export function stringCells(v: Vector): (i: number) => string | null {
  const chunks = v.data;
  if (chunks.length !== 1) return (i) => v.get(i) as string | null;
  const d = chunks[0];
  const offsets = d.valueOffsets as unknown as Int32Array | undefined;
  const bytes = d.values as unknown as Uint8Array | undefined;
  if (!(offsets instanceof Int32Array) || !(bytes instanceof Uint8Array)) return (i) => v.get(i) as string | null;
  const first = offsets[d.offset];
  const last = offsets[d.offset + d.length];
  const text = Buffer.from(bytes.buffer, bytes.byteOffset + first, last - first).toString('utf8');
  if (text.length !== last - first) return (i) => v.get(i) as string | null;
  const hasNulls = d.nullCount > 0;
  return (i) => {
    if (hasNulls && !v.isValid(i)) return null;
    const k = d.offset + i;
    return text.slice(offsets[k] - first, offsets[k + 1] - first);
  };
}
