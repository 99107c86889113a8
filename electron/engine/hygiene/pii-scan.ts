import { BlockList, isIPv4, isIPv6 } from 'node:net';
import type { SensitiveSpan } from './spans.js';

/**
 * Emails and IP addresses, the PII The Stack / StarCoder redacted with regexes (bigcode-dataset
 * `pii/`, adapted from BigScience's pipeline). The known false positives of code are excluded:
 * documentation domains and addresses (RFC 2606 / 6761 names, RFC 5737 / 3849 ranges), loopback,
 * unspecified, private, link-local and multicast addresses (StarCoder did not redact private IPs
 * either), version strings and dotted numbers inside longer dotted runs.
 */

// Anchored on '@' (rare in code), then the local part is read backwards: scanning every position
// with a look-behind regex was 10x slower on the stdlib.
const EMAIL_DOMAIN = /@((?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+([A-Za-z]{2,24}))(?![\w-]|\.[A-Za-z0-9])/g;
// Unicode letters too: `josé.garcía@…` must be covered whole, not from its first ASCII run.
const LOCAL_CHAR = /[\p{L}\p{N}._%+-]/u;

/**
 * A real email's TLD is a country code (2 letters) or one of the common generic ones. Without this
 * check `x@self.weights` (Python's matrix product) or `user@host.local` would count as emails.
 */
const GENERIC_TLDS = new Set(
  'com org net edu gov mil int info biz name pro io dev app ai co me tech cloud online site xyz email mail page blog codes software systems solutions digital network services company group agency studio design law live news store shop club team center academy institute university travel consulting healthcare health finance financial legal media support tools works world zone global international family social agency associates partners capital ventures careers jobs services life love art photo photography music film events education school training coach expert marketing management engineering industries solar energy'.split(
    ' ',
  ),
);

/** RFC 2606 / 6761 reserved names and common documentation or no-reply domains. */
const DOCUMENTATION_DOMAIN =
  /(?:^|\.)(?:example\.(?:com|org|net|edu)|example|test|invalid|localhost|local|domain\.(?:com|tld)|email\.com|yourdomain\.com|mydomain\.com|company\.com|foo\.(?:com|bar)|bar\.com|users\.noreply\.github\.com)$/i;
const PLACEHOLDER_LOCAL =
  /^(?:user(?:name)?|name|email|someone|somebody|me|you|your[._-]?(?:name|email)|john\.?doe|jane\.?doe|foo|bar|test|noreply|no-reply|git)$/i;

export function scanEmails(text: string): SensitiveSpan[] {
  const out: SensitiveSpan[] = [];
  for (const m of text.matchAll(EMAIL_DOMAIN)) {
    const [tail, domain, tld] = m;
    const at = m.index ?? 0;
    let start = at;
    while (start > 0 && at - start < 64 && LOCAL_CHAR.test(text[start - 1])) start--;
    while (start < at && !/[\p{L}\p{N}]/u.test(text[start])) start++;
    if (start === at || (start > 0 && /[\p{L}\p{N}_]/u.test(text[start - 1]))) continue;
    const whole = text.slice(start, at) + tail;
    if (tld.length > 2 && !GENERIC_TLDS.has(tld.toLowerCase())) continue;
    if (DOCUMENTATION_DOMAIN.test(domain)) continue;
    const local = whole.slice(0, whole.length - domain.length - 1);
    if (PLACEHOLDER_LOCAL.test(local)) continue;
    out.push({ kind: 'email', rule: 'email', start, end: start + whole.length });
  }
  return out;
}

/**
 * Addresses that are never personal: documentation, loopback, private, link-local, multicast,
 * reserved. NOTE: one list per family, because a BlockList also matches IPv4 addresses against
 * IPv4-mapped IPv6 rules (::ffff:0:0/96 would swallow every IPv4 address).
 */
const NOT_PERSONAL = new BlockList();
const NOT_PERSONAL_V6 = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 3],
] as const)
  NOT_PERSONAL.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  ['::', 127],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['::ffff:0:0', 96],
] as const)
  NOT_PERSONAL_V6.addSubnet(net, prefix, 'ipv6');

const IPV4 = /(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?!\w|\.\w)/g;
/** Words that make a dotted number a version or a section number: `version 1.2.3.4`, `__version__ = '2.0.0.1'`, `section 8.2.4.44`. */
const VERSION_CONTEXT =
  /(?:version|(?<![A-Za-z])ver|(?<!\w)(?:release|rev|build|sections?|chapter|step|rule|rfc\d*#section-))[\s_:='"(>]*$/i;
/**
 * A dotted number right after a product token or a comparison is a version: `Chrome/120.0.0.0`,
 * `protobuf==3.20.3.1`, `pkg>=1.2.3.4`. (A URL's `//` is not a product token.)
 */
const VERSION_PREFIX = /(?:[A-Za-z]\/|[=<>~!]=)$/;

export function scanIPv4(text: string): SensitiveSpan[] {
  const out: SensitiveSpan[] = [];
  for (const m of text.matchAll(IPV4)) {
    const ip = m[0];
    const at = m.index ?? 0;
    // Octets with leading zeros (01.02.03.04) are dates and versions in practice, not addresses.
    if (!isIPv4(ip) || ip.split('.').some((o) => o.length > 1 && o.startsWith('0'))) continue;
    if (NOT_PERSONAL.check(ip, 'ipv4')) continue;
    const before = text.slice(Math.max(0, at - 20), at);
    if (VERSION_CONTEXT.test(before) || VERSION_PREFIX.test(before)) continue;
    out.push({ kind: 'ip', rule: 'ipv4', start: at, end: at + ip.length });
  }
  return out;
}

// Seeds are a colon next to a hex digit or another colon; each seed grows to the run of hex digits
// and colons around it. A regex with optional groups tried at every position was the slowest
// detector on the stdlib (0.6 s for 8 MB against ~0.05 s for this).
const IPV6_SEED = /::|[0-9A-Fa-f]:[0-9A-Fa-f]/g;
const isHexOrColon = (c: number) => (c >= 48 && c <= 58) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
const isWordOrDot = (ch: string | undefined) => ch !== undefined && /[\w.]/.test(ch);

export function scanIPv6(text: string): SensitiveSpan[] {
  const out: SensitiveSpan[] = [];
  let doneUpTo = 0;
  for (const m of text.matchAll(IPV6_SEED)) {
    const seed = m.index ?? 0;
    if (seed < doneUpTo) continue;
    let start = seed;
    while (start > 0 && isHexOrColon(text.charCodeAt(start - 1))) start--;
    let end = seed;
    while (end < text.length && isHexOrColon(text.charCodeAt(end))) end++;
    doneUpTo = end;
    if (end - start < 3 || end - start > 39) continue;
    if (isWordOrDot(text[start - 1]) || /\w/.test(text[end] ?? '')) continue;
    const ip = text.slice(start, end);
    if (!isIPv6(ip)) continue;
    // `a::b`, `dead::beef` and C++ `std::` chains are valid IPv6 text but not addresses anyone
    // leaks: require three non-empty groups and a digit.
    if (ip.split(':').filter(Boolean).length < 3 || !/\d/.test(ip)) continue;
    if (NOT_PERSONAL_V6.check(ip, 'ipv6')) continue;
    out.push({ kind: 'ip', rule: 'ipv6', start, end });
  }
  return out;
}

export function scanPii(text: string): SensitiveSpan[] {
  return [...scanEmails(text), ...scanIPv4(text), ...scanIPv6(text)];
}
