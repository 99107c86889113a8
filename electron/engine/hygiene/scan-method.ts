/**
 * Identifies the detector set in stored annotations, so a rule change can be told apart: flags
 * from another detector set are shown, but nothing leaves the machine on their word alone (the
 * text is scanned again first; see HygieneIndex.spansOf).
 */
export const SCAN_METHOD = 'secretlint-recommend@11.7.1+extra-rules@1+entropy@2+pii-regex@1';
