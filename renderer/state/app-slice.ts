import { create } from 'zustand';
import type { DatasetInfo, PublicSettings, StudioInput } from '../../shared/contract/app.js';
import { call } from '../transport/studio-client.js';

/** The app as a whole: which host, which dataset, the settings the renderer may see, the view. */
export const VIEWS = ['review', 'browse', 'train', 'export', 'stats', 'datasets', 'compare'] as const;
export type View = (typeof VIEWS)[number];

export interface AppState {
  ready: boolean;
  mode: 'electron' | 'browser';
  dataset: DatasetInfo | null;
  settings: PublicSettings | null;
  commands: readonly string[];
  demoSamplesPath: string | null;
  view: View;
  settingsOpen: boolean;
  shortcutsOpen: boolean;
  /** Human-labeled samples / all samples: the server's counts, refreshed after labels. */
  counts: { reviewed: number; total: number } | null;
  fatal: string | null;
  load(): Promise<void>;
  setView(view: View): void;
  openDataset(dir: string, create: boolean): Promise<void>;
  setDataset(d: DatasetInfo | null): void;
  updateSettings(patch: StudioInput<'settings.update'>): Promise<void>;
  refreshCounts(): Promise<void>;
  /** Only the reviewed count (labels never change the total). */
  refreshReviewed(): Promise<void>;
  setSettingsOpen(open: boolean): void;
  setShortcutsOpen(open: boolean): void;
  has(command: string): boolean;
}

export const viewFromHash = (): View | null => {
  const v = window.location.hash.replace(/^#\/?/, '').split(/[/?]/)[0];
  return (VIEWS as readonly string[]).includes(v) ? (v as View) : null;
};

export const useApp = create<AppState>()((set, get) => ({
  ready: false,
  mode: 'browser',
  dataset: null,
  settings: null,
  commands: [],
  demoSamplesPath: null,
  view: viewFromHash() ?? 'review',
  settingsOpen: false,
  shortcutsOpen: false,
  counts: null,
  fatal: null,

  async load() {
    try {
      const s = await call('app.state', {});
      set({
        ready: true,
        mode: s.mode,
        dataset: s.dataset,
        settings: s.settings,
        commands: s.commands,
        demoSamplesPath: s.demoSamplesPath,
        view: s.dataset ? get().view : 'datasets',
      });
      if (s.dataset) await get().refreshCounts();
    } catch (e) {
      set({ fatal: (e as Error).message, ready: true });
    }
  },

  setView(view) {
    if (get().view === view) return;
    window.history.replaceState(null, '', `#/${view}`);
    set({ view });
  },

  async openDataset(dir, create) {
    const d = await call('dataset.open', { dir, create });
    const s = await call('app.state', {});
    set({
      dataset: { dir: d.dir, name: d.name, samples: d.samples, keepThreshold: d.keepThreshold },
      // Another dataset's counts are not this one's (an empty one showed the empty page here).
      counts: get().dataset?.dir === d.dir ? get().counts : null,
      settings: s.settings,
    });
    await get().refreshCounts();
  },

  setDataset(d) {
    set({ dataset: d, counts: d && d.dir === get().dataset?.dir ? get().counts : null });
  },

  async updateSettings(patch) {
    const settings = await call('settings.update', patch);
    set({ settings });
  },

  async refreshCounts() {
    const dir = get().dataset?.dir;
    if (!dir) return;
    const [human, all] = await Promise.all([
      call('samples.list', { labelState: 'human', limit: 1 }),
      call('samples.list', { limit: 1 }),
    ]);
    const d = get().dataset;
    // Answers for a dataset that is no longer open are not this one's counts.
    if (d?.dir !== dir) return;
    set({ counts: { reviewed: human.total, total: all.total }, dataset: d ? { ...d, samples: all.total } : d });
  },

  async refreshReviewed() {
    const c = get().counts;
    if (!get().dataset || !c) {
      await get().refreshCounts();
      return;
    }
    const human = await call('samples.list', { labelState: 'human', limit: 1 });
    set({ counts: { ...get().counts!, reviewed: human.total } });
  },

  setSettingsOpen(open) {
    set({ settingsOpen: open });
  },
  setShortcutsOpen(open) {
    set({ shortcutsOpen: open });
  },
  has(command) {
    return get().commands.includes(command);
  },
}));
