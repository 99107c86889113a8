import type { SampleRow } from '../../shared/domain.js';
import { CodedError } from '../../shared/errors.js';
import type { Engine } from '../engine/engine.js';
import { hasLabeled, readAssignments } from '../engine/team/assignments.js';
import { authorizeInput, type TeamUser } from './users.js';

/**
 * What the team server checks around each call, beyond the role table in users.ts:
 * - an annotator labels only samples assigned to them, and undoes only their own labels;
 * - blind mode (the dataset's setting, on by default): on a sample assigned to an annotator that
 *   they have not labeled yet, other humans' and the LLM's scores never leave the server;
 * - `team.whoami` answers from the sign-in.
 */
export function createTeamGuard(engineOf: () => Engine | null) {
  const engine = () => {
    const e = engineOf();
    if (!e) throw new CodedError('conflict', 'no dataset is open');
    return e;
  };

  async function before(user: TeamUser, command: string, input: unknown): Promise<Record<string, unknown>> {
    const i = authorizeInput(user, command, input);
    if (user.role !== 'annotator') return i;
    const e = engine();
    if (command === 'labels.addHuman') {
      const sid = String(i.sampleId ?? '');
      const mine = await readAssignments(e.store, user.name);
      if (!mine.has(sid)) throw new CodedError('forbidden', `sample ${sid} is not assigned to ${user.name}`);
    }
    if (command === 'labels.retract') {
      const l = await e.store.findLabel(String(i.labelId ?? ''));
      if (l && l.agent !== user.name)
        throw new CodedError(
          'forbidden',
          `label ${l.labelId} was made by someone else; ${user.name} may undo only their own`,
        );
    }
    return i;
  }

  async function after(user: TeamUser, command: string, output: unknown): Promise<unknown> {
    if (command === 'team.whoami') return { name: user.name, role: user.role, team: true };
    if (user.role !== 'annotator') return output;
    const e = engine();
    if (!e.store.config.blindAssignments) return output;
    if (!['samples.get', 'samples.list', 'team.queue', 'samples.similar'].includes(command)) return output;
    const mine = await readAssignments(e.store, user.name);
    const blind = (id: string) => mine.has(id) && !hasLabeled(e.store, id, user.name);
    const hide = <R extends SampleRow>(r: R): R =>
      blind(r.id) ? { ...r, llm_score: null, human_score: null, human_spread: null, disagreement: null } : r;
    if (command === 'samples.get') {
      const o = output as { sample: { id: string }; labels: { kind: string; agent: string }[]; row: SampleRow };
      if (!blind(o.sample.id)) return o;
      return { ...o, labels: o.labels.filter((l) => l.kind === 'human' && l.agent === user.name), row: hide(o.row) };
    }
    if (command === 'samples.list') {
      const o = output as { total: number; rows: SampleRow[] };
      return { ...o, rows: o.rows.map(hide) };
    }
    return (output as SampleRow[]).map(hide);
  }

  return { before, after };
}
