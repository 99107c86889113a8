import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { z } from 'zod';
import { commands, events } from '../../shared/api.ts';

/**
 * Any change to the command surface (names, input or output schemas, events) changes this
 * snapshot, so it shows up in review. Regenerate deliberately: UPDATE_CONTRACT_SNAPSHOT=1 npm test.
 */
const SNAPSHOT = join(process.cwd(), 'tests/unit/contract-surface.snapshot.json');

test('the command contract matches its reviewed snapshot', () => {
  const surface = {
    commands: Object.fromEntries(
      Object.entries(commands)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([name, spec]) => [
          name,
          {
            input: z.toJSONSchema(spec.input, { io: 'input', unrepresentable: 'any' }),
            output: z.toJSONSchema(spec.output, { unrepresentable: 'any' }),
          },
        ]),
    ),
    events: Object.fromEntries(Object.entries(events).map(([name, s]) => [name, z.toJSONSchema(s)])),
  };
  const text = JSON.stringify(surface, null, 1) + '\n';
  if (process.env.UPDATE_CONTRACT_SNAPSHOT) writeFileSync(SNAPSHOT, text);
  assert.equal(
    text,
    readFileSync(SNAPSHOT, 'utf8'),
    'the command surface changed: review it, then UPDATE_CONTRACT_SNAPSHOT=1 npm test',
  );
});
