import { useEffect, useState } from 'react';
import type { CommandOutput } from '../../../shared/api.js';
import { CodeView } from '../../monaco/code-view.js';
import { useApp } from '../../state/app-slice.js';
import { useCompare } from '../../state/compare-slice.js';
import { call } from '../../transport/studio-client.js';
import { fmtInt } from '../../ui/format.js';
import { EmptyState, ProbBar, ScoreBadge } from '../../ui/widgets.js';

type Detail = CommandOutput<'samples.get'>;

function Side({ id, label }: { id: string; label: string }) {
  const [d, setD] = useState<Detail | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setD(null);
    setError(null);
    call('samples.get', { id })
      .then(setD)
      .catch((e: Error) => setError(e.message));
  }, [id]);
  if (error)
    return (
      <div className="compare-side error-banner">
        Could not load {id}: {error}
      </div>
    );
  if (!d) return <div className="compare-side pad muted">Loading {id.slice(0, 12)}…</div>;
  const s = d.sample;
  return (
    <div className="compare-side" data-testid={`compare-${label}`} data-sample-id={s.id}>
      <div className="code-head">
        <div className="code-path mono" title={s.source}>
          {label === 'left' ? '◀ ' : '▶ '}
          {s.path ?? s.source}
        </div>
        <div className="compare-scores">
          <span className="small">
            LLM <ScoreBadge score={d.row.llm_score} kind="llm" />
          </span>
          <span className="small">
            Human <ScoreBadge score={d.row.human_score} kind="human" />
          </span>
          <span className="small" data-testid={`compare-${label}-prob`}>
            Classifier <ProbBar prob={d.row.classifier_score} compact />{' '}
            {d.row.classifier_score === null ? '—' : d.row.classifier_score.toFixed(3)}
          </span>
          <span className="muted small">
            {fmtInt(s.tokens)} tokens · {s.language} · <span className="mono">{s.id.slice(0, 12)}</span>
          </span>
        </div>
      </div>
      <div className="code-host">
        <CodeView text={s.text} language={s.language} firstLine={s.startLine ?? 1} />
      </div>
    </div>
  );
}

/** Two samples side by side in Monaco, each with its scores (phi-1's "high vs low" figure). */
export function CompareView() {
  const { left, right, caption } = useCompare();
  if (!left || !right)
    return (
      <EmptyState
        icon="⇆"
        title="Nothing to compare yet"
        actions={
          <button className="btn btn-primary" onClick={() => useApp.getState().setView('browse')}>
            Open Browse
          </button>
        }
      >
        <p>Select two samples in Browse and press Compare, or use “Top vs bottom” for the current filter.</p>
      </EmptyState>
    );
  return (
    <div className="page compare-page" data-testid="compare-view">
      <header className="card-head">
        <h3>Compare</h3>
        <span className="muted small">{caption}</span>
        <span className="spacer" />
        <button className="btn btn-small" onClick={() => useCompare.getState().compare(right, left, caption)}>
          Swap
        </button>
      </header>
      <div className="compare">
        <Side id={left} label="left" />
        <Side id={right} label="right" />
      </div>
    </div>
  );
}
