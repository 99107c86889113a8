import { useEffect } from 'react';
import { useApp, viewFromHash } from './state/app-slice.js';
import { useBrowse } from './state/browse-slice.js';
import { useImport } from './state/import-slice.js';
import { useJobs } from './state/jobs-slice.js';
import { useReview } from './state/review-slice.js';
import { studio } from './transport/studio-client.js';
import { TopBar } from './features/shell/top-bar.js';
import { ShortcutsDialog } from './features/shell/shortcuts-dialog.js';
import { SettingsDialog } from './features/settings/settings-dialog.js';
import { ReviewView } from './features/review/review-view.js';
import { BrowseView } from './features/browse/browse-view.js';
import { DatasetsView } from './features/datasets/datasets-view.js';
import { StatsView } from './features/stats/stats-view.js';
import { TrainView } from './features/train/train-view.js';
import { ExportView } from './features/export/export-view.js';
import { CompareView } from './features/compare/compare-view.js';
import { EmptyState } from './ui/widgets.js';

/** Wires push events to the slices once, for the app's lifetime. */
function useStudioEvents() {
  useEffect(() => {
    let samplesTimer: ReturnType<typeof setTimeout> | undefined;
    const offs = [
      studio.on('job-progress', (p) => {
        useJobs.getState().onProgress(p);
        useImport.getState().onProgress(p);
      }),
      studio.on('job-state', (s) => useJobs.getState().onState(s)),
      studio.on('samples-changed', (e) => {
        // Labels made here refresh their own rows; imports and jobs change what lists show.
        if (e.reason.startsWith('labels.addHuman') || e.reason.startsWith('labels.retract')) return;
        clearTimeout(samplesTimer);
        samplesTimer = setTimeout(() => {
          void useApp.getState().refreshCounts();
          useBrowse.getState().refresh();
        }, 250);
      }),
      studio.on('dataset-changed', (e) => {
        useApp.getState().setDataset(e.dataset);
        useReview.getState().reset();
        useBrowse.getState().refresh();
        useJobs.getState().clearFinished();
        if (e.dataset) {
          void useApp.getState().refreshCounts();
          useReview.getState().resumeOutbox();
        }
      }),
    ];
    return () => {
      offs.forEach((off) => off());
      clearTimeout(samplesTimer);
    };
  }, []);
}

export function App() {
  const { ready, fatal, view, dataset, settingsOpen, shortcutsOpen } = useApp();
  useStudioEvents();

  useEffect(() => {
    void useApp
      .getState()
      .load()
      .then(() => {
        if (useApp.getState().dataset) useReview.getState().resumeOutbox();
        void useJobs
          .getState()
          .refresh()
          .catch(() => {});
      });
  }, []);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement | null;
      if (t && (t.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(t.tagName))) return;
      if (e.key === '?' && !e.ctrlKey && !e.metaKey) {
        e.preventDefault();
        useApp.getState().setShortcutsOpen(!useApp.getState().shortcutsOpen);
      }
    };
    const onHash = () => {
      const v = viewFromHash();
      if (v) useApp.getState().setView(v);
    };
    window.addEventListener('keydown', onKey);
    window.addEventListener('hashchange', onHash);
    return () => {
      window.removeEventListener('keydown', onKey);
      window.removeEventListener('hashchange', onHash);
    };
  }, []);

  if (!ready)
    return (
      <div className="boot" aria-busy="true">
        Loading Textbook Studio…
      </div>
    );
  if (fatal) {
    return (
      <div className="app app-fatal">
        <EmptyState icon="⚠" title="The studio cannot reach its engine">
          <p className="mono">{fatal}</p>
          <p>
            In browser mode, open the exact URL that <code>tbs serve</code> printed (it carries the access token).
          </p>
        </EmptyState>
      </div>
    );
  }

  const needsDataset = !dataset && view !== 'datasets';
  return (
    <div className="app">
      <TopBar />
      <main className="main" data-view={view}>
        {needsDataset ? (
          <DatasetsView />
        ) : (
          <>
            {view === 'review' && <ReviewView />}
            {view === 'browse' && <BrowseView />}
            {view === 'train' && <TrainView />}
            {view === 'export' && <ExportView />}
            {view === 'stats' && <StatsView />}
            {view === 'datasets' && <DatasetsView />}
            {view === 'compare' && <CompareView />}
          </>
        )}
      </main>
      {settingsOpen && <SettingsDialog />}
      {shortcutsOpen && <ShortcutsDialog />}
    </div>
  );
}
