import { randomUUID } from 'node:crypto';
import type { labelCommands } from '../../../shared/contract/labels.js';
import type { LabelRecord } from '../../../shared/domain.js';
import { exportLabels, importHumanLabels } from '../label/label-io.js';
import type { HandlerFactory } from './handler-types.js';
import { CodedError } from '../../../shared/errors.js';

export const labelHandlers: HandlerFactory<keyof typeof labelCommands> = (engine) => ({
  'labels.addHuman': async (i) => {
    if (i.requestId) {
      const prior = await engine.store.findLabel(`req-${i.requestId}`);
      if (prior) {
        if (prior.sampleId !== i.sampleId || prior.score !== i.score || prior.agent !== i.annotator)
          throw new CodedError('conflict', `requestId ${i.requestId} was already used for a different label`);
        return prior;
      }
    }
    const rec: LabelRecord = {
      labelId: i.requestId ? `req-${i.requestId}` : randomUUID(),
      sampleId: i.sampleId,
      kind: 'human',
      score: i.score,
      keep: i.score >= engine.store.config.keepThreshold,
      rationale: null,
      agent: i.annotator,
      origin: i.origin,
      note: i.note,
      retracts: null,
      details: {},
      createdAt: new Date().toISOString(),
    };
    await engine.store.appendLabels([rec]);
    return rec;
  },
  'labels.importHuman': async (i) => {
    const r = await importHumanLabels(engine.store, i.path, { annotator: i.annotator });
    return { imported: r.imported, alreadyPresent: r.alreadyPresent, errors: r.errors.slice(0, 1000) };
  },
  'labels.export': async (i) => ({ path: i.path, records: await exportLabels(engine.store, i.path, { kind: i.kind }) }),
  'labels.retract': async (i) => engine.store.appendRetraction(i.labelId, i.annotator),
});
