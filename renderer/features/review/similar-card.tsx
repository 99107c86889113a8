import { useEffect, useState } from 'react';
import type { StudioOutput } from '../../../shared/contract/app.js';
import { call } from '../../transport/studio-client.js';
import { shortPath } from '../../ui/format.js';
import { ScoreBadge } from '../../ui/widgets.js';

type Similar = StudioOutput<'samples.similar'>;

/** Nearest samples in embedding space with their scores, to keep judgements consistent (key s). */
export function SimilarCard({ sampleId, open, onToggle }: { sampleId: string; open: boolean; onToggle: () => void }) {
  const [rows, setRows] = useState<Similar | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (!open) return;
    let live = true;
    setRows(null);
    setError(null);
    call('samples.similar', { id: sampleId, k: 6 })
      .then((r) => {
        if (live) setRows(r);
      })
      .catch((e: Error) => {
        if (live) setError(e.message);
      });
    return () => {
      live = false;
    };
  }, [sampleId, open]);
  return (
    <section className="card" data-testid="similar-card">
      <header className="card-head">
        <h3>Similar</h3>
        <span className="spacer" />
        <button className="btn btn-small btn-ghost" onClick={onToggle}>
          {open ? 'Hide' : 'Show'} <kbd className="kbd">s</kbd>
        </button>
      </header>
      {open &&
        (error ? (
          /vector|embed/i.test(error) ? (
            <p className="muted small" title={error}>
              Similar samples need embeddings: training a classifier in Train computes them.
            </p>
          ) : (
            <p className="error-text small">{error}</p>
          )
        ) : !rows ? (
          <p className="muted small">Finding neighbours…</p>
        ) : rows.length === 0 ? (
          <p className="muted small">No neighbours yet.</p>
        ) : (
          <ul className="similar">
            {rows.map((r) => (
              <li key={r.id} title={r.source}>
                <span className="similar-path mono">{shortPath(r.path ?? r.source, 2)}</span>
                <span className="muted small">{r.distance.toFixed(2)}</span>
                <ScoreBadge score={r.llm_score} kind="llm" title="LLM score" />
                <ScoreBadge score={r.human_score} kind="human" title="human score" />
              </li>
            ))}
          </ul>
        ))}
    </section>
  );
}
