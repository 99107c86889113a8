import { CodedError } from '../../../shared/errors.js';
import { createHash, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DatasetStore } from '../store/dataset-store.js';
import { embeddingTable, readVectors } from '../embed/embedding-store.js';
import { embedderById, resolveEmbedder } from '../embed/embedder-spec.js';
import {
  checkStoredSamples,
  contaminationScope,
  openContaminationCheck,
  storedContamination,
  type ContaminationCheck,
} from './contamination-check.js';
import { benchmarkFingerprint } from './benchmark-fingerprint.js';
import { activeModel } from '../classify/training.js';
import { datasetTemplates } from '../label/templates.js';
import { parseExportRule, type ExportCandidate, type ExportRuleInput } from './candidate.js';
import { decideSample } from './select.js';
import { assertOutDirUsable } from './output-dir.js';
import { runExport, type ExportResult, type RunExportOptions } from './export-run.js';
import { startPrehash } from './near-dup-stream.js';
import { nearDupMode } from './dedup.js';
import { countImports, ensureImports } from '../stats/imports-stat.js';
import { HygieneRuleSchema, type HygieneRuleInput } from '../hygiene/export-stage.js';
import {
  EXPORT_REDACTION,
  redactContamination,
  redactModuleLists,
  ValueRedactor,
  type OriginalSample,
} from '../hygiene/export-redact.js';
import { scanTexts, type Scanner } from '../hygiene/scan-text.js';

export interface StoreExportOptions extends Omit<
  RunExportOptions,
  'candidates' | 'rule' | 'provenance' | 'embedText' | 'hygiene'
> {
  rule: ExportRuleInput;
  /** Licenses, drop-flagged, heuristic filters, redaction (redaction and the basic filters are on by default). */
  hygiene?: HygieneRuleInput;
  /** Skip the write when `outDir` already holds an export of exactly these inputs. */
  skipIfUnchanged?: boolean;
}

/**
 * Exports from a dataset: resolves the current labels and the active classifier from the store,
 * loads text and vectors only for samples the rule can keep, and records the export.
 */
