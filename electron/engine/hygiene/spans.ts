/**
 * A sensitive span found in a sample's text. `kind` is the coarse class that decides the
 * placeholder; `rule` names the detector that fired (a secretlint message id, `high-entropy`,
 * `email`, `ipv4`, `ipv6`), so flags read like `secret:github-token` or `pii:email`.
 */
import { SENSITIVE_SPAN_KINDS } from '../../../shared/hygiene.js';

export const SENSITIVE_KINDS = SENSITIVE_SPAN_KINDS;
export type SensitiveKind = (typeof SENSITIVE_KINDS)[number];

export interface SensitiveSpan {
  kind: SensitiveKind;
  rule: string;
  /** UTF-16 offsets into the sample text, end exclusive (JavaScript string indices). */
  start: number;
  end: number;
}

/** StarCoder's placeholders (The Stack v1.2 / StarCoderData PII redaction). */
export const PLACEHOLDERS: Record<SensitiveKind, string> = {
  secret: '<SECRET>',
  private_key: '<PRIVATE_KEY>',
  email: '<EMAIL>',
  ip: '<IP_ADDRESS>',
};

/** The flag a span contributes to `tbs list --json` rows: `secret:<rule>` or `pii:<kind>`. */
export function flagOf(s: SensitiveSpan): string {
  switch (s.kind) {
    case 'secret':
      return `secret:${s.rule}`;
    case 'private_key':
      return 'secret:private-key';
    case 'email':
      return 'pii:email';
    case 'ip':
      return 'pii:ip';
  }
}

/** Accepts kinds as users type them for `--drop-flagged`: secret, private_key|private-key, email, ip, pii, all. */
export function parseKinds(list: string[]): Set<SensitiveKind> {
  const out = new Set<SensitiveKind>();
  for (const raw of list) {
    const k = raw.trim().toLowerCase().replace(/-/g, '_');
    if (k === 'all') SENSITIVE_KINDS.forEach((x) => out.add(x));
    else if (k === 'pii') {
      out.add('email');
      out.add('ip');
    } else if ((SENSITIVE_KINDS as readonly string[]).includes(k)) out.add(k as SensitiveKind);
    else throw new Error(`unknown flag kind ${JSON.stringify(raw)}; kinds: ${SENSITIVE_KINDS.join(', ')}, pii, all`);
  }
  return out;
}

const PRIORITY: Record<SensitiveKind, number> = { private_key: 0, secret: 1, email: 2, ip: 3 };

/**
 * Sorts spans and resolves overlaps: where two spans overlap, they merge into one covering both,
 * keeping the stronger kind (private key > secret > email > ip), so redaction never leaves a
 * fragment of a secret behind.
 */
const GENERIC_RULES = new Set(['high-entropy', 'bearer-token']);

export function mergeSpans(spans: SensitiveSpan[]): SensitiveSpan[] {
  const sorted = [...spans].sort((a, b) => a.start - b.start || b.end - a.end);
  const out: SensitiveSpan[] = [];
  for (const s of sorted) {
    const last = out[out.length - 1];
    if (last && s.start < last.end) {
      // A vendor rule names the secret better than the generic checks that also caught it.
      const better =
        PRIORITY[s.kind] < PRIORITY[last.kind] ||
        (PRIORITY[s.kind] === PRIORITY[last.kind] && GENERIC_RULES.has(last.rule) && !GENERIC_RULES.has(s.rule));
      const stronger = better ? s : last;
      out[out.length - 1] = {
        kind: stronger.kind,
        rule: stronger.rule,
        start: last.start,
        end: Math.max(last.end, s.end),
      };
    } else out.push({ ...s });
  }
  return out;
}

/** Replaces each span with its placeholder. Spans may be unsorted or overlapping. */
export function redactText(text: string, spans: readonly SensitiveSpan[]): string {
  if (spans.length === 0) return text;
  let out = '';
  let at = 0;
  for (const s of mergeSpans([...spans])) {
    // NOTE: a span past the end (a text changed since its scan) still hides everything it reaches.
    if (s.start < at || s.start >= text.length) continue;
    out += text.slice(at, s.start) + PLACEHOLDERS[s.kind];
    at = Math.min(s.end, text.length);
  }
  return out + text.slice(at);
}
