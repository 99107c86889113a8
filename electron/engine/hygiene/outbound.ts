import type { DatasetStore } from '../store/dataset-store.js';
import { scanText } from './scan-text.js';
import { redactText } from './spans.js';

/**
 * The text of a sample as it may leave the machine (LLM prompts, batch files): secrets and PII
 * replaced by placeholders. A sample without a stored scan is scanned now, so nothing depends on
 * `tbs scan` having run.
 */
export async function outboundText(store: DatasetStore, id: string, text: string): Promise<string> {
  const spans = store.hygiene.spansOf(id) ?? (await scanText(text)).spans;
  return redactText(text, spans);
}
