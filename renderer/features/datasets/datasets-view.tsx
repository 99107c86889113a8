import { useEffect, useState } from 'react';
import type { ChunkMode } from '../../../shared/enums.js';
import { useApp } from '../../state/app-slice.js';
import { useImport } from '../../state/import-slice.js';
import { call } from '../../transport/studio-client.js';
import { fmtBytes, fmtInt } from '../../ui/format.js';
import { EmptyState, Progress } from '../../ui/widgets.js';
import { useStartImport } from './use-start-import.js';

/** Open or create dataset folders, import into the current one, see what failed to import. */
export function DatasetsView() {
  const { dataset, mode, settings, demoSamplesPath, counts } = useApp();
  return (
    <div className="page datasets" data-testid="datasets-view">
      <div className="page-grid">
        <div className="col">
          {dataset ? (
            <CurrentDataset />
          ) : (
            <section className="card">
              <EmptyState icon="◇" title="Open or create a dataset to begin">
                <p>
                  A dataset is one folder (embedded LanceDB). Create an empty one, then import a folder of code or the
                  demo dataset.
                </p>
              </EmptyState>
            </section>
          )}
          {dataset && <ImportCard />}
          {dataset && <LabelFilesCard />}
          {dataset && counts?.total === 0 && demoSamplesPath && (
            <p className="muted small pad-x">
              Tip: import the bundled demo (346 labeled Python snippets) to try everything offline.
            </p>
          )}
        </div>
        <div className="col">
          <OpenCard mode={mode} />
          <section className="card">
            <header className="card-head">
              <h3>Recent</h3>
            </header>
            {settings?.recent.length ? (
              <ul className="recent">
                {settings.recent.map((d) => (
                  <li key={d}>
                    <button
                      className={`recent-item${d === dataset?.dir ? ' current' : ''}`}
                      onClick={() =>
                        void useApp
                          .getState()
                          .openDataset(d, false)
                          .catch((e) => alert((e as Error).message))
                      }
                    >
                      <span className="recent-name">{d.split(/[\\/]/).pop()}</span>
                      <span className="muted small mono">{d}</span>
                    </button>
                  </li>
                ))}
              </ul>
            ) : (
              <p className="muted small">Datasets you open appear here.</p>
            )}
          </section>
        </div>
      </div>
    </div>
  );
}

function CurrentDataset() {
  const { dataset } = useApp();
  const [stats, setStats] = useState<Awaited<ReturnType<typeof call<'dataset.stats'>>> | null>(null);
  const samples = useApp((s) => s.counts?.total);
  useEffect(() => {
    void call('dataset.stats', {})
      .then(setStats)
      .catch(() => setStats(null));
  }, [dataset?.dir, samples]);
  return (
    <section className="card" data-testid="current-dataset">
      <header className="card-head">
        <h3>{dataset!.name}</h3>
        <span className="spacer" />
        <span className="muted small mono" title="dataset folder">
          {dataset!.dir}
        </span>
      </header>
      <div className="stat-row">
        <div className="stat">
          <span className="stat-value" data-testid="stat-samples">
            {fmtInt(stats?.samples ?? dataset!.samples)}
          </span>
          <span className="stat-label">samples</span>
        </div>
        <div className="stat">
          <span className="stat-value">{fmtInt(stats?.tokens)}</span>
          <span className="stat-label">tokens ({stats?.encoding ?? 'o200k_base'})</span>
        </div>
        <div className="stat">
          <span className="stat-value">{fmtInt(stats?.labels.llm)}</span>
          <span className="stat-label">LLM-labeled</span>
        </div>
        <div className="stat">
          <span className="stat-value">{fmtInt(stats?.labels.human)}</span>
          <span className="stat-label">human-labeled</span>
        </div>
        <div className="stat">
          <span className="stat-value">{fmtInt(stats?.labels.classifier)}</span>
          <span className="stat-label">classifier-scored</span>
        </div>
        <div className="stat">
          <span className="stat-value">{fmtInt(stats?.importErrors)}</span>
          <span className="stat-label">import errors</span>
        </div>
      </div>
      <p className="muted small">Keep threshold: score ≥ {dataset!.keepThreshold}</p>
    </section>
  );
}

