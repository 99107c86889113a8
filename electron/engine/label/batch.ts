import { CodedError } from '../../../shared/errors.js';
import { randomUUID } from 'node:crypto';
import { toFile } from 'openai';
import type { DatasetStore } from '../store/dataset-store.js';
import { sqlString } from '../store/dataset-store.js';
import { createClient } from './chat-transport.js';
import { labelKey, llmLabelRecord, prepare, type LabelRunOptions } from './label-plan.js';
import { buildPrompt, parseAnswer, type BuiltPrompt } from './prompt.js';
import { costUsd } from './pricing.js';
import { abortableSleep } from './rate-gate.js';
import { saveTemplate } from './templates.js';
import { outboundText } from '../hygiene/outbound.js';

/**
 * Batch API mode (half price on OpenAI): the run's requests are written as JSONL, uploaded through
 * the files API, submitted as one batch, polled, and the output file is ingested with the same
 * idempotence as live calls. The batch id is recorded in the jobs table before polling starts, so
 * a restarted run with the same settings resumes the batch instead of paying for a new one.
 */
export interface BatchRunSummary {
  batchId: string;
  resumed: boolean;
  status: string;
  submitted: number;
  labeled: number;
  skipped: number;
  failed: number;
  prompt_tokens: number;
  completion_tokens: number;
  cost_usd: number;
  failures: { sampleId: string; reason: string }[];
}

