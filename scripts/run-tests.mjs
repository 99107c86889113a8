#!/usr/bin/env node
// Runs every *.test.ts under tests/ (or the paths given) with node's test runner through tsx,
// echoes its output, and ends with the plain line "N passed, N failed".
// Browser (e2e) files run after the others, alone, so a busy CPU cannot starve their timeouts.
// Browser files need a Chromium or Chrome (scripts/find-browser.mjs); without one, root on
// Debian gets Debian's chromium installed, anyone else one line saying how to get a browser and
// those files counted as failed at once (never a timeout).
// NOTE: exits non-zero when any test fails or when no test ran at all.
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { findBrowser, HOW_TO_GET_A_BROWSER, isDebian } from './find-browser.mjs';

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
process.env.LANCEDB_LOG = process.env.LANCEDB_LOG ?? 'error';

/** A browser for the e2e group: found, or installed from Debian's packages when we may, or null. */
function ensureBrowser() {
  const found = findBrowser();
  if (found) return found;
  if (process.getuid?.() === 0 && isDebian()) {
    console.log("No Chromium or Chrome found: installing Debian's chromium (apt-get install -y chromium) ...");
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    const opts = { stdio: ['ignore', 'ignore', 'inherit'], env };
    spawnSync('apt-get', ['update', '-qq'], opts);
    spawnSync('apt-get', ['install', '-y', '-qq', 'chromium'], opts);
    return findBrowser();
  }
  return null;
}

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
        // NOTE: the timeout also bounds each test file's process as a whole: a file of slow CLI
        // tests on a shared, busy machine can need more than 10 minutes without hanging.
        '--test-timeout=1200000',
        ...group,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    // NOTE: the whole output is kept: the spec reporter prints its summary before the details of
    // every failure, which can be far longer than any fixed tail.
    let out = '';
    child.stdout.on('data', (d) => {
      process.stdout.write(d);
      out += d.toString();
    });
    child.on('close', (code) => {
      const num = (re) => {
        const all = [...out.matchAll(re)];
        return all.length ? Number(all[all.length - 1][1]) : 0;
      };
      resolve({
        code: code ?? 1,
        passed: num(/ℹ pass (\d+)/g),
        failed: num(/ℹ fail (\d+)/g) + num(/ℹ cancelled (\d+)/g),
      });
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
  if (group.some(isE2e)) {
    let browser = null;
    try {
      browser = ensureBrowser();
    } catch (e) {
      console.log(e.message);
    }
    if (!browser) {
      console.log(`✖ ${group.length} browser test files not run: ${HOW_TO_GET_A_BROWSER}`);
      failed += group.length;
      bad = true;
      continue;
    }
    process.env.TBS_BROWSER = browser;
  }
  const r = await run(group, concurrency);
  passed += r.passed;
  failed += r.failed;
  if (r.code !== 0) bad = true;
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(bad || failed > 0 || passed === 0 ? 1 : 0);
