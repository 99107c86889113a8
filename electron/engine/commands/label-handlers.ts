import { randomUUID } from 'node:crypto';
import type { CommandArgs } from '../../../shared/api.js';
import type { labelCommands } from '../../../shared/contract/labels.js';
import type { LabelRecord } from '../../../shared/domain.js';
import { exportLabels, importHumanLabels } from '../label/label-io.js';
import { currentGuidelineVersion } from '../team/guidelines.js';
import type { HandlerFactory } from './handler-types.js';
import { CodedError } from '../../../shared/errors.js';

export const labelHandlers: HandlerFactory<keyof typeof labelCommands> = (engine) => {
  const addHuman = async (i: CommandArgs<'labels.addHuman'>): Promise<LabelRecord> => {
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
      // Every human label says which rubric version it was made under, and how long it took.
      details: {
        guidelineVersion: await currentGuidelineVersion(engine.store),
        ...(i.seconds !== undefined ? { seconds: Math.round(i.seconds * 10) / 10 } : {}),
      },
      createdAt: new Date().toISOString(),
    };
    await engine.store.appendLabels([rec]);
    return rec;
  };
  return {
    // NOTE: the lookup and the append of one requestId run alone, so concurrent retries store one record.
    'labels.addHuman': async (i) =>
      i.requestId ? engine.store.exclusive(`request:${i.requestId}`, () => addHuman(i)) : addHuman(i),
    'labels.importHuman': async (i) => {
      const r = await importHumanLabels(engine.store, i.path, { annotator: i.annotator });
      return { imported: r.imported, alreadyPresent: r.alreadyPresent, errors: r.errors.slice(0, 1000) };
    },
    'labels.export': async (i) => ({
      path: i.path,
      records: await exportLabels(engine.store, i.path, { kind: i.kind, overwrite: i.overwrite }),
    }),
    'labels.retract': async (i) => engine.store.appendRetraction(i.labelId, i.annotator),
  };
};
