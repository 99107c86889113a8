import { useState } from 'react';
import { useApp } from '../../state/app-slice.js';
import { useBrowse } from '../../state/browse-slice.js';
import { useReview } from '../../state/review-slice.js';
import { call } from '../../transport/studio-client.js';
import { EmptyState, ImportIcon } from '../../ui/widgets.js';

/**
 * What an empty dataset says: import a folder, or open the demo — the whole offline pipeline
 * (labeled demo set + local stdlib, embed, train, score, export) as a job with progress.
 */
export function DatasetEmpty() {
  const { dataset, demoSamplesPath, mode } = useApp();
  const [demo, setDemo] = useState<{ state: 'idle' | 'running' | 'failed'; message?: string }>({ state: 'idle' });
  const openDemo = async () => {
    setDemo({ state: 'running' });
    try {
      await call('demo.run', { stdlib: true });
      await useApp.getState().refreshCounts();
      useBrowse.getState().refresh();
      const review = useReview.getState();
      void review.startQueue(review.queue);
      setDemo({ state: 'idle' });
    } catch (e) {
      setDemo({ state: 'failed', message: (e as Error).message });
    }
  };
  return (
    <div className="center-fill" data-testid="empty-dataset">
      <EmptyState
        icon={<ImportIcon />}
        title="Import a folder or open the demo dataset"
        actions={
          <>
            <button
              className="btn btn-primary"
              onClick={() => useApp.getState().setView('datasets')}
              data-testid="empty-import"
            >
              Import a folder…
            </button>
            {demoSamplesPath && (
              <button
                className="btn"
                disabled={demo.state === 'running'}
                onClick={() => void openDemo()}
                data-testid="empty-demo"
              >
                {demo.state === 'running' ? 'Running the demo pipeline…' : 'Open the demo dataset'}
              </button>
            )}
          </>
        }
      >
        <p>
          <strong>{dataset?.name}</strong> has no samples yet. Import source files (one sample per file, or per
          top-level function and class), JSONL, Parquet or CSV.
        </p>
        <p className="muted small">
          The demo imports 346 labeled Python samples and this machine&apos;s Python standard library, then embeds,
          trains, scores and exports, offline (about a minute; progress in the jobs indicator).
        </p>
        {demo.state === 'failed' && (
          <p className="error small" role="alert">
            Demo failed: {demo.message}
          </p>
        )}
        <p className="muted small">
          {mode === 'browser'
            ? 'In browser mode you type paths on the machine running tbs serve.'
            : 'You can pick files and folders with the system dialog.'}
        </p>
      </EmptyState>
    </div>
  );
}
