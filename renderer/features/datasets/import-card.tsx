/** The Import card: paths or pickers, chunking choice, progress with cancel, result, and the import errors. */
import { useEffect, useState } from 'react';
import type { ChunkMode } from '../../../shared/enums.js';
import { useApp } from '../../state/app-slice.js';
import { useImport } from '../../state/import-slice.js';
import { call } from '../../transport/studio-client.js';
import { counted, fmtBytes, fmtInt } from '../../ui/format.js';
import { Progress } from '../../ui/widgets.js';
import { useStartImport } from './use-start-import.js';

export function ImportCard() {
  const { mode, demoSamplesPath } = useApp();
  const imp = useImport();
  const startImport = useStartImport();
  const [paths, setPaths] = useState('');
  const [chunk, setChunk] = useState<ChunkMode>('function');
  const list = paths
    .split('\n')
    .map((p) => p.trim())
    .filter(Boolean);

  const pick = async (purpose: 'import-files' | 'import-folder') => {
    const r = await call('dialog.pickPaths', { purpose });
    if (r.paths.length) setPaths([...list, ...r.paths].join('\n'));
  };

  return (
    <section className="card" data-testid="import-card" data-progress-events={imp.progressEvents}>
      <header className="card-head">
        <h3>Import</h3>
      </header>
      <form
        className="form"
        onSubmit={(e) => {
          e.preventDefault();
          if (list.length) void startImport(list, chunk);
        }}
      >
        <label className="field">
          <span>
            Files or folders{' '}
            {mode === 'browser' && (
              <span className="muted small">(paths on the machine running tbs serve, one per line)</span>
            )}
          </span>
          <textarea
            rows={3}
            className="mono"
            value={paths}
            onChange={(e) => setPaths(e.target.value)}
            data-testid="import-paths"
            placeholder={'/path/to/repo\n/data/the-stack-python.parquet\nsamples.jsonl.gz'}
            onKeyDown={(e) => {
              if (e.key === 'Enter' && (e.ctrlKey || e.metaKey) && list.length && !imp.running) {
                e.preventDefault();
                void startImport(list, chunk);
              }
            }}
          />
        </label>
        {mode === 'electron' && (
          <div className="row gap">
            <button type="button" className="btn" onClick={() => void pick('import-folder')}>
              Choose folders…
            </button>
            <button type="button" className="btn" onClick={() => void pick('import-files')}>
              Choose files…
            </button>
          </div>
        )}
        <fieldset className="field radios">
          <legend>Source files become</legend>
          <label>
            <input type="radio" name="chunk" checked={chunk === 'function'} onChange={() => setChunk('function')} /> one
            sample per top-level function / class
          </label>
          <label>
            <input type="radio" name="chunk" checked={chunk === 'file'} onChange={() => setChunk('file')} /> one sample
            per file
          </label>
        </fieldset>
        <div className="row gap">
          <button
            type="submit"
            className="btn btn-primary"
            disabled={!list.length || imp.running}
            data-testid="import-start"
          >
            Import
          </button>
          {demoSamplesPath && (
            <button
              type="button"
              className="btn"
              disabled={imp.running}
              onClick={() => void startImport([demoSamplesPath], 'file')}
              data-testid="import-demo"
            >
              Import demo samples
            </button>
          )}
        </div>
      </form>

      {imp.running && (
        <div className="import-progress" data-testid="import-progress">
          <Progress done={imp.done} total={imp.total} label="Import progress" />
          <div className="row gap">
            <span className="muted small">
              {imp.finishing
                ? 'Updating the counts…'
                : imp.total
                  ? `${Math.floor((100 * imp.done) / imp.total)}% · ${fmtBytes(imp.done)} of ${fmtBytes(imp.total)}`
                  : 'Reading inputs…'}
            </span>
            <span className="spacer" />
            <button
              className="btn btn-small"
              onClick={() => void imp.cancel()}
              disabled={!imp.jobId || imp.cancelling || imp.finishing}
              data-testid="import-cancel"
            >
              {imp.cancelling ? 'Cancelling…' : 'Cancel'}
            </button>
          </div>
        </div>
      )}
      {imp.error && (
        <p className="error-text" role="alert">
          {imp.error}
        </p>
      )}
      {imp.result && (
        <div className="import-result" data-testid="import-result">
          <p>
            <strong>
              {imp.result.cancelled ? 'Cancelled: ' : ''}Imported {counted(imp.result.imported, 'sample')}
            </strong>
            <span className="muted"> · {counted(imp.result.duplicates, 'duplicate')} skipped · </span>
            <span className={imp.result.errorCount ? 'warn-text' : 'muted'}>
              {counted(imp.result.errorCount, 'error')}
            </span>
          </p>
          {imp.result.imported > 0 && (
            <button className="btn btn-small" onClick={() => useApp.getState().setView('review')}>
              Start reviewing →
            </button>
          )}
        </div>
      )}
      <ImportErrors />
    </section>
  );
}

function ImportErrors() {
  const { errors, errorsTotal, loadErrors } = useImport();
  useEffect(() => {
    void loadErrors().catch(() => {});
  }, [loadErrors]);
  if (!errorsTotal) return null;
  return (
    <details className="import-errors" data-testid="import-errors" open>
      <summary>
        {fmtInt(errorsTotal)} input{errorsTotal === 1 ? '' : 's'} could not be imported
      </summary>
      <table className="table table-compact">
        <thead>
          <tr>
            <th>File</th>
            <th className="num">Line</th>
            <th>Field</th>
            <th>Problem</th>
          </tr>
        </thead>
        <tbody>
          {errors.map((e, i) => (
            <tr key={i}>
              <td className="mono ellipsis" title={e.file}>
                {e.file}
              </td>
              <td className="num">{e.line ?? ''}</td>
              <td>{e.field ?? ''}</td>
              <td>{e.message}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {errorsTotal > errors.length && <p className="muted small">Showing the first {fmtInt(errors.length)}.</p>}
    </details>
  );
}
