import { useMemo, useState } from 'react';
import { useApp, type View } from '../../state/app-slice.js';
import { runningJobs, useJobs, type JobView } from '../../state/jobs-slice.js';
import { useReview } from '../../state/review-slice.js';
import { useTeam } from '../../state/team-slice.js';
import { fmtBytes, fmtInt } from '../../ui/format.js';

const TABS: { view: View; label: string }[] = [
  { view: 'review', label: 'Review' },
  { view: 'browse', label: 'Browse' },
  { view: 'train', label: 'Train' },
  { view: 'export', label: 'Export' },
  { view: 'stats', label: 'Stats' },
  { view: 'datasets', label: 'Datasets' },
];

function jobText(j: JobView): string {
  if (j.status !== 'running' && j.status !== 'queued') return j.status;
  if (!j.total) return j.phase;
  const pct = `${Math.floor((100 * j.done) / j.total)}%`;
  return j.kind === 'import' ? `${pct} · ${fmtBytes(j.done)}` : `${pct} · ${fmtInt(j.done)}/${fmtInt(j.total)}`;
}

function JobsIndicator() {
  const jobs = useJobs((s) => s.jobs);
  const [open, setOpen] = useState(false);
  const running = runningJobs(jobs);
  const recent = useMemo(
    () =>
      Object.values(jobs)
        .sort((a, b) => (a.startedAt < b.startedAt ? 1 : -1))
        .slice(0, 8),
    [jobs],
  );
  const first = running[0];
  return (
    <div className="jobs" data-testid="jobs-indicator">
      <button
        className={`btn btn-ghost jobs-btn${running.length ? ' busy' : ''}`}
        onClick={() => setOpen(!open)}
        aria-expanded={open}
      >
        <span className={`dot${running.length ? ' dot-live' : ''}`} aria-hidden />
        {first ? (
          <span>
            {first.kind} {jobText(first)}
            {running.length > 1 ? ` +${running.length - 1}` : ''}
          </span>
        ) : (
          <span className="muted">No jobs</span>
        )}
      </button>
      {open && (
        <div className="popover jobs-pop" role="dialog" aria-label="Jobs">
          {recent.length === 0 && (
            <p className="muted pad">Imports, LLM labeling, training and exports show up here while they run.</p>
          )}
          {recent.map((j) => (
            <div className="job-row" key={j.jobId}>
              <div className="job-head">
                <strong>{j.kind}</strong>
                <span className={`chip chip-${j.status}`}>{j.status}</span>
                <span className="spacer" />
                {(j.status === 'running' || j.status === 'queued') && (
                  <button className="btn btn-small" onClick={() => void useJobs.getState().cancel(j.jobId)}>
                    Cancel
                  </button>
                )}
              </div>
              {(j.status === 'running' || j.status === 'queued') && (
                <div className="job-progress">
                  <div className="progress">
                    <div className="progress-fill" style={{ width: `${j.total ? (100 * j.done) / j.total : 0}%` }} />
                  </div>
                  <span className="muted small">{jobText(j)}</span>
                </div>
              )}
              {j.error && (
                <div className="error-text small">
                  {j.error.name}: {j.error.message}
                </div>
              )}
            </div>
          ))}
        </div>
      )}
    </div>
  );
}

export function TopBar() {
  const { dataset, view, counts, settings } = useApp();
  const queue = useReview((s) => s.queue);
  const setView = useApp((s) => s.setView);
  const pct = counts && counts.total ? (100 * counts.reviewed) / counts.total : 0;
  const teamMe = useTeam((t) => t.me);
  return (
    <header className="topbar">
      <div className="brand" title="Textbook Studio">
        <span className="brand-mark" aria-hidden>
          ◆
        </span>{' '}
        Textbook Studio
      </div>
      <button
        className="dataset-btn"
        onClick={() => setView('datasets')}
        title={dataset?.dir ?? 'Open a dataset'}
        data-testid="dataset-name"
      >
        <span className="muted small">Dataset</span>
        <span className="dataset-name">{dataset?.name ?? 'none'}</span>
        <span aria-hidden className="caret">
          ▾
        </span>
      </button>
      <nav className="tabs" role="tablist">
        {TABS.map((t) => (
          <button
            key={t.view}
            role="tab"
            aria-selected={view === t.view}
            className={`tab${view === t.view ? ' active' : ''}`}
            onClick={() => setView(t.view)}
            disabled={!dataset && t.view !== 'datasets'}
          >
            {t.label}
          </button>
        ))}
      </nav>
      <span className="spacer" />
      {dataset && counts && counts.total > 0 && (
        <div className="progress-summary" data-testid="review-progress" title={`Queue: ${queue.label}`}>
          <span className="queue-name">{queue.label}</span>
          <span>
            <strong>{fmtInt(counts.reviewed)}</strong> / {fmtInt(counts.total)} reviewed
          </span>
          <span className="mini-progress" aria-hidden>
            <span style={{ width: `${pct.toFixed(1)}%` }} />
          </span>
        </div>
      )}
      <JobsIndicator />
      <button
        className="btn btn-ghost annotator"
        onClick={() => useApp.getState().setSettingsOpen(true)}
        title="Settings (annotator name, endpoint, model, API key)"
      >
        <span className="avatar" aria-hidden>
          {(teamMe?.name ?? settings?.annotator ?? '?').slice(0, 1).toUpperCase()}
        </span>
        <span className="small" data-testid="signed-in-as">
          {/* A team server names the signed-in user and role; labels carry that name. */}
          {teamMe?.team ? `${teamMe.name} · ${teamMe.role}` : settings?.annotator}
        </span>
        <span aria-hidden>⚙</span>
      </button>
    </header>
  );
}