export async function exportFromStore(
  store: DatasetStore,
  o: StoreExportOptions,
): Promise<ExportResult & { skipped?: boolean; fingerprint: string }> {
  // Fail before any work when the output folder may not be written.
  if (!o.dryRun) await assertOutDirUsable(o.outDir, o.overwrite ?? false, store.dir);
  const idx = store.index;
  const model = await activeModel(store);
  const rule = parseExportRule({ ...o.rule, modelThreshold: o.rule.modelThreshold ?? model?.threshold ?? null });
  const llmSource = store.activeLlmSource();
  const hygieneRule = HygieneRuleSchema.parse(o.hygiene ?? {});
  const candidateOf = (
    r: number,
    text: string,
    meta: Record<string, unknown>,
    repo: string | null,
    embedding: Float32Array | null,
  ): ExportCandidate => ({
    id: idx.ids[r],
    text,
    language: idx.language[r],
    source: idx.source[r],
    repo,
    path: idx.path[r],
    tokens: idx.tokens[r],
    llmScore: nan(idx.llm[r]),
    humanScore: nan(idx.human[r]),
    llmKeep: idx.llmKeep[r] === -1 ? null : idx.llmKeep[r] === 1,
    humanKeep: idx.humanKeep[r] === -1 ? null : idx.humanKeep[r] === 1,
    classifierScore: nan(idx.cls[r]),
    embedding,
    metadata: meta,
  });
  // Pass 1 over the index (no I/O): which samples can the rule keep at all?
  const maybe = new Set<string>();
  for (let r = 0; r < idx.size; r++)
    if (decideSample(candidateOf(r, '', {}, null, null), rule).keep) maybe.add(idx.ids[r]);
  const embedderId = model?.embedderId ?? store.config.defaultEmbedder;
  let vectors = new Map<string, Float32Array>();
  if (rule.nearDup !== null) {
    if (!embedderId) throw new CodedError('conflict', 'near-dup needs vectors: run `tbs embed` first');
    vectors = await readVectors(await embeddingTable(store, await embedderById(store, embedderId)), maybe);
  }
  // The embedding match compares with the samples' own embedder; without one, the offline default.
  const deconEmbedder =
    rule.decontaminate.cosine === null || !(o.benchmarks ?? []).length
      ? null
      : embedderId
        ? await embedderById(store, embedderId)
        : (await resolveEmbedder(store)).embedder;
  const templates = await datasetTemplates(store);
  const [llmTemplateId, llmModel] = llmSource ? llmSource.split('@') : [null, null];
  const fingerprint = createHash('sha256')
    .update(
      JSON.stringify({
        rule,
        hygiene: {
          rule: hygieneRule,
          // What redaction covers: a change re-exports a folder that an older version wrote.
          ...(hygieneRule.redact ? { covers: EXPORT_REDACTION } : {}),
          runs: (['secret', 'pii', 'license'] as const).map((k) => store.annotations.runsOf(k).length),
        },
        format: o.format,
        model: model?.modelId ?? null,
        llmSource,
        consensusRule: store.config.consensusRule,
        n: idx.size,
        labelsVersion: store.labelsVersion,
        benchmarks: await benchmarkFingerprint(o.benchmarks ?? []),
        // Only when given, so an export without subsets keeps the fingerprint it always had.
        ...(o.subsets ? { subsets: o.subsets } : {}),
        annotations: store.annotations.fingerprint(),
        maybe: createHash('sha256')
          .update([...maybe].sort().join('\n'))
          .digest('hex'),
      }),
    )
    .digest('hex')
    .slice(0, 32);
  if (o.skipIfUnchanged && !o.dryRun) {
    try {
      const prev = JSON.parse(await readFile(join(o.outDir, 'manifest.json'), 'utf8')) as {
        provenance?: { extra?: { inputsFingerprint?: string } };
      };
      if (prev.provenance?.extra?.inputsFingerprint === fingerprint) {
        return {
          skipped: true,
          fingerprint,
          rule,
          funnel: [],
          histogram: {} as ExportResult['histogram'],
          dropReasons: {},
          clusters: [],
          contaminated: [],
          benchmarkErrors: [],
          benchmarkReport: [],
          budgetBuckets: [],
          warnings: [],
          files: [],
          manifestPath: join(o.outDir, 'manifest.json'),
          outDir: o.outDir,
        };
      }
    } catch {
      /* no previous export */
    }
  }
  async function* candidates(): AsyncGenerator<ExportCandidate> {
    const samples = await store.table('samples');
    // Pass 1, the id column alone: samples the rule drops anyway travel without text (no more
    // reads for them), the others' places in the table are noted.
    // NOTE: at 10^6 rows with a third kept, scanning every row's text took ~21 s of LanceDB work
    // (26 s of CPU); taking the kept rows by offset ~8 s, and the id scan ~0.7 s.
    const wanted: { offset: number; id: string; r: number }[] = [];
    let offset = 0;
    for await (const b of samples.query().select(['id'])) {
      const id = b.getChild('id')!;
      for (let i = 0; i < b.numRows; i++, offset++) {
        const sid = id.get(i) as string;
        const r = idx.row(sid);
        if (r === undefined) continue;
        if (maybe.has(sid)) wanted.push({ offset, id: sid, r });
        else yield candidateOf(r, '', {}, null, null);
      }
    }
    // Pass 2: the kept rows by offset, a slice at a time, the next two read while this one is used.
    const SLICE = 16_384;
    const take = (from: number) => {
      const p = samples
        .takeOffsets(wanted.slice(from, from + SLICE).map((w) => w.offset))
        .select(['id', 'text', 'repo', 'metadata'])
        .toArrow();
      // Awaited below; this only keeps a read left behind by a cancel from counting as unhandled.
      p.catch(() => {});
      return p;
    };
    // NOTE: two slices in flight: one take kept LanceDB's decoding at ~half a core while this
    // thread waited on it (~13 s idle in the read at 10^6).
    const AHEAD = 2;
    const pending: Promise<Awaited<ReturnType<typeof take>>>[] = [];
    let asked = 0;
    const ask = () => {
      while (pending.length < AHEAD && asked < wanted.length) {
        pending.push(take(asked));
        asked += SLICE;
      }
    };
    ask();
    for (let from = 0; pending.length; from += SLICE) {
      const t = await pending.shift()!;
      ask();
      const id = t.getChild('id')!;
      const text = t.getChild('text')!;
      const repo = t.getChild('repo')!;
      const meta = t.getChild('metadata')!;
      const part = wanted.slice(from, from + SLICE);
      if (t.numRows !== part.length)
        throw new CodedError(
          'conflict',
          `the samples table changed during the export (${t.numRows} of ${part.length} rows read back)`,
        );
      // NOTE: rows are matched by id, not position: LanceDB does not promise the offsets' order.
      const byId = new Map<string, (typeof part)[number][]>();
      for (const w of part) {
        const list = byId.get(w.id);
        if (list) list.push(w);
        else byId.set(w.id, [w]);
      }
      for (let i = 0; i < t.numRows; i++) {
        const w = byId.get(id.get(i) as string)?.shift();
        if (!w)
          throw new CodedError(
            'conflict',
            `the samples table changed during the export (row ${id.get(i)} was not asked for)`,
          );
        yield candidateOf(
          w.r,
          text.get(i),
          JSON.parse(meta.get(i) || '{}'),
          repo.get(i) ?? null,
          vectors.get(w.id) ?? null,
        );
      }
    }
    // Every text is read: the hashing ahead runs beside hygiene and exact dedup (one thread, while
    // the main thread works alone), not beside LanceDB's reads, which it slowed by ~10 s at 10^6.
    prehash?.start(1);
  }
  // NOTE: with redaction on, module names (`34.201.57.61/acme/lib`) are scanned like the text and
  // redacted before counting, so the chart, the card and the manifest never name a flagged value.
  // Scans an export needs (samples never scanned, evidence, module names) run on the pool when it has threads.
  const pool = o.pool;
  const scan: Scanner = pool ? (texts) => pool.scan(texts) : scanTexts;
  const modules = new ValueRedactor(scan);
  const checkOpts = {
    ...rule.decontaminate,
    embedder: deconEmbedder,
    signal: o.signal,
    pool: o.pool,
    onProgress: (d: number, t: number) => o.onProgress?.({ phase: 'decontaminate', done: d, total: t }),
  };
  let ahead: Promise<void> = Promise.resolve();
  let aheadCheck: ContaminationCheck | undefined;
  /** Survivors to check, once near-dup is done (null while it goes on). */
  let deconTotal: number | null = null;
  // With threads, the LSH hashing of these vectors starts once the texts are read (see candidates()).
  const nd = o.nearDupCandidates;
  const prehash =
    rule.nearDup !== null &&
    o.pool &&
    o.pool.workers > 1 &&
    nearDupMode(vectors.size, {
      threshold: rule.nearDup,
      candidates: nd?.mode,
      exhaustiveBelow: nd?.exhaustiveBelow,
    }) === 'lsh'
      ? startPrehash([...vectors.values()], nd?.lsh, o.pool.lshPrebits, { paused: true })
      : null;
  let res: ExportResult;
  try {
    res = await runExport({
      ...o,
      nearDupPrehash: prehash,
      importsOf: async (ids) => {
        const { byId } = await ensureImports(store, { ids });
        return countImports(hygieneRule.redact ? await redactModuleLists(byId, ids, modules) : byId, ids, 10);
      },
      datasetDir: store.dir,
      candidates: candidates(),
      rule,
      hygiene: { rule: o.hygiene ?? {}, facts: store.hygiene, scan },
      decontaminateAhead: (items, benchmarkItems) => {
        ahead = ahead.then(async () => {
          const scope = contaminationScope(benchmarkItems, checkOpts, deconEmbedder?.id ?? null);
          const todo = items
            .filter((r) => store.annotations.checkedBy(r.candidate.id, 'contamination')?.scope !== scope)
            .map((r) => ({ id: r.candidate.id, text: r.candidate.originalText ?? r.candidate.text }));
          // Nothing to check (all checked for this scope already): no matcher built, nothing written.
          if (!todo.length) return;
          aheadCheck ??= await openContaminationCheck(
            store,
            benchmarkItems,
            { ...checkOpts, onProgress: undefined },
            (d) => {
              // While near-dup goes on, its progress is the one shown (one phase at a time); the
              // check's shows once near-dup is done and the export waits for the check.
              if (deconTotal !== null) o.onProgress?.({ phase: 'decontaminate', done: d, total: deconTotal });
            },
          );
          await aheadCheck.add(todo);
        });
        // Awaited by decontaminateWith; this only keeps a failure from counting as unhandled before then.
        ahead.catch(() => {});
      },
      decontaminateWith: async (items, benchmarkItems) => {
        // What was handed over during near-dup is checked (and recorded) first; the check below
        // then finds those samples done and checks only the rest.
        deconTotal = items.length;
        await ahead;
        await aheadCheck?.finish();
        if (!benchmarkItems.length) return { kept: items, dropped: [], itemsTooShort: 0 };
        const ids = items.map((r) => r.candidate.id);
        // The stored texts (before redaction): what the check matches and the evidence quotes.
        const texts = new Map(items.map((r) => [r.candidate.id, r.candidate.originalText ?? r.candidate.text]));
        await checkStoredSamples(store, benchmarkItems, { ...checkOpts, texts }, new Set(ids));
        const { dropped, overruled } = storedContamination(store, ids);
        const removed = ids.flatMap((id) => dropped.get(id) ?? []);
        return {
          kept: items.filter((r) => !dropped.has(r.candidate.id)),
          // Stored evidence quotes the original text; the export quotes it redacted.
          dropped: hygieneRule.redact
            ? await redactContamination(removed, originalsOf(store, texts, scan), scan)
            : removed,
          overruled,
          itemsTooShort: 0,
        };
      },
      title: o.title ?? `${store.config.name} (Textbook Studio export)`,
      provenance: {
        dataset: store.config.name,
        embedderId: embedderId ?? null,
        promptTemplates: templates
          .filter((t) => t.template.id === llmTemplateId)
          .map((t) => ({ id: t.template.id, hash: t.hash, text: `${t.template.system}\n\n${t.template.user}` })),
        llmModels: llmModel ? [llmModel] : [],
        classifier: model
          ? {
              modelId: model.modelId,
              embedderId: model.embedderId,
              threshold: model.threshold,
              metrics: { ...model.metrics, prCurve: undefined },
            }
          : null,
        extra: {
          inputsFingerprint: fingerprint,
          llmSource,
          keepThreshold: store.config.keepThreshold,
          // The human value every kept/dropped decision used: adjudication first, then this rule.
          humanResolution: { adjudicationWins: true, consensusRule: store.config.consensusRule },
        },
      },
    });
  } finally {
    // A failed export leaves no check or hashing running behind it (no run recorded after it returns).
    prehash?.stop();
    await prehash?.finish(1);
    await ahead.catch(() => {});
    await aheadCheck?.abandon();
  }
  // NOTE: a read-only open (another process holds the dataset) exports without logging the export.
  if (!o.dryRun && res.manifestPath && !store.readOnly) {
    await (
      await store.table('exports')
    ).add([
      {
        export_id: randomUUID(),
        out_dir: res.outDir ?? o.outDir,
        manifest: await readFile(res.manifestPath, 'utf8'),
        created_at: new Date().toISOString(),
      },
    ]);
  }
  return { ...res, fingerprint };
}

/**
 * Original texts and spans of samples whose evidence an export quotes, from the stored texts the
 * export already holds: only the ones with spans (stored, or scanned now when they never were).
 */
function originalsOf(store: DatasetStore, texts: ReadonlyMap<string, string>, scan: Scanner) {
  return async (ids: string[]) => {
    const out = new Map<string, OriginalSample>();
    const want = ids.filter((id) => texts.has(id) && (store.hygiene.spansOf(id) ?? [null]).length > 0);
    const unscanned = want.filter((id) => !store.hygiene.spansOf(id));
    const scanned = await scan(unscanned.map((id) => texts.get(id)!));
    const fresh = new Map(unscanned.map((id, k) => [id, scanned[k].spans]));
    for (const id of want) {
      const spans = store.hygiene.spansOf(id) ?? fresh.get(id) ?? [];
      if (spans.length) out.set(id, { text: texts.get(id)!, spans });
    }
    return out;
  };
}

function nan(v: number): number | null {
  return Number.isNaN(v) ? null : v;
}
