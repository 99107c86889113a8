import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SerialSteps } from '../../electron/engine/jobs/serial-steps.ts';

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('steps run one at a time in push order; push returns with at most one step pending', async () => {
  const s = new SerialSteps();
  const log: string[] = [];
  let running = 0;
  const step = (name: string, ms: number) => async () => {
    assert.equal(++running, 1, `${name} runs alone`);
    log.push(`start ${name}`);
    await tick(ms);
    log.push(`end ${name}`);
    running--;
  };
  await s.push(step('a', 30));
  assert.deepEqual(log, ['start a'], 'the first push does not wait for its step');
  await s.push(step('b', 5));
  assert.deepEqual(log, ['start a', 'end a', 'start b'], 'the second waits for the first only');
  await s.push(step('c', 5));
  await s.finish();
  assert.deepEqual(log, ['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
});

test('a failed step skips the later ones and is reported by push or finish; settle never throws', async () => {
  const s = new SerialSteps();
  const ran: string[] = [];
  await s.push(async () => {
    await tick(10);
    throw new Error('write failed');
  });
  await assert.rejects(
    s.push(async () => void ran.push('b')),
    /write failed/,
  );
  await assert.rejects(s.finish(), /write failed/);
  assert.deepEqual(ran, []);
  const t = new SerialSteps();
  await t.push(async () => {
    throw new Error('x');
  });
  await t.settle();
});
