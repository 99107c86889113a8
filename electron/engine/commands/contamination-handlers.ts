import type { contaminationCommands } from '../../../shared/contract/contamination.js';
import { CodedError } from '../../../shared/errors.js';
import type { HandlerFactory } from './handler-types.js';

const span = (v: unknown): [number, number] | null =>
  Array.isArray(v) && v.length === 2 && v.every((n) => typeof n === 'number') ? [v[0], v[1]] : null;

export const contaminationHandlers: HandlerFactory<keyof typeof contaminationCommands> = (engine) => ({
  'contamination.get': async (i) => {
    const ann = engine.store.annotations;
    const state = ann.state(i.id, 'contamination');
    if (!state) return { checked: false, matches: [] };
    return {
      checked: true,
      matches: state.annotations.map((a) => {
        const e = a.evidence;
        return {
          subject: a.subject,
          benchmark: String(e.benchmark ?? ''),
          item: String(e.item ?? ''),
          method: a.method as 'ngram' | 'ast' | 'embedding',
          similarity: typeof e.similarity === 'number' ? e.similarity : null,
          span: typeof e.span === 'string' ? e.span : null,
          sampleSpan: span(e.sampleSpan),
          itemSpan: span(e.itemSpan),
          itemCode: typeof e.itemCode === 'string' ? e.itemCode : null,
          decision: state.decisions.get(a.subject) ?? null,
        };
      }),
    };
  },
  'contamination.decide': async (i) => {
    const ann = engine.store.annotations;
    if (!ann.annotationsOf(i.id, 'contamination').some((a) => a.subject === i.subject))
      throw new CodedError('not_found', `sample ${i.id} has no current match ${i.subject}`);
    const [d] = await ann.appendDecisions([
      {
        sampleId: i.id,
        kind: 'contamination',
        subject: i.subject,
        verdict: i.verdict,
        annotator: i.annotator,
        note: i.note,
      },
    ]);
    return d;
  },
});
