import { jsonErrorSummary } from '../ingest/read-items.js';
import { pushAll } from '../../../shared/arrays.js';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { lstat } from 'node:fs/promises';
import { CodedError } from '../../../shared/errors.js';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { parse as parseCsv } from 'csv-parse';
import type { ImportError, LabelRecord } from '../../../shared/domain.js';
import type { DatasetStore } from '../store/dataset-store.js';
import { labelFromRow } from '../store/row-mapping.js';
import { sampleIdOf } from '../ingest/normalize.js';
import { writeOutputFile } from '../curate/output-dir.js';

export interface LabelImportSummary {
  imported: number;
  alreadyPresent: number;
  errors: ImportError[];
}

/**
 * Imports human labels made elsewhere (JSONL or CSV): a sample is named by `id`/`sample_id` or by
 * its code (`text`/`content`/`code`, matched by content hash); `score` 0-5 (or `keep` for a binary
 * verdict), `annotator` (or the default), optional `note` and `rationale`. Each row becomes a human
 * label with origin `import`; its id is a hash of the row, so importing the same file twice adds nothing.
 */
/**
 * A cell's value in an error message only when it is short: a long one may be anything (a key
 * pasted into the wrong column), and errors reach the terminal and `--json` output.
 */
function shown(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length <= 12 ? s : `(a ${typeof v} of ${s.length} characters)`;
}

export function importHumanLabels(
  store: DatasetStore,
  file: string,
  opts: { annotator?: string } = {},
): Promise<LabelImportSummary> {
  // Two imports of one file at once would both miss each other's label ids.
  return store.exclusive('labels-import', () => importHumanLabelsAlone(store, file, opts));
}

async function importHumanLabelsAlone(
  store: DatasetStore,
  file: string,
  opts: { annotator?: string },
): Promise<LabelImportSummary> {
  const out: LabelImportSummary = { imported: 0, alreadyPresent: 0, errors: [] };
  const existing = new Set<string>();
  for (const hist of store.index.humanHistory.values()) for (const h of hist) existing.add(h.labelId);
  const batch: LabelRecord[] = [];
  const err = (line: number, field: string | null, message: string) => out.errors.push({ file, line, field, message });
  // Records of `tbs labels export` (the offline team workflow): retractions in the file cancel the labels they name.
  const retractedInFile = new Set<string>();
  const handle = (row: Record<string, unknown>, line: number) => {
    const fromExport = typeof row.labelId === 'string' && typeof row.kind === 'string';
    if (fromExport && row.kind !== 'human')
      return err(line, 'kind', `a ${shown(row.kind)} label; only human labels import`);
    if (fromExport && typeof row.retracts === 'string' && row.retracts) {
      retractedInFile.add(row.retracts);
      return;
    }
    const idField = ['sample_id', 'sampleId', 'id'].find((f) => typeof row[f] === 'string' && row[f]);
    const textField = ['text', 'content', 'code'].find((f) => typeof row[f] === 'string' && row[f]);
    const sampleId = idField ? String(row[idField]) : textField ? sampleIdOf(String(row[textField])) : null;
    if (!sampleId) return err(line, 'id|text', 'no sample id or text');
    if (!store.index.has(sampleId))
      return err(
        line,
        idField ?? textField!,
        `no sample ${idField ? (/^[0-9a-f]{8,64}$/.test(sampleId) ? sampleId : 'with this id') : 'with this text'} in the dataset`,
      );
    const rawScore = row.score;
    let score: number | null = null;
    let keep: boolean;
    if (rawScore !== undefined && rawScore !== null && rawScore !== '') {
      score = Number(rawScore);
      if (!Number.isInteger(score) || score < 0 || score > 5)
        return err(line, 'score', `score ${shown(rawScore)} is not an integer 0-5`);
      keep = score >= store.config.keepThreshold;
    } else if (row.keep !== undefined && row.keep !== '') {
      const k = String(row.keep).toLowerCase();
      if (!['true', 'false', '1', '0', 'keep', 'drop'].includes(k))
        return err(line, 'keep', `keep ${shown(row.keep)} is not a boolean`);
      keep = ['true', '1', 'keep'].includes(k);
    } else return err(line, 'score', 'no score (0-5) or keep verdict');
    const annotator =
      (typeof row.annotator === 'string' && row.annotator) ||
      (fromExport && typeof row.agent === 'string' && row.agent) ||
      opts.annotator;
    if (!annotator) return err(line, 'annotator', 'no annotator (add the column or pass --annotator)');
    const note = typeof row.note === 'string' && row.note ? row.note : null;
    const rationale = typeof row.rationale === 'string' && row.rationale ? row.rationale : null;
    const labelId =
      'imp-' +
      createHash('sha256')
        .update(
          JSON.stringify(
            fromExport
              ? [sampleId, annotator, score, keep, note, rationale, row.labelId]
              : [sampleId, annotator, score, keep, note, rationale],
          ),
        )
        .digest('hex')
        .slice(0, 28);
    if (existing.has(labelId)) {
      out.alreadyPresent++;
      return;
    }
    existing.add(labelId);
    batch.push({
      labelId,
      sampleId,
      kind: 'human',
      score,
      keep,
      rationale,
      agent: annotator,
      // A reviewer's adjudication made offline still settles the sample once imported.
      origin: fromExport && row.origin === 'adjudication' ? 'adjudication' : 'import',
      note,
      retracts: null,
      details: fromExport ? { file, line, ...exportProvenance(row) } : { file, line },
      createdAt: new Date().toISOString(),
    });
  };
  // A mistyped path or a folder is a clear error, not an unhandled stream error that kills the host.
  const info = await lstat(file).catch((e: NodeJS.ErrnoException) => {
    throw new CodedError(e.code === 'ENOENT' ? 'not_found' : 'invalid_input', `${file}: ${e.message}`);
  });
  if (!info.isFile()) throw new CodedError('invalid_input', `${file} is not a regular file`);
  const input = createReadStream(file);
  let streamError: Error | null = null;
  if (/\.csv$/i.test(file)) {
    let line = 1;
    const parser = parseCsv({ columns: true, skip_empty_lines: true, bom: true, relax_column_count: true });
    input.on('error', (e) => parser.destroy(e));
    try {
      for await (const rec of input.pipe(parser)) handle(rec, ++line);
    } catch (e) {
      throw new CodedError('invalid_input', `${file}:${line + 1}: ${(e as Error).message}`);
    }
  } else {
    let line = 0;
    const rl = createInterface({ input, crlfDelay: Infinity });
    input.on('error', (e) => {
      streamError = e;
      rl.close();
    });
    for await (const raw of rl) {
      line++;
      if (!raw.trim()) continue;
      let row: unknown;
      try {
        row = JSON.parse(raw);
      } catch (e) {
        err(line, null, `malformed JSON: ${jsonErrorSummary((e as Error).message)}`);
        continue;
      }
      if (!row || typeof row !== 'object') {
        err(line, null, 'row is not an object');
        continue;
      }
      handle(row as Record<string, unknown>, line);
    }
    if (streamError) throw new CodedError('invalid_input', `${file}: ${(streamError as Error).message}`);
  }
  if (retractedInFile.size) {
    const kept = batch.filter((b) => !retractedInFile.has(b.details.sourceLabelId as string));
    batch.length = 0;
    pushAll(batch, kept);
  }
  for (let i = 0; i < batch.length; i += 5000) await store.appendLabels(batch.slice(i, i + 5000));
  await store.flush();
  out.imported = batch.length;
  return out;
}

