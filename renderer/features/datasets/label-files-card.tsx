/** The "Labels made elsewhere" card: import human labels from a file, export every label record. */
import { useState } from 'react';
import { useApp } from '../../state/app-slice.js';
import { call } from '../../transport/studio-client.js';
import { fmtInt } from '../../ui/format.js';

/** Labels made elsewhere come in (JSONL/CSV, as human labels with origin "import"); every record goes out as JSONL. */
export function LabelFilesCard() {
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
            return `Imported ${fmtInt(r.imported)} human label${r.imported === 1 ? '' : 's'} (${fmtInt(r.alreadyPresent)} already present), ${fmtInt(r.errors.length)} error${r.errors.length === 1 ? '' : 's'}${first ? ` — line ${first.line}${first.field ? ` [${first.field}]` : ''}: ${first.message}` : ''}`;
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
