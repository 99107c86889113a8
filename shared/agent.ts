/**
 * The LLM agent string and the LLM label key: built and parsed here only, so every layer (the
 * labeler, batch mode, the store's index, agreement, the renderer) agrees on their field order.
 */
export interface LlmAgent {
  model: string;
  templateId: string;
  templateHash: string;
}

/** `model|templateId|templateHash`: who produced an LLM label, with which prompt version. */
export function formatAgent(a: LlmAgent): string {
  return `${a.model}|${a.templateId}|${a.templateHash}`;
}

/** The parts of an agent string; a human annotator's name comes back as the model with no template. */
export function parseAgent(agent: string): LlmAgent {
  const [model = agent, templateId = '', templateHash = ''] = agent.split('|');
  return { model, templateId, templateHash };
}

/** `templateId@model`: an LLM label source (one rubric asked of one model). */
export function llmSourceOf(agent: string): string {
  const { model, templateId } = parseAgent(agent);
  return `${templateId}@${model}`;
}

/** The idempotence key of an LLM label: what was asked (sample, template version), of whom, how. */
export function llmLabelKey(k: LlmAgent & { sampleId: string; paramsHash: string }): string {
  return `${k.sampleId}|${k.templateId}|${k.templateHash}|${k.model}|${k.paramsHash}`;
}
