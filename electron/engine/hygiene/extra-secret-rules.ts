import { shannonEntropy } from './secret-scan.js';
import type { SensitiveSpan } from './spans.js';

/**
 * Rules the installed secretlint preset (11.7.1) lacks, in gitleaks' formats, plus a private-key
 * block rule that does not depend on how the PEM lines are laid out. Each finds whole tokens only.
 */
interface TokenRule {
  rule: string;
  re: RegExp;
}

// NOTE: distinctive prefixes need no left word boundary: secretlint's GitHub rule and `\b` both
// miss a token glued to a letter (`令牌ghp_…`, `k=ask_live_…`); over-redacting a letter is fine.
const TOKEN_RULES: TokenRule[] = [
  // the GitHub formats again, without the preset's "no letter before" condition
  { rule: 'github-token', re: /(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36}(?![A-Za-z0-9])/g },
  { rule: 'github-token', re: /github_pat_[A-Za-z0-9_]{82}(?![A-Za-z0-9_])/g },
  // gitleaks stripe-access-token
  { rule: 'stripe-access-token', re: /(?:sk|rk)_(?:live|test|prod)_[0-9a-zA-Z]{10,99}(?![0-9a-zA-Z])/g },
  // gitleaks gitlab-pat (classic 20 characters; the newer routable ones are longer)
  { rule: 'gitlab-pat', re: /glpat-[0-9a-zA-Z_-]{20,}/g },
  // gitleaks grafana-service-account-token, grafana-cloud-api-token
  { rule: 'grafana-token', re: /glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8}(?![A-Za-z0-9])/g },
  { rule: 'grafana-token', re: /\bglc_[A-Za-z0-9+/]{32,400}={0,2}/g },
  // gitleaks gcp-api-key
  { rule: 'gcp-api-key', re: /AIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])/g },
  // gitleaks huggingface-access-token (letters only there; digits occur in real tokens too)
  { rule: 'huggingface-access-token', re: /\bhf_[a-zA-Z0-9]{34}\b/g },
  // gitleaks openai-api-key (project, service-account and admin keys; the classic T3BlbkFJ form)
  { rule: 'openai-api-key', re: /\bsk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{20,}/g },
  { rule: 'openai-api-key', re: /\bsk-[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}\b/g },
  // gitleaks anthropic-api-key
  { rule: 'anthropic-api-key', re: /\bsk-ant-(?:api03|admin01)-[A-Za-z0-9_-]{80,}/g },
  // gitleaks twilio-api-key
  { rule: 'twilio-api-key', re: /\bSK[0-9a-fA-F]{32}\b/g },
];

const EXAMPLE_VALUE = /EXAMPLE|x{6}|X{6}|0{10}|1234567890/;

/** An `Authorization: Bearer <token>` value that looks random (the entropy check's bound). */
const BEARER = /\bBearer[ \t]+([A-Za-z0-9._~+/-]{20,}=*)/g;

export function scanBearer(text: string): SensitiveSpan[] {
  const out: SensitiveSpan[] = [];
  for (const m of text.matchAll(BEARER)) {
    const value = m[1];
    if (EXAMPLE_VALUE.test(value) || !/\d/.test(value) || !/[A-Za-z]/.test(value)) continue;
    if (shannonEntropy(value) < Math.min(4.5, Math.log2(value.length) - 0.85)) continue;
    const start = (m.index ?? 0) + m[0].length - value.length;
    out.push({ kind: 'secret', rule: 'bearer-token', start, end: start + value.length });
  }
  return out;
}

export function scanTokenRules(text: string): SensitiveSpan[] {
  const out: SensitiveSpan[] = [];
  for (const { rule, re } of TOKEN_RULES) {
    for (const m of text.matchAll(re)) {
      if (EXAMPLE_VALUE.test(m[0])) continue;
      const start = m.index ?? 0;
      out.push({ kind: 'secret', rule, start, end: start + m[0].length });
    }
  }
  return out;
}

/**
 * A private key block from its BEGIN line to the END line with the same label, whatever sits
 * between (string quotes and `+` of a key pasted into code, `# ` or `// ` comment prefixes,
 * escaped newlines, an ENCRYPTED key's headers). Without an END line the span runs to the end of
 * the base64 that follows, so a truncated key is still covered.
 */
const BEGIN = /-----BEGIN ((?:[A-Z0-9]+ )*)PRIVATE KEY( BLOCK)?-----/g;
const MAX_BLOCK = 64 * 1024;

export function scanPrivateKeyBlocks(text: string): SensitiveSpan[] {
  const out: SensitiveSpan[] = [];
  for (const m of text.matchAll(BEGIN)) {
    const start = m.index ?? 0;
    const endMarker = `-----END ${m[1]}PRIVATE KEY${m[2] ?? ''}-----`;
    const from = start + m[0].length;
    const e = text.indexOf(endMarker, from);
    let end: number;
    if (e >= 0 && e - start <= MAX_BLOCK) end = e + endMarker.length;
    else {
      // No END: cover the key material that follows (base64 and the layout around it).
      const tail = /^(?:[A-Za-z0-9+/=\s"'`\\,;+#:-]|\/\/)*/.exec(text.slice(from, from + MAX_BLOCK));
      end = from + (tail?.[0].length ?? 0);
    }
    out.push({ kind: 'private_key', rule: 'private-key', start, end });
  }
  return out;
}
