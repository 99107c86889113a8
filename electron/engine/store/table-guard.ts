import { CodedError } from '../../../shared/errors.js';
import type * as lancedb from '@lancedb/lancedb';

/** Table methods that change data or layout; everything else only reads. */
const MUTATING = new Set([
  'add',
  'update',
  'delete',
  'mergeInsert',
  'optimize',
  'createIndex',
  'dropIndex',
  'addColumns',
  'alterColumns',
  'dropColumns',
  'restore',
]);
/** Rewrites that may simply be run again after a commit conflict. */
const IDEMPOTENT = new Set(['optimize', 'createIndex', 'update', 'delete']);

export class ReadOnlyDatasetError extends CodedError {
  constructor(message: string) {
    super('conflict', message, { name: 'ReadOnlyDatasetError' });
  }
}

const isConflict = (e: unknown) => /commit conflict|retryable/i.test(String((e as Error)?.message ?? e));

/** A keyed chain of promises: calls with one key run one after another, in call order. */
export class KeyedMutex {
  private tails = new Map<string, Promise<unknown>>();
  run<R>(key: string, fn: () => Promise<R>): Promise<R> {
    const prev = this.tails.get(key) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const tail = next.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return next;
  }
}

/** A table of a dataset opened read-only: every mutating method fails loud. */
export function readOnlyTable(table: lancedb.Table, why: string): lancedb.Table {
  return new Proxy(table, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver);
      if (typeof v !== 'function') return v;
      if (typeof prop === 'string' && MUTATING.has(prop))
        return () => {
          throw new ReadOnlyDatasetError(`cannot ${prop} table ${target.name}: ${why}`);
        };
      return v.bind(target);
    },
  });
}

/**
 * A table whose writes run one at a time within this process (LanceDB reports concurrent
 * commits to one table as conflicts). A conflicting idempotent rewrite is retried; a conflicting
 * `add` is retried only when the row count shows the rows did not land, and reported as success
 * when they did, never as a failure after the rows were written.
 */
export function serializedTable(table: lancedb.Table, mutex: KeyedMutex): lancedb.Table {
  const key = `table:${table.name}`;
  return new Proxy(table, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver);
      if (typeof v !== 'function') return v;
      const fn = v.bind(target) as (...a: unknown[]) => Promise<unknown>;
      if (typeof prop !== 'string' || !MUTATING.has(prop)) return fn;
      if (prop === 'mergeInsert') {
        return (...args: unknown[]) => {
          const builder = fn(...args) as unknown as lancedb.MergeInsertBuilder;
          const execute = builder.execute.bind(builder);
          builder.execute = ((...a: Parameters<typeof execute>) =>
            mutex.run(key, () => execute(...a))) as typeof execute;
          return builder;
        };
      }
      return (...args: unknown[]) =>
        mutex.run(key, async () => {
          const rows = prop === 'add' && Array.isArray(args[0]) ? (args[0] as unknown[]).length : null;
          for (let attempt = 0; ; attempt++) {
            const before = rows !== null ? await target.countRows() : 0;
            try {
              return await fn(...args);
            } catch (e) {
              if (!isConflict(e) || attempt >= 4) throw e;
              if (rows !== null) {
                await target.checkoutLatest().catch(() => undefined);
                if ((await target.countRows()) === before + rows) return undefined;
                if ((await target.countRows()) !== before) throw e;
              } else if (!IDEMPOTENT.has(prop)) throw e;
              await new Promise((r) => setTimeout(r, 20 * (attempt + 1)));
            }
          }
        });
    },
  });
}
