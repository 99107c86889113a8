import { appendFile, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { crc32 } from 'node:zlib';
import { join } from 'node:path';

/**
 * Persisted per-row columns derived from a dataset's tables (classifier scores, heuristic
 * statistics, scan coverage), so opening a 10^6-sample dataset reads a few typed arrays instead
 * of millions of LanceDB rows. A snapshot is keyed by everything it was built from: the sample
 * index it is aligned to (its `origin`, which changes whenever the index is rebuilt from the
 * table) and the versions of the tables it summarizes. Any other key, or a damaged file, and the
 * caller reads the tables instead (and, when it may write, persists a fresh snapshot).
 */
export type RowColumn = Float32Array | Float64Array | Int32Array | Int8Array | Uint8Array;

const TYPES = { f32: Float32Array, f64: Float64Array, i32: Int32Array, i8: Int8Array, u8: Uint8Array } as const;
type TypeName = keyof typeof TYPES;
const typeName = (c: RowColumn): TypeName =>
  c instanceof Float32Array
    ? 'f32'
    : c instanceof Float64Array
      ? 'f64'
      : c instanceof Int32Array
        ? 'i32'
        : c instanceof Int8Array
          ? 'i8'
          : 'u8';

// NOTE: version 2 adds the CRC-32 trailer (writeCacheFile).
const MAGIC = 'TBSROW2\n';
const align8 = (x: number) => (x + 7) & ~7;

interface Header {
  key: string;
  columns: { name: string; type: TypeName; length: number }[];
  extra: unknown;
}

export const rowSnapshotPath = (dir: string, name: string) => join(dir, `${name}-snapshot.bin`);

export async function writeRowSnapshot(
  dir: string,
  name: string,
  key: Record<string, unknown>,
  columns: Record<string, RowColumn>,
  extra: unknown = null,
): Promise<void> {
  const cols = Object.entries(columns);
  const header: Header = {
    key: JSON.stringify(key),
    columns: cols.map(([n, c]) => ({ name: n, type: typeName(c), length: c.length })),
    extra,
  };
  const head = Buffer.from(JSON.stringify(header), 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32LE(head.length);
  const chunks: Buffer[] = [Buffer.from(MAGIC), len, head];
  let at = MAGIC.length + 4 + head.length;
  for (const [, c] of cols) {
    chunks.push(Buffer.alloc(align8(at) - at));
    at = align8(at);
    chunks.push(Buffer.from(c.buffer, c.byteOffset, c.byteLength));
    at += c.byteLength;
  }
  await writeCacheFile(rowSnapshotPath(dir, name), Buffer.concat(chunks));
}

/**
 * A cache file written as MAGIC, a u32 header length, a JSON header, binary data from `at`, and a
 * CRC-32 of all of it as the last 4 bytes; null when it is missing, of another format, damaged
 * (the checksum: a cache is trusted without other checks, so a flipped bit must not pass) or its
 * header does not parse. `buf` ends before the checksum.
 */
export async function readCacheFile<H>(
  path: string,
  magic: string,
): Promise<{ buf: Buffer; header: H; at: number } | null> {
  try {
    const file = await readFile(path);
    if (file.length < magic.length + 8) return null;
    const buf = file.subarray(0, file.length - 4);
    if (crc32(buf) !== file.readUInt32LE(file.length - 4)) return null;
    if (buf.toString('latin1', 0, magic.length) !== magic) return null;
    const hl = buf.readUInt32LE(magic.length);
    const header = JSON.parse(buf.toString('utf8', magic.length + 4, magic.length + 4 + hl)) as H;
    return { buf, header, at: magic.length + 4 + hl };
  } catch {
    return null;
  }
}

/**
 * Writes a cache file whole or not at all (a temporary sibling renamed into place), with the
 * CRC-32 trailer `readCacheFile` checks. A failure is swallowed: a snapshot is only a cache, and a
 * dataset on a read-only or full disk opens from its tables.
 */
export async function writeCacheFile(path: string, data: Buffer): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    const crc = Buffer.alloc(4);
    crc.writeUInt32LE(crc32(data));
    await writeFile(tmp, data);
    await appendFile(tmp, crc);
    await rename(tmp, path);
  } catch {
    await rm(tmp, { force: true }).catch(() => {});
  }
}

/**
 * `length` elements of type T at byte `at` of a cache file's buffer, or null past its end: a view
 * where aligned (a large read is a buffer of its own; 10^6 rows of statistics are 72 MB that need
 * not be copied twice), else a copy.
 */
export function typedAt<T extends RowColumn | Uint16Array | Uint32Array>(
  buf: Buffer,
  at: number,
  T: { new (b: ArrayBuffer, off?: number, len?: number): T; BYTES_PER_ELEMENT: number },
  length: number,
): T | null {
  const bytes = length * T.BYTES_PER_ELEMENT;
  if (at + bytes > buf.length) return null;
  const off = buf.byteOffset + at;
  return off % T.BYTES_PER_ELEMENT === 0
    ? new T(buf.buffer as ArrayBuffer, off, length)
    : new T(new Uint8Array(buf.subarray(at, at + bytes)).buffer);
}

/** The columns and extra written under exactly this key, or null. */
export async function readRowSnapshot(
  dir: string,
  name: string,
  key: Record<string, unknown>,
): Promise<{ columns: Record<string, RowColumn>; extra: unknown } | null> {
  const file = await readCacheFile<Header>(rowSnapshotPath(dir, name), MAGIC);
  if (!file) return null;
  const { buf, header: h } = file;
  try {
    if (h.key !== JSON.stringify(key)) return null;
    let at = file.at;
    const columns: Record<string, RowColumn> = {};
    for (const c of h.columns) {
      const T = TYPES[c.type];
      if (!T) return null;
      at = align8(at);
      const col = typedAt<RowColumn>(buf, at, T, c.length);
      if (!col) return null;
      columns[c.name] = col;
      at += col.byteLength;
    }
    if (at !== buf.length) return null;
    return { columns, extra: h.extra };
  } catch {
    return null;
  }
}
