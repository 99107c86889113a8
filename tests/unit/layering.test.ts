import assert from 'node:assert/strict';
import { test } from 'node:test';
import { statSync } from 'node:fs';
import { ESLint } from 'eslint';

/** The layer boundaries of STYLE.md, enforced by eslint.config.js, hold across the tree. */
test('no layer imports what it must not (eslint no-restricted-imports)', async () => {
  const eslint = new ESLint({ cwd: process.cwd(), errorOnUnmatchedPattern: false });
  const results = await eslint.lintFiles(
    ['shared', 'electron/engine', 'electron/cli', 'electron/web', 'renderer'].filter((d) => {
      try {
        return statSync(d).isDirectory();
      } catch {
        return false;
      }
    }),
  );
  const violations = results.flatMap((r) =>
    r.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => `${r.filePath}:${m.line} ${m.message}`),
  );
  assert.deepEqual(violations, []);
});

test('the rules do catch a violation', async () => {
  const eslint = new ESLint({ cwd: process.cwd() });
  const [shared] = await eslint.lintText("import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n", {
    filePath: 'shared/probe.ts',
  });
  assert.ok(shared.messages.some((m) => m.ruleId === 'no-restricted-imports'));
  const [engine] = await eslint.lintText("import { app } from 'electron';\nexport const y = app;\n", {
    filePath: 'electron/engine/probe.ts',
  });
  assert.ok(engine.messages.some((m) => m.ruleId === 'no-restricted-imports'));
});