export async function runBatchLabeling(
  store: DatasetStore,
  o: LabelRunOptions & { pollMs?: number; batchId?: string },
): Promise<BatchRunSummary> {
  const p = await prepare(store, o);
  if (o.maxCost !== undefined && !p.price)
    throw new CodedError(
      'invalid_input',
      `no price known for model ${o.model}: add it to config.json "prices" to use --max-cost`,
    );
  await saveTemplate(store, p.template);
  const client = createClient(o);
  const jobs = await store.table('jobs');
  // An unfinished batch of exactly this agent + parameters is resumed, never re-bought.
  const open = (await jobs.query().where(`kind = 'llm-batch' AND status = 'submitted'`).toArray())
    .map((r) => ({
      row: r,
      params: JSON.parse(r.params as string) as { batchId: string; agent: string; paramsHash: string; ids: string[] },
    }))
    .filter((j) =>
      o.batchId ? j.params.batchId === o.batchId : j.params.agent === p.agent && j.params.paramsHash === p.paramsHash,
    );
  let batchId: string;
  let ids: string[];
  let resumed = false;
  let jobId: string;
  const prompts = new Map<string, BuiltPrompt>();
  const promptOf = async (id: string) => {
    let b = prompts.get(id);
    if (!b) {
      const s = (await store.getSample(id))!;
      b = buildPrompt(p.template, await outboundText(store, id, s.text), s.language, p.params.maxInputTokens);
      prompts.set(id, b);
    }
    return b;
  };
  if (open.length) {
    ({ batchId, ids } = open[0].params);
    jobId = open[0].row.job_id as string;
    resumed = true;
  } else {
    if (o.batchId) throw new CodedError('not_found', `no unfinished batch ${o.batchId} in this dataset`);
    ids = [];
    let worst = 0;
    const lines: string[] = [];
    for (const id of p.todo) {
      const b = await promptOf(id);
      const w = costUsd(p.price, b.promptTokens, p.params.maxTokens, true);
      if (o.maxCost !== undefined && worst + w > o.maxCost) break;
      worst += w;
      ids.push(id);
      lines.push(
        JSON.stringify({
          custom_id: id,
          method: 'POST',
          url: '/v1/chat/completions',
          body: {
            model: o.model,
            messages: b.messages,
            temperature: p.params.temperature,
            max_tokens: p.params.maxTokens,
            seed: p.params.seed,
            response_format: {
              type: 'json_schema',
              json_schema: { name: 'label', schema: p.template.schema, strict: true },
            },
          },
        }),
      );
    }
    if (!ids.length)
      return {
        batchId: '',
        resumed: false,
        status: 'nothing to do',
        submitted: 0,
        labeled: 0,
        skipped: p.skipped,
        failed: 0,
        prompt_tokens: 0,
        completion_tokens: 0,
        cost_usd: 0,
        failures: [],
      };
    const file = await client.files.create({
      file: await toFile(Buffer.from(lines.join('\n') + '\n'), 'textbook-studio-batch.jsonl'),
      purpose: 'batch',
    });
    const batch = await client.batches.create({
      input_file_id: file.id,
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
      metadata: { tool: 'textbook-studio', agent: p.agent },
    });
    batchId = batch.id;
    jobId = randomUUID();
    await jobs.add([
      {
        job_id: jobId,
        kind: 'llm-batch',
        status: 'submitted',
        params: JSON.stringify({ batchId, agent: p.agent, paramsHash: p.paramsHash, ids, inputFileId: file.id }),
        summary: '{}',
        created_at: new Date().toISOString(),
        finished_at: null,
      },
    ]);
  }
  const s: BatchRunSummary = {
    batchId,
    resumed,
    status: 'submitted',
    submitted: ids.length,
    labeled: 0,
    skipped: p.skipped,
    failed: 0,
    prompt_tokens: 0,
    completion_tokens: 0,
    cost_usd: 0,
    failures: [],
  };
  let batch = await client.batches.retrieve(batchId);
  while (!['completed', 'failed', 'expired', 'cancelled'].includes(batch.status)) {
    o.onProgress?.({
      done: batch.request_counts?.completed ?? 0,
      total: ids.length,
      labeled: 0,
      failed: batch.request_counts?.failed ?? 0,
      costUsd: 0,
      concurrency: 0,
    });
    await abortableSleep(o.pollMs ?? 30_000, o.signal);
    batch = await client.batches.retrieve(batchId);
  }
  s.status = batch.status;
  if (batch.output_file_id) {
    const text = await (await client.files.content(batch.output_file_id)).text();
    const stillTodo = new Set((await prepare(store, o)).todo);
    const records = [];
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      const r = JSON.parse(line) as {
        custom_id: string;
        response?: { status_code: number; body: any };
        error?: { message?: string } | null;
      };
      const fail = (reason: string) => {
        s.failed++;
        s.failures.push({ sampleId: r.custom_id, reason });
      };
      if (!stillTodo.has(r.custom_id)) continue;
      if (r.error || !r.response || r.response.status_code !== 200) {
        fail(r.error?.message ?? `status ${r.response?.status_code}`);
        continue;
      }
      const body = r.response.body;
      const choice = body?.choices?.[0];
      try {
        const ans = parseAnswer(p.template, choice?.message?.content, true);
        const pt = body.usage?.prompt_tokens ?? 0;
        const ct = body.usage?.completion_tokens ?? 0;
        const cost = costUsd(p.price, pt, ct, true);
        s.prompt_tokens += pt;
        s.completion_tokens += ct;
        s.cost_usd += cost;
        records.push(
          llmLabelRecord(store, p, o.model, r.custom_id, await promptOf(r.custom_id), ans, {
            pt,
            ct,
            cost,
            outputPath: 'json_schema',
            responseModel: body.model,
            finishReason: choice?.finish_reason ?? null,
            batchId,
          }),
        );
        stillTodo.delete(r.custom_id);
      } catch (e) {
        fail((e as Error).message);
      }
    }
    for (let i = 0; i < records.length; i += 1000) await store.appendLabels(records.slice(i, i + 1000));
    s.labeled = records.length;
    if (s.failures.length) {
      await (
        await store.table('label_attempts')
      ).add(
        s.failures.map((f) => ({
          attempt_id: randomUUID(),
          sample_id: f.sampleId,
          label_key: labelKey(f.sampleId, p.template.id, p.templateHash, o.model, p.paramsHash),
          agent: p.agent,
          status: 'failed',
          error: f.reason,
          details: JSON.stringify({ batchId }),
          created_at: new Date().toISOString(),
        })),
      );
    }
  }
  await store.flush();
  await jobs.update({
    where: `job_id = ${sqlString(jobId)}`,
    values: {
      status: s.status === 'completed' ? 'done' : s.status,
      summary: JSON.stringify({ ...s, failures: s.failures.length }),
      finished_at: new Date().toISOString(),
    },
  });
  return s;
}
