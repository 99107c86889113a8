import spdxCorrect from 'spdx-correct';
import { CodedError } from '../../../shared/errors.js';

/**
 * Licenses as SPDX ids. Sources, strongest first: the input row's metadata (The Stack's
 * `max_stars_repo_licenses` and siblings, Stack v2's `detected_licenses`, a plain `license`),
 * an `SPDX-License-Identifier:` header in the text, and for folder imports the LICENSE / COPYING
 * file of the folder or its nearest parent inside the import root. Anything else is `unknown`.
 * Spellings are normalized by `spdx-correct` (the normalizer npm itself uses): `mit` -> `MIT`,
 * `Apache 2` -> `Apache-2.0`.
 */
export const UNKNOWN_LICENSE = 'unknown';

/**
 * The `permissive` preset: licenses that allow use, modification and redistribution without a
 * copyleft condition. Follows the permissive families The Stack kept (MIT, Apache, BSD, ISC,
 * Unlicense, CC0, zlib, Boost, PSF); copyleft (GPL, LGPL, MPL, AGPL, EPL) is not in it.
 */
export const PERMISSIVE_LICENSES = [
  'MIT',
  'MIT-0',
  'Apache-2.0',
  'BSD-2-Clause',
  'BSD-3-Clause',
  'BSD-3-Clause-Clear',
  '0BSD',
  'ISC',
  'Unlicense',
  'CC0-1.0',
  'Zlib',
  'BSL-1.0',
  'PSF-2.0',
  'Python-2.0',
  'WTFPL',
  'X11',
  'UPL-1.0',
] as const;

/** Metadata fields that carry licenses, in the order they are trusted. */
export const LICENSE_FIELDS = [
  'max_stars_repo_licenses',
  'max_issues_repo_licenses',
  'max_forks_repo_licenses',
  'detected_licenses',
  'licenses',
  'license',
  'gha_license_id',
] as const;

export function normalizeLicense(raw: string): string | null {
  const s = raw.trim();
  if (!s || /^(?:none|null|no_license|noassertion|other|unknown)$/i.test(s)) return null;
  return spdxCorrect(s) ?? null;
}

/** Licenses named by the row's metadata; empty when it names none. */
export function licensesFromMetadata(meta: Record<string, unknown>): string[] {
  for (const field of LICENSE_FIELDS) {
    const v = meta[field];
    const items = Array.isArray(v) ? v : typeof v === 'string' ? [v] : [];
    const ids = items.flatMap((x) => (typeof x === 'string' ? [normalizeLicense(x)] : [])).filter(Boolean) as string[];
    if (ids.length) return [...new Set(ids)].sort();
  }
  return [];
}

const SPDX_HEADER = /SPDX-License-Identifier:\s*([A-Za-z0-9.+\-() ]+?)\s*(?:\*\/|-->|$)/m;

export function licensesFromSpdxHeader(text: string): string[] {
  const m = SPDX_HEADER.exec(text.slice(0, 4000));
  if (!m) return [];
  const id = normalizeLicense(m[1]);
  return id ? [id] : [];
}

/** Distinctive phrases of license texts, most specific first (a table, not a parser). */
const LICENSE_TEXTS: [RegExp, string][] = [
  [/GNU AFFERO GENERAL PUBLIC LICENSE\s+Version 3/i, 'AGPL-3.0-only'],
  [/GNU LESSER GENERAL PUBLIC LICENSE\s+Version 3/i, 'LGPL-3.0-only'],
  [/GNU LESSER GENERAL PUBLIC LICENSE\s+Version 2\.1/i, 'LGPL-2.1-only'],
  [/GNU GENERAL PUBLIC LICENSE\s+Version 3/i, 'GPL-3.0-only'],
  [/GNU GENERAL PUBLIC LICENSE\s+Version 2/i, 'GPL-2.0-only'],
  [/Mozilla Public License,?\s+(?:Version|v\.?)\s*2\.0/i, 'MPL-2.0'],
  [/Apache License,?\s+Version 2\.0/i, 'Apache-2.0'],
  [/Eclipse Public License - v 2\.0/i, 'EPL-2.0'],
  [/Boost Software License - Version 1\.0/i, 'BSL-1.0'],
  [/This is free and unencumbered software released into the public domain/i, 'Unlicense'],
  [/CC0 1\.0 Universal/i, 'CC0-1.0'],
  [/PYTHON SOFTWARE FOUNDATION LICENSE VERSION 2/i, 'PSF-2.0'],
  [/Permission is hereby granted, free of charge, to any person obtaining a copy/i, 'MIT'],
  [/Permission to use, copy, modify, and\/or distribute this software for any/i, 'ISC'],
  [/Redistribution and use in source and binary forms[\s\S]*Neither the name/i, 'BSD-3-Clause'],
  [/Redistribution and use in source and binary forms/i, 'BSD-2-Clause'],
  [/This software is provided 'as-is', without any express or implied/i, 'Zlib'],
];

/** The license a LICENSE / COPYING file's text states, or null when it matches none of the known texts. */
export function licenseFromLicenseText(text: string): string | null {
  const head = text.slice(0, 20_000);
  for (const [re, id] of LICENSE_TEXTS) if (re.test(head)) return id;
  return null;
}

export const LICENSE_FILE = /^(?:LICEN[CS]E|COPYING|UNLICENSE)(?:[.-][A-Za-z0-9]+)?(?:\.(?:txt|md|rst))?$/i;

/**
 * `--licenses mit,apache-2.0` or `--licenses permissive`: the allowed set, as SPDX ids.
 * `unknown` may be listed to keep samples without a known license.
 */
export function parseLicenseFilter(list: string[]): string[] {
  const out = new Set<string>();
  for (const raw of list) {
    const s = raw.trim();
    if (!s) continue;
    if (s.toLowerCase() === 'permissive') PERMISSIVE_LICENSES.forEach((l) => out.add(l));
    else if (s.toLowerCase() === UNKNOWN_LICENSE) out.add(UNKNOWN_LICENSE);
    else {
      const id = normalizeLicense(s);
      if (!id) throw new CodedError('invalid_input', `--licenses: ${JSON.stringify(s)} is not an SPDX license id`);
      out.add(id);
    }
  }
  return [...out].sort();
}

/** A sample passes when any of its licenses is allowed (dual licensing lets the user choose). */
export function licenseAllowed(licenses: readonly string[], allowed: readonly string[]): boolean {
  if (licenses.length === 0) return allowed.includes(UNKNOWN_LICENSE);
  return licenses.some((l) => allowed.includes(l));
}