function ImportCard() {
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
              if (e.key === 'Enter' && (e.ctrlKey || e.metaKey) && list.length) {
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
              {imp.total
                ? `${Math.floor((100 * imp.done) / imp.total)}% · ${fmtBytes(imp.done)} of ${fmtBytes(imp.total)}`
                : 'Reading inputs…'}
            </span>
            <span className="spacer" />
            <button
              className="btn btn-small"
              onClick={() => void imp.cancel()}
              disabled={!imp.jobId || imp.cancelling}
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
              {imp.result.cancelled ? 'Cancelled: ' : ''}Imported {fmtInt(imp.result.imported)} samples
            </strong>
            <span className="muted"> · {fmtInt(imp.result.duplicates)} duplicates skipped · </span>
            <span className={imp.result.errorCount ? 'warn-text' : 'muted'}>
              {fmtInt(imp.result.errorCount)} errors
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

function OpenCard({ mode }: { mode: 'electron' | 'browser' }) {
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

/** Labels made elsewhere come in (JSONL/CSV, as human labels with origin "import"); every record goes out as JSONL. */
function LabelFilesCard() {
  const { dataset } = useApp();
  const [inPath, setInPath] = useState('');
  const [annotator, setAnnotator] = useState('');
  const [outPath, setOutPath] = useState(dataset ? `${dataset.dir}-labels.jsonl` : '');
  const [msg, setMsg] = useState<{ text: string; error?: boolean } | null>(null);
  const [busy, setBusy] = useState(false);
  const run = async (fn: () => Promise<string>) => {
    setBusy(true);
    setMsg(null);
    try {
      setMsg({ text: await fn() });
    } catch (e) {
      setMsg({ text: (e as Error).message, error: true });
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="card" data-testid="label-files-card">
      <header className="card-head">
        <h3>Labels made elsewhere</h3>
      </header>
      <form
        className="form"
        onSubmit={(e) => {
          e.preventDefault();
          void run(async () => {
            const r = await call('labels.importHuman', {
              path: inPath.trim(),
              annotator: annotator.trim() || undefined,
            });
            await useApp.getState().refreshCounts();
            const first = r.errors[0];
            return `Imported ${fmtInt(r.imported)} human labels (${fmtInt(r.alreadyPresent)} already present), ${fmtInt(r.errors.length)} errors${first ? ` — line ${first.line}${first.field ? ` [${first.field}]` : ''}: ${first.message}` : ''}`;
          });
        }}
      >
        <label className="field">
          <span>JSONL or CSV file (sample id or text, score, annotator, note)</span>
          <input
            className="mono"
            value={inPath}
            onChange={(e) => setInPath(e.target.value)}
            placeholder="/path/to/reviewed.csv"
            data-testid="labels-import-path"
          />
        </label>
        <label className="field">
          <span>Annotator for rows without one</span>
          <input value={annotator} onChange={(e) => setAnnotator(e.target.value)} placeholder="optional" />
        </label>
        <div className="row gap">
          <button type="submit" className="btn" disabled={busy || !inPath.trim()} data-testid="labels-import">
            Import labels
          </button>
        </div>
      </form>
      <form
        className="form"
        onSubmit={(e) => {
          e.preventDefault();
          void run(async () => {
            const r = await call('labels.export', { path: outPath.trim() });
            return `Wrote ${fmtInt(r.records)} label records to ${r.path}`;
          });
        }}
      >
        <label className="field">
          <span>Export every label record (JSONL)</span>
          <input
            className="mono"
            value={outPath}
            onChange={(e) => setOutPath(e.target.value)}
            data-testid="labels-export-path"
          />
        </label>
        <div className="row gap">
          <button type="submit" className="btn" disabled={busy || !outPath.trim()} data-testid="labels-export">
            Export labels
          </button>
        </div>
      </form>
      {msg && (
        <p
          className={msg.error ? 'error-text' : 'muted small'}
          role={msg.error ? 'alert' : 'status'}
          data-testid="label-files-result"
        >
          {msg.text}
        </p>
      )}
    </section>
  );
}
