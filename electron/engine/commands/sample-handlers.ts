import { CodedError } from '../../../shared/errors.js';
import type { sampleCommands } from '../../../shared/contract/samples.js';
import { importSamples } from '../use-cases/pipeline-steps.js';
import { flagOf } from '../hygiene/spans.js';
import type { HandlerFactory } from './handler-types.js';

export const sampleHandlers: HandlerFactory<keyof typeof sampleCommands> = (engine) => ({
  'dataset.open': async () => ({
    dir: engine.store.dir,
    name: engine.store.config.name,
    samples: engine.store.index.size,
    keepThreshold: engine.store.config.keepThreshold,
  }),
  'dataset.stats': async (i) => engine.stats({ language: i.language }),
  'samples.import': async (i) => {
    const job = engine.jobs.start('import', (ctx) =>
      engine.withPool((pool) =>
        importSamples(engine.store, i.paths, {
          ...i,
          pool,
          signal: ctx.signal,
          onProgress: (p) => ctx.progress('import', p.doneBytes, p.totalBytes),
        }),
      ),
    );
    const r = await job.result;
    return {
      jobId: job.jobId,
      imported: r.imported,
      duplicates: r.duplicates,
      errorCount: r.errorCount,
      errors: r.errors.slice(0, 1000),
      cancelled: r.cancelled,
    };
  },
  'samples.list': async (i) => {
    const page = await engine.query.list(i);
    const rows = await engine.query.withUnits(page.rows);
    return { total: page.total, rows: rows.map((r) => ({ ...r, flags: engine.store.hygiene.flagsOf(r.id) })) };
  },
  'samples.get': async (i) => {
    const sample = await engine.store.getSample(i.id);
    if (!sample) throw new CodedError('not_found', `no sample with id ${i.id}`);
    return {
      sample,
      labels: await engine.store.labelsOf(i.id),
      row: { ...engine.store.index.rowView(engine.store.index.row(i.id)!), flags: engine.store.hygiene.flagsOf(i.id) },
      // NOTE: offsets and kinds only; the text the reviewer sees is the sample's own (original) text.
      hygiene: {
        spans:
          engine.store.hygiene
            .displaySpansOf(i.id)
            ?.map((s) => ({ kind: s.kind, flag: flagOf(s), start: s.start, end: s.end })) ?? null,
        licenses: engine.store.hygiene.licensesOf(i.id),
      },
    };
  },
});
