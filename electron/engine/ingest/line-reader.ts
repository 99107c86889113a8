/** One line of a byte stream: its text, or why it cannot be used. */
export type Line = { line: number; text: string; bytes: number } | { line: number; error: string; bytes: number };

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Splits a byte stream into lines without ever holding more than `maxLineBytes` of one line: a
 * longer line (a file with no newline, /dev/zero behind a .jsonl name) becomes an error and is
 * skipped to its end. Each line is decoded as strict UTF-8; invalid bytes are an error naming
 * the line, never silently replaced by U+FFFD.
 */
export async function* readLines(
  source: AsyncIterable<Buffer | string>,
  maxLineBytes: number,
  signal?: AbortSignal,
): AsyncGenerator<Line> {
  let parts: Buffer[] = [];
  let size = 0;
  let oversize = false;
  let line = 0;
  const finish = (): Line => {
    line++;
    const bytes = size + 1;
    if (oversize) {
      parts = [];
      size = 0;
      oversize = false;
      return { line, error: `line is longer than ${maxLineBytes} bytes`, bytes };
    }
    let buf = parts.length === 1 ? parts[0] : Buffer.concat(parts);
    parts = [];
    size = 0;
    if (buf.length && buf[buf.length - 1] === 13) buf = buf.subarray(0, buf.length - 1);
    try {
      return { line, text: utf8.decode(buf), bytes };
    } catch {
      return { line, error: 'not valid UTF-8 text', bytes };
    }
  };
  for await (const chunk of source) {
    if (signal?.aborted) return;
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    let pos = 0;
    while (pos < buf.length) {
      const nl = buf.indexOf(10, pos);
      const end = nl < 0 ? buf.length : nl;
      if (!oversize) {
        if (size + (end - pos) > maxLineBytes) {
          oversize = true;
          parts = [];
        } else parts.push(buf.subarray(pos, end));
      }
      size += end - pos;
      if (nl < 0) break;
      yield finish();
      pos = nl + 1;
    }
  }
  if (size > 0 || parts.length > 0) yield finish();
}
