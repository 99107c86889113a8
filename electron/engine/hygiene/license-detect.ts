import { licensesFromMetadata, licensesFromSpdxHeader, LICENSE_FIELDS } from './licenses.js';

/** One license a sample carries and where it was found (the annotation's method and evidence). */
export interface LicenseFinding {
  id: string;
  method: 'metadata' | 'spdx-header' | 'license-file';
  evidence: Record<string, unknown>;
}

/**
 * A sample's licenses, strongest source first: the row's metadata, an SPDX header in the text, then
 * the LICENSE / COPYING file the folder reader found for the file's folder.
 */
export function detectLicenses(
  text: string,
  meta: Record<string, unknown>,
  licenseFile: { path: string; id: string } | null = null,
): LicenseFinding[] {
  const fromMeta = licensesFromMetadata(meta);
  if (fromMeta.length) {
    const field = LICENSE_FIELDS.find((f) => meta[f] !== undefined && meta[f] !== null) ?? null;
    return fromMeta.map((id) => ({ id, method: 'metadata', evidence: { field } }));
  }
  const header = licensesFromSpdxHeader(text);
  if (header.length) return header.map((id) => ({ id, method: 'spdx-header', evidence: {} }));
  if (licenseFile) return [{ id: licenseFile.id, method: 'license-file', evidence: { file: licenseFile.path } }];
  return [];
}
