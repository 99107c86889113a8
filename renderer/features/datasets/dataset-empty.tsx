import { useApp } from '../../state/app-slice.js';
import { EmptyState, ImportIcon } from '../../ui/widgets.js';
import { useStartImport } from './use-start-import.js';

/** What an empty dataset says: import a folder, or the demo samples. */
export function DatasetEmpty() {
  const { dataset, demoSamplesPath, mode } = useApp();
  const startImport = useStartImport();
  return (
    <div className="center-fill" data-testid="empty-dataset">
      <EmptyState
        icon={<ImportIcon />}
        title="Import a folder or open the demo dataset"
        actions={<>
          <button className="btn btn-primary" onClick={() => useApp.getState().setView('datasets')} data-testid="empty-import">Import a folder…</button>
          {demoSamplesPath && <button className="btn" onClick={() => void startImport([demoSamplesPath], 'file')} data-testid="empty-demo">Import the 346 demo samples</button>}
        </>}
      >
        <p><strong>{dataset?.name}</strong> has no samples yet. Import source files (one sample per file, or per top-level function and class), JSONL, Parquet or CSV.</p>
        <p className="muted small">{mode === 'browser' ? 'In browser mode you type paths on the machine running tbs serve.' : 'You can pick files and folders with the system dialog.'}</p>
      </EmptyState>
    </div>
  );
}
