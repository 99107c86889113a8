#!/usr/bin/env node
// Runs every *.test.ts under tests/ (or the paths given) with node's test runner through tsx,
// echoes its output, and ends with the plain line "N passed, N failed".
// Browser (e2e) files run after the others, alone, so a busy CPU cannot starve their timeouts.
// NOTE: exits non-zero when any test fails or when no test ran at all.
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function findTests(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) {
      if (name !== 'bench') out.push(...findTests(p));
    } else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

const args = process.argv.slice(2);
const files = (
  args.length ? args.flatMap((a) => (statSync(a).isDirectory() ? findTests(a) : [a])) : findTests('tests')
).sort();
if (files.length === 0) {
  console.log('0 passed, 0 failed');
  console.error('no test files found');
  process.exit(1);
}
process.env.ELECTRON_SKIP_BINARY_DOWNLOAD = '1';
process.env.LANCEDB_LOG = process.env.LANCEDB_LOG ?? 'error';

function run(group, concurrency) {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '--test',
        '--test-reporter=spec',
        `--test-concurrency=${concurrency}`,
        '--test-timeout=180000',
        ...group,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let tail = '';
    child.stdout.on('data', (d) => {
      process.stdout.write(d);
      tail = (tail + d.toString()).slice(-4000);
    });
    child.on('close', (code) => {
      const num = (re) => {
        const m = tail.match(re);
        return m ? Number(m[1]) : 0;
      };
      resolve({ code: code ?? 1, passed: num(/ℹ pass (\d+)/), failed: num(/ℹ fail (\d+)/) + num(/ℹ cancelled (\d+)/) });
    });
  });
}

const isE2e = (f) => f.split(/[\\/]/).includes('e2e');
const groups = [
  [files.filter((f) => !isE2e(f)), 2],
  [files.filter(isE2e), 1],
].filter(([g]) => g.length);
let passed = 0;
let failed = 0;
let bad = false;
for (const [group, concurrency] of groups) {
  const r = await run(group, concurrency);
  passed += r.passed;
  failed += r.failed;
  if (r.code !== 0) bad = true;
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(bad || failed > 0 || passed === 0 ? 1 : 0);
