import { lintSource } from '@secretlint/core';
import { secretLintProfiler } from '@secretlint/profiler';
import { creator as recommendedPreset } from '@secretlint/secretlint-rule-preset-recommend';
import type { SecretLintCoreConfig } from '@secretlint/types';
import type { SensitiveSpan } from './spans.js';

/**
 * Secrets come from secretlint's recommended preset (AWS, GCP, GitHub, GitLab, npm, Slack,
 * Stripe, SendGrid, Shopify, Grafana, OpenAI, Anthropic, basic-auth URLs, PEM private keys):
 * a maintained rule set whose rules carry the vendors' own formats and their documented example
 * values as allow-lists (AKIAIOSFODNN7EXAMPLE and friends).
 *
 * NOTE: the AWS access-key-id scan is off by default in secretlint (its README: false positives
 * in lockfiles); code corpora are where those ids leak, and the 20-character AKIA/ASIA shape is
 * specific, so it is switched on here.
 */
const CONFIG: SecretLintCoreConfig = {
  rules: [
    {
      id: '@secretlint/secretlint-rule-preset-recommend',
      rule: recommendedPreset,
      rules: [{ id: '@secretlint/secretlint-rule-aws', options: { enableIDScanRule: true } }],
    },
  ],
};

/** `GITHUB_TOKEN` / `AWSAccessKeyID` / `BasicAuth` -> `github-token` / `aws-access-key-id` / `basic-auth`. */
export function ruleSlug(messageId: string): string {
  return messageId
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1-$2')
    .replace(/[_\s]+/g, '-')
    .toLowerCase();
}

/**
 * secretlint's core marks about 40 performance entries per `lintSource` into Node's global
 * timeline, and its profiler's observer keeps every one and searches them all on each new mark:
 * quadratic time and unbounded memory over a corpus (23 s of a 10^5-sample export's main thread,
 * and the marks are never cleared). Its marks go nowhere here; the profiler is for its CLI's
 * `--profile`, which this app does not use. (tests/unit/hygiene.test.ts checks no mark is left.)
 */
const NO_MARKS = { mark() {}, measure() {} };
(secretLintProfiler as unknown as { perf: typeof NO_MARKS }).perf = NO_MARKS;

export async function scanSecretlint(text: string): Promise<SensitiveSpan[]> {
  const result = await lintSource({
    source: { content: text, filePath: 'sample.txt', ext: '.txt', contentType: 'text' },
    options: { config: CONFIG, noPhysicFilePath: true, maskSecrets: true },
  });
  const out: SensitiveSpan[] = [];
  for (const m of result.messages) {
    if (m.type !== 'message') continue;
    const [start, end] = m.range;
    if (m.ruleId.endsWith('secretlint-rule-privatekey'))
      out.push({ kind: 'private_key', rule: 'private-key', start, end });
    else out.push({ kind: 'secret', rule: ruleSlug(m.messageId), start, end });
  }
  return out;
}

/**
 * The entropy check, after detect-secrets' KeywordDetector + HighEntropyString plugins: a quoted
 * literal assigned to a secret-sounding name whose characters look random. Limited to such
 * assignments because code is full of random-looking literals that are not secrets (hashes in
 * tests, base64 fixtures); detect-secrets' own limits are 4.5 bits/char for base64 and 3.0 for hex
 * strings, which this keeps.
 */
const KEYWORD_ASSIGNMENT =
  /\b([A-Za-z0-9_]*?(?:api[_-]?key|apikey|secret|passw(?:or)?d|passwd|token|auth[_-]?key|access[_-]?key|private[_-]?key|client[_-]?secret|credentials?)[A-Za-z0-9_]*)["']?\]?(?:[ \t]+[A-Za-z_][\w.]*)?\s*(?::=|=>|=(?!=)|:)\s*[bruf]{0,2}(["'`])([^"'`\s\\]{16,200})\2/gi;

/** The same, unquoted, as a whole line of a .env, YAML, INI or properties file: `API_KEY=...`, `password: ...`. */
const KEYWORD_LINE =
  /^[ \t]*(?:export[ \t]+)?([A-Za-z0-9_.-]*?(?:api[_-]?key|apikey|secret|passw(?:or)?d|passwd|token|auth[_-]?key|access[_-]?key|private[_-]?key|client[_-]?secret|credentials?)[A-Za-z0-9_.-]*)[ \t]*(?:=|:)[ \t]*()([^\s"'`#]{16,200})[ \t\r]*$/gim;

const PLACEHOLDER_VALUE =
  /x{4}|\*{3}|\.\.\.|<|>|\$\{|\{\{|%[sd(]|your[_-]|example|changeme|dummy|placeholder|fake|test|sample|redacted/i;

export function shannonEntropy(s: string): number {
  const counts = new Map<string, number>();
  for (const ch of s) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let h = 0;
  for (const c of counts.values()) {
    const p = c / s.length;
    h -= p * Math.log2(p);
  }
  return h;
}

export function scanEntropy(text: string): SensitiveSpan[] {
  const out: SensitiveSpan[] = [];
  const seen = new Set<number>();
  for (const m of [...text.matchAll(KEYWORD_ASSIGNMENT), ...text.matchAll(KEYWORD_LINE)]) {
    const value = m[3];
    const start = (m.index ?? 0) + m[0].trimEnd().length - value.length - (m[2] ? 1 : 0);
    if (seen.has(start)) continue;
    if (PLACEHOLDER_VALUE.test(value)) continue;
    // Random keys mix letters and digits; a value without both is a word, a name or a number.
    if (!/\d/.test(value) || !/[A-Za-z]/.test(value)) continue;
    const hex = /^[0-9a-fA-F]+$/.test(value);
    const limit = hex ? 3.0 : 4.5;
    // NOTE: a 16-character string cannot reach 4.5 bits of entropy per character (log2(16) = 4),
    // so values are judged against what their length allows: random 32-character keys measure
    // 4.3-4.8 bits, and a bound of log2(length) - 0.5 let a third of them through (red-team).
    const bound = Math.min(limit, Math.log2(value.length) - 0.85);
    if (shannonEntropy(value) < bound) continue;
    seen.add(start);
    out.push({ kind: 'secret', rule: 'high-entropy', start, end: start + value.length });
  }
  return out;
}
