import type { LabelRecord } from '../../../shared/domain.js';
import { ScoreBadge } from '../../ui/widgets.js';

/** Each annotator's current label (latest not undone), adjudications apart: what a reviewer weighs. */
export function currentHumanLabels(labels: LabelRecord[]): { votes: LabelRecord[]; adjudication: LabelRecord | null } {
  const retracted = new Set(labels.filter((l) => l.retracts).map((l) => l.retracts));
  const byAgent = new Map<string, LabelRecord>();
  let adjudication: LabelRecord | null = null;
  for (const l of labels) {
    if (l.kind !== 'human' || l.retracts || retracted.has(l.labelId)) continue;
    if (l.origin === 'adjudication') adjudication = l;
    else byAgent.set(l.agent, l);
  }
  return { votes: [...byAgent.values()], adjudication };
}

/** Every annotator's score and note side by side (the Disagreements queue, and any sample with 2+ people). */
export function AnnotatorsCard({ labels, adjudicating }: { labels: LabelRecord[]; adjudicating: boolean }) {
  const { votes, adjudication } = currentHumanLabels(labels);
  if (votes.length < 2 && !adjudicating) return null;
  const scores = votes.map((v) => v.score).filter((x): x is number => x !== null);
  const spread = scores.length ? Math.max(...scores) - Math.min(...scores) : 0;
  return (
    <section className="card" data-testid="annotators-card">
      <header className="card-head">
        <h3>Annotators</h3>
        <span className="spacer" />
        <span className="muted small">
          {votes.length} labels · spread {spread}
        </span>
      </header>
      <div className="annotator-grid">
        {votes.map((v) => (
          <div className="annotator-cell" key={v.labelId} data-testid="annotator-label">
            <div className="annotator-top">
              <ScoreBadge score={v.score} kind="human" />
              <strong>{v.agent}</strong>
              {typeof v.details?.seconds === 'number' && (
                <span className="muted small">{Math.round(v.details.seconds as number)} s</span>
              )}
            </div>
            <div className="annotator-note small">
              {v.note ? `“${v.note}”` : <span className="muted">no note</span>}
            </div>
          </div>
        ))}
      </div>
      {adjudication ? (
        <p className="small" data-testid="adjudicated">
          Adjudicated <ScoreBadge score={adjudication.score} kind="human" /> by {adjudication.agent}
          {adjudication.note ? ` — “${adjudication.note}”` : ''} (undo with u)
        </p>
      ) : adjudicating ? (
        <p className="muted small">Press 0–5 to record the final score (a note first with n).</p>
      ) : null}
    </section>
  );
}
