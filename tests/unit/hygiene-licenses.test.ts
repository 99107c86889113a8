import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { detectLicenses } from '../../electron/engine/hygiene/license-detect.js';
import {
  licenseAllowed,
  licenseFromLicenseText,
  licensesFromMetadata,
  licensesFromSpdxHeader,
  parseLicenseFilter,
  PERMISSIVE_LICENSES,
} from '../../electron/engine/hygiene/licenses.js';
import { extractFields } from '../../electron/engine/hygiene/meta-fields.js';

describe('licenses', () => {
  it("reads The Stack's license columns and normalizes spellings to SPDX ids", () => {
    assert.deepEqual(licensesFromMetadata({ max_stars_repo_licenses: ['mit', 'Apache 2'] }), ['Apache-2.0', 'MIT']);
    assert.deepEqual(licensesFromMetadata({ max_stars_repo_licenses: [], detected_licenses: ['BSD-3-Clause'] }), [
      'BSD-3-Clause',
    ]);
    assert.deepEqual(licensesFromMetadata({ license: 'NOASSERTION' }), []);
    assert.deepEqual(licensesFromSpdxHeader('// SPDX-License-Identifier: MIT OR Apache-2.0\nint x;'), [
      'Apache-2.0',
      'MIT',
    ]);
    assert.equal(licenseFromLicenseText('GNU GENERAL PUBLIC LICENSE\n   Version 3, 29 June 2007'), 'GPL-3.0-only');
    assert.equal(
      licenseFromLicenseText('Redistribution and use in source and binary forms ... 3. Neither the name of'),
      'BSD-3-Clause',
    );
    assert.equal(licenseFromLicenseText('All rights reserved.'), null);
    assert.deepEqual(
      detectLicenses('x = 1\n', {}, { path: 'LICENSE', id: 'MIT' }).map((l) => [l.id, l.method]),
      [['MIT', 'license-file']],
    );
    assert.deepEqual(
      detectLicenses('# SPDX-License-Identifier: ISC\n', { max_stars_repo_licenses: ['GPL-2.0'] }).map((l) => l.method),
      ['metadata'],
      'row metadata wins over a header',
    );
  });

  it('parses --licenses with the permissive preset, unknown, and fails loud on a non-license', () => {
    const p = parseLicenseFilter(['permissive']);
    assert.deepEqual(p, [...PERMISSIVE_LICENSES].sort());
    assert.ok(!(p as string[]).includes('GPL-3.0-only'));
    assert.deepEqual(parseLicenseFilter(['mit', 'apache-2.0', 'bsd-3-clause', 'unknown']), [
      'Apache-2.0',
      'BSD-3-Clause',
      'MIT',
      'unknown',
    ]);
    assert.throws(() => parseLicenseFilter(['definitely-not-a-license']), /is not an SPDX license id/);
    assert.equal(licenseAllowed([], ['MIT']), false);
    assert.equal(licenseAllowed([], ['unknown']), true);
    assert.equal(licenseAllowed(['GPL-3.0-only', 'MIT'], ['MIT']), true, 'dual licensing: either applies');
  });

  it('extracts the declared metadata fields typed', () => {
    assert.deepEqual(
      extractFields({ max_stars_count: 1234, max_stars_repo_name: 'org/repo', size: '77', other: 'x' }, ['other']),
      [
        ['repo_stars', 1234],
        ['repo_name', 'org/repo'],
        ['file_size', 77],
        ['other', 'x'],
      ],
    );
  });
});
