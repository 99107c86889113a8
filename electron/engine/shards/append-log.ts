import { open, readFile, type FileHandle } from 'node:fs/promises';
import { GroupCommit } from '../store/group-commit.js';
import { jsonLine } from '../store/durable-journal.js';

/**
 * An append-only JSONL file with group commit: `append` resolves once its line is fsync'd (one
 * fsync per group of concurrent appends), `push` queues a line without waiting. A shard's ledger
 * (labels, spend, reservations) lives in one of these inside the shard's own folder.
 */
export class AppendLog<T> {
  private failed: Error | null = null;
  private readonly writer: GroupCommit<string>;

  private constructor(private readonly fh: FileHandle) {
    this.writer = new GroupCommit<string>(async (lines) => {
      try {
        await this.fh.write(lines.join(''));
        await this.fh.datasync();
      } catch (e) {
        this.failed = e as Error;
        throw e;
      }
    }, 10);
  }

  static async open<T>(path: string): Promise<AppendLog<T>> {
    const fh = await open(path, 'a+');
    // A torn last line (a crash mid-write) was never acknowledged: cut it, or the next entry
    // would be glued to it and lost.
    const { size } = await fh.stat();
    if (size > 0) {
      const text = (await readFile(path)).toString('latin1');
      const end = text.lastIndexOf('\n') + 1;
      if (end !== size) await fh.truncate(end);
    }
    return new AppendLog<T>(fh);
  }

  /** Every complete line; a torn last line (a crash mid-write) was never acknowledged. */
  static async read<T>(path: string): Promise<T[]> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    const out: T[] = [];
    for (const line of text.split('\n')) {
      if (!line) continue;
      try {
        out.push(JSON.parse(line) as T);
      } catch {
        /* unacknowledged partial write */
      }
    }
    return out;
  }

  append(entries: T[]): Promise<void> {
    if (this.failed) return Promise.reject(this.failed);
    if (!entries.length) return Promise.resolve();
    let text: string;
    try {
      text = entries.map(jsonLine).join('');
    } catch (e) {
      return Promise.reject(e as Error);
    }
    return this.writer.add([text]);
  }

  /** Queued with the next group; a write error surfaces on the next `append` or `close`. */
  push(entry: T): void {
    this.append([entry]).catch(() => {});
  }

  async close(): Promise<void> {
    await this.writer.idle();
    await this.fh.close();
    if (this.failed) throw this.failed;
  }
}
