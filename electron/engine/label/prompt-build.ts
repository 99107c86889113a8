import { redactText, type SensitiveSpan } from '../hygiene/spans.js';
import { buildPrompt, type BuiltPrompt } from './prompt.js';
import type { Template } from './templates.js';

// NOTE: no store import here: every pool thread loads this module for its prompt tasks, and the
// store would pull in LanceDB's native module (~0.5 s per thread at the start of a labeling run).
// The scanner (secretlint and its rules, ~0.2 s per thread) is loaded only when a sample has no
// stored scan, which after an import's scan is never.

/** One sample as the prompt builder needs it; `spans` null = never scanned (scanned now). */
export interface PromptItem {
  text: string;
  language: string;
  spans: SensitiveSpan[] | null;
}

/**
 * Redacts each text (secrets and PII never reach the LLM; samples without a stored scan are
 * scanned here, together) and builds its prompt. Pure, so it runs inline or in a pool worker.
 */
export async function buildPrompts(
  template: Template,
  items: readonly PromptItem[],
  maxInputTokens: number,
): Promise<BuiltPrompt[]> {
  const unscanned = items.flatMap((it, i) => (it.spans ? [] : [i]));
  const spans = items.map((it) => it.spans ?? []);
  if (unscanned.length) {
    const { scanTexts } = await import('../hygiene/scan-text.js');
    const found = await scanTexts(unscanned.map((i) => items[i].text));
    unscanned.forEach((i, k) => (spans[i] = found[k].spans));
  }
  return items.map((it, i) => buildPrompt(template, redactText(it.text, spans[i]), it.language, maxInputTokens));
}