/** Writes every label record (or one kind) as JSONL, oldest first. Returns the count. */
export async function exportLabels(
  store: DatasetStore,
  out: NodeJS.WritableStream | string,
  opts: { kind?: 'llm' | 'human'; overwrite?: boolean } = {},
): Promise<number> {
  await store.flush();
  // Pending first: a record leaves the pending list only once the table holds it.
  const pending = [...store.pendingLabels()];
  const table = await store.table('labels');
  const rows = (await (opts.kind ? table.query().where(`kind = '${opts.kind}'`) : table.query()).toArray()).map((r) =>
    labelFromRow(r),
  );
  // A read-only open cannot flush: acknowledged records still in the writer's journal count too.
  const stored = new Set(rows.map((r) => r.labelId));
  for (const p of pending) if (!stored.has(p.labelId) && (!opts.kind || p.kind === opts.kind)) rows.push(p);
  rows.sort((a, b) =>
    a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.labelId < b.labelId ? -1 : 1,
  );
  const writeAll = async (stream: NodeJS.WritableStream) => {
    for (const r of rows) if (!stream.write(JSON.stringify(r) + '\n')) await once(stream, 'drain');
  };
  if (typeof out !== 'string') {
    await writeAll(out);
    return rows.length;
  }
  // A file output never replaces an existing file unasked, and never lands inside the dataset.
  await writeOutputFile(
    out,
    async (tmp) => {
      const stream = createWriteStream(tmp, { flags: 'wx' });
      const failed = new Promise<never>((_, reject) => stream.once('error', reject));
      await Promise.race([writeAll(stream), failed]);
      stream.end();
      await Promise.race([once(stream, 'finish'), failed]);
    },
    { overwrite: opts.overwrite ?? false, datasetDir: store.dir },
  );
  return rows.length;
}

/** What an imported export record keeps of where it came from (the original id, time, rubric version, timing). */
function exportProvenance(row: Record<string, unknown>): Record<string, unknown> {
  const d = (row.details && typeof row.details === 'object' ? row.details : {}) as Record<string, unknown>;
  return {
    sourceLabelId: row.labelId,
    sourceCreatedAt: row.createdAt ?? null,
    sourceOrigin: row.origin ?? null,
    ...(d.guidelineVersion !== undefined ? { guidelineVersion: d.guidelineVersion } : {}),
    ...(d.seconds !== undefined ? { seconds: d.seconds } : {}),
    ...(Array.isArray(d.settles) ? { settles: d.settles } : {}),
  };
}
