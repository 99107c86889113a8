import { licenseFromLicenseText, licensesFromMetadata, licensesFromSpdxHeader, LICENSE_FIELDS } from './licenses.js';

/** One license a sample carries and where it was found (the annotation's method and evidence). */
export interface LicenseFinding {
  id: string;
  method: 'metadata' | 'spdx-header' | 'license-file';
  evidence: Record<string, unknown>;
}

/**
 * A sample's licenses, strongest source first: the row's metadata, an SPDX header in the text, then
 * the LICENSE / COPYING file the folder reader attached (`metadata.license_file`, `license_file_id`).
 */
export function detectLicenses(text: string, meta: Record<string, unknown>): LicenseFinding[] {
  const fromMeta = licensesFromMetadata(meta);
  if (fromMeta.length) {
    const field = LICENSE_FIELDS.find((f) => meta[f] !== undefined && meta[f] !== null) ?? null;
    return fromMeta.map((id) => ({ id, method: 'metadata', evidence: { field } }));
  }
  const header = licensesFromSpdxHeader(text);
  if (header.length) return header.map((id) => ({ id, method: 'spdx-header', evidence: {} }));
  const fileId = typeof meta.license_file_id === 'string' ? meta.license_file_id : null;
  if (fileId) return [{ id: fileId, method: 'license-file', evidence: { file: meta.license_file ?? null } }];
  return [];
}

export { licenseFromLicenseText };
