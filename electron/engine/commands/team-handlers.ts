import type { teamCommands } from '../../../shared/contract/team.js';
import { adjudicate } from '../team/adjudication.js';
import { assignSamples, assignedQueue, disagreementsQueue, TeamInputError } from '../team/assignments.js';
import { getGuideline, saveGuideline } from '../team/guidelines.js';
import { humansAgreement } from '../team/human-agreement.js';
import type { HandlerFactory } from './handler-types.js';

export const teamHandlers: HandlerFactory<keyof typeof teamCommands> = (engine) => {
  const settings = () => ({
    consensusRule: engine.store.config.consensusRule,
    blindAssignments: engine.store.config.blindAssignments,
    keepThreshold: engine.store.config.keepThreshold,
  });
  return {
    'team.settings': async () => settings(),
    'team.setSettings': async (i) => {
      if (i.consensusRule && i.consensusRule !== engine.store.config.consensusRule)
        await engine.store.setConsensusRule(i.consensusRule);
      if (i.blindAssignments !== undefined && i.blindAssignments !== engine.store.config.blindAssignments)
        await engine.store.folder.saveConfig({ ...engine.store.config, blindAssignments: i.blindAssignments });
      return settings();
    },
    'team.assign': async (i) => assignSamples(engine.store, i),
    'team.queue': async (i) => {
      if (i.kind === 'disagreements') return disagreementsQueue(engine.store, i.limit);
      if (!i.annotator) throw new TeamInputError('the assigned queue needs an annotator');
      return assignedQueue(engine.store, i.annotator, i.limit);
    },
    'team.adjudicate': async (i) => adjudicate(engine.store, i),
    'team.agreement': async () => humansAgreement(engine.store),
    'guidelines.get': async (i) => getGuideline(engine.store, i.version),
    'guidelines.save': async (i) => saveGuideline(engine.store, i.body, i.author),
    // Local use is one person who owns the dataset; a team server answers this from the sign-in.
    'team.whoami': async () => ({ name: null, role: 'owner' as const, team: false }),
  };
};
