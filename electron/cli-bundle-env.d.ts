/**
 * Defined (as the file's own URL) only in the CLI bundle: bin/cli-bundle.mjs puts
 * `const __tbsBundleUrl = import.meta.url;` atop each file it writes. Test with `typeof`.
 */
declare const __tbsBundleUrl: string | undefined;
