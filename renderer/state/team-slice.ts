import { create } from 'zustand';
import type { StudioInput, StudioOutput } from '../../shared/contract/app.js';
import { call } from '../transport/studio-client.js';
import { useApp } from './app-slice.js';

/** Team labeling: who I am (a team server's sign-in), the dataset's consensus / blind settings, the guidelines panel. */
interface TeamState {
  me: StudioOutput<'team.whoami'> | null;
  settings: StudioOutput<'team.settings'> | null;
  guidelinesOpen: boolean;
  load(): Promise<void>;
  update(patch: StudioInput<'team.setSettings'>): Promise<void>;
  toggleGuidelines(): void;
}

export const useTeam = create<TeamState>()((set, get) => ({
  me: null,
  settings: null,
  guidelinesOpen: false,
  async load() {
    if (!useApp.getState().has('team.whoami')) return;
    const [me, settings] = await Promise.all([call('team.whoami', {}), call('team.settings', {})]);
    set({ me, settings });
  },
  async update(patch) {
    set({ settings: await call('team.setSettings', patch) });
  },
  toggleGuidelines() {
    set({ guidelinesOpen: !get().guidelinesOpen });
  },
}));

/** The name labels are made under: the sign-in on a team server, else the settings' annotator. */
export const myName = () => useTeam.getState().me?.name ?? useApp.getState().settings?.annotator ?? 'annotator';

/** Reviewer or owner: may adjudicate, edit guidelines and see everything. */
export const canReview = () => (useTeam.getState().me?.role ?? 'owner') !== 'annotator';
