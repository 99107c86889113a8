import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  CodedError,
  ERROR_CODES,
  ERROR_POLICY,
  errorCodeOf,
  toWireError,
  type ErrorCode,
} from '../../shared/errors.js';
import { afterFailedSend, RETRY_MS, storeOutbox, loadOutbox, type SaveRecord } from '../../renderer/state/outbox.js';

// The table, written out once more by hand: a change to a status or a retry decision must be
// deliberate (this test fails until it is made here too).
const EXPECTED: Record<ErrorCode, [number, boolean]> = {
  invalid_input: [400, false],
  not_found: [404, false],
  conflict: [409, false],
  busy: [409, true],
  unavailable: [503, true],
  unauthorized: [401, false],
  forbidden: [403, false],
  too_large: [413, false],
  cancelled: [409, false],
  internal: [500, false],
};

test('every code maps to one HTTP status, the IPC error reply and a retry decision', () => {
  assert.deepEqual(Object.keys(ERROR_POLICY).sort(), [...ERROR_CODES].sort());
  for (const code of ERROR_CODES) {
    const p = ERROR_POLICY[code];
    assert.deepEqual([p.http, p.retry], EXPECTED[code], code);
    assert.equal(p.ipc, 'error-reply', code);
    assert.ok(p.title.length > 0, code);
  }
});

test('errorCodeOf: our codes pass through, system errors map, anything else is internal', () => {
  assert.equal(errorCodeOf(new CodedError('not_found', 'x')), 'not_found');
  assert.equal(errorCodeOf(Object.assign(new Error('no file'), { code: 'ENOENT' })), 'not_found');
  assert.equal(errorCodeOf(Object.assign(new Error('full'), { code: 'ENOSPC' })), 'unavailable');
  assert.equal(errorCodeOf(Object.assign(new Error('stop'), { name: 'AbortError' })), 'cancelled');
  assert.equal(errorCodeOf(new TypeError('undefined is not a function')), 'internal');
  assert.equal(errorCodeOf('a string'), 'internal');
  assert.equal(errorCodeOf(Object.assign(new Error('odd'), { code: 'not-a-code' })), 'internal');
  assert.deepEqual(toWireError(new CodedError('conflict', 'used twice', { name: 'RequestIdError' })), {
    code: 'conflict',
    name: 'RequestIdError',
    message: 'used twice',
  });
});

test('the engine reports an output that fails its own schema as internal, and bad input as invalid_input', async () => {
  const { Engine } = await import('../../electron/engine/engine.js');
  const { tempDir } = await import('../support/temp.js');
  const dir = await tempDir();
  const engine = await Engine.open({ dir, create: true });
  try {
    await assert.rejects(
      engine.invoke('samples.list', { limit: 'many' } as never),
      (e) => errorCodeOf(e) === 'invalid_input',
    );
    await assert.rejects(engine.invoke('samples.get', { id: 'f'.repeat(32) }), (e) => errorCodeOf(e) === 'not_found');
    // Break one handler's output on purpose: the caller did nothing wrong, so it is a bug.
    (engine as unknown as { handlers: Record<string, () => Promise<unknown>> }).handlers['dataset.stats'] =
      async () => ({
        samples: 'many',
      });
    await assert.rejects(engine.invoke('dataset.stats', {}), (e) => errorCodeOf(e) === 'internal');
  } finally {
    await engine.close();
  }
});

function rec(over: Partial<SaveRecord> = {}): SaveRecord {
  return {
    key: 'k1',
    dataset: '/d',
    sampleId: 's1',
    path: 'a.py',
    score: 3,
    origin: 'key',
    note: null,
    annotator: 'ann',
    status: 'saving',
    attempts: 1,
    createdAt: 0,
    ...over,
  };
}

test('the review outbox marks a permanent failure failed (never retried, never stored) and backs off a transient one', () => {
  const store = new Map<string, string>();
  (globalThis as any).localStorage = {
    getItem: (k: string) => store.get(k) ?? null,
    setItem: (k: string, v: string) => void store.set(k, v),
    removeItem: (k: string) => void store.delete(k),
  };
  try {
    for (const code of ERROR_CODES) {
      const next = afterFailedSend({ attempts: 1 }, new CodedError(code, 'boom'), 1000);
      assert.equal(next.status, ERROR_POLICY[code].retry ? 'retrying' : 'failed', code);
      if (next.status === 'retrying') assert.equal(next.nextRetryAt, 1000 + RETRY_MS[0]);
      else assert.equal(next.nextRetryAt, undefined);
    }
    // The bug this replaces: an unknown sample id came back as a 500 and was retried every 30 s forever.
    const unknownSample = afterFailedSend({ attempts: 7 }, new CodedError('not_found', 'unknown sample id'), 0);
    assert.equal(unknownSample.status, 'failed');
    assert.match(unknownSample.error!, /Not found: .*unknown sample id/);
    const later = afterFailedSend({ attempts: 99 }, new CodedError('unavailable', 'server gone'), 0);
    assert.equal(later.nextRetryAt, RETRY_MS[RETRY_MS.length - 1]);

    const failed = rec({ key: 'dead', ...afterFailedSend({ attempts: 1 }, new CodedError('conflict', 'x'), 0) });
    const pending = rec({ key: 'alive', ...afterFailedSend({ attempts: 1 }, new CodedError('busy', 'x'), 0) });
    storeOutbox('/d', [failed, pending]);
    assert.deepEqual(
      loadOutbox('/d').map((r) => r.key),
      ['alive'],
      'a failed save is not persisted, so a reload does not resend it',
    );
  } finally {
    delete (globalThis as any).localStorage;
  }
});
