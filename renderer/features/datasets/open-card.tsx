/** The Open or create card: open an existing dataset folder or create a new one (a picker in Electron). */
import { useState } from 'react';
import { useApp } from '../../state/app-slice.js';
import { call } from '../../transport/studio-client.js';

export function OpenCard({ mode }: { mode: 'electron' | 'browser' }) {
  const [dir, setDir] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const open = async (create: boolean, path = dir) => {
    if (!path.trim()) return;
    setBusy(true);
    setError(null);
    try {
      await useApp.getState().openDataset(path.trim(), create);
      useApp.getState().setView('datasets');
      setDir('');
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const choose = async () => {
    const r = await call('dialog.pickPaths', { purpose: 'dataset-folder' });
    if (r.paths[0]) await open(true, r.paths[0]);
  };
  return (
    <section className="card" data-testid="open-card">
      <header className="card-head">
        <h3>Open or create</h3>
      </header>
      <form
        className="form"
        onSubmit={(e) => {
          e.preventDefault();
          void open(false);
        }}
      >
        <label className="field">
          <span>Dataset folder</span>
          <input
            className="mono"
            value={dir}
            onChange={(e) => setDir(e.target.value)}
            placeholder="/data/my-dataset"
            data-testid="open-path"
          />
        </label>
        <div className="row gap">
          <button type="submit" className="btn" disabled={busy || !dir.trim()}>
            Open
          </button>
          <button
            type="button"
            className="btn btn-primary"
            disabled={busy || !dir.trim()}
            onClick={() => void open(true)}
            data-testid="create-dataset"
          >
            Create
          </button>
          {mode === 'electron' && (
            <button type="button" className="btn" onClick={() => void choose()}>
              Choose…
            </button>
          )}
        </div>
        <p className="muted small">Create makes the folder if it does not exist (it must be empty or missing).</p>
        {error && (
          <p className="error-text" role="alert">
            {error}
          </p>
        )}
      </form>
    </section>
  );
}
