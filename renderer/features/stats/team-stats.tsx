import { useEffect, useState } from 'react';
import type { StudioOutput } from '../../../shared/contract/app.js';
import { CONSENSUS_RULES, type ConsensusRule } from '../../../shared/enums.js';
import { useApp } from '../../state/app-slice.js';
import { useTeam } from '../../state/team-slice.js';
import { call } from '../../transport/studio-client.js';

type Agreement = StudioOutput<'team.agreement'>;
const f = (x: number | null, d = 2) => (x === null ? '–' : x.toFixed(d));

/** Kappa -1..1 as a colour from red (no better than chance) to green (full agreement). */
const heat = (k: number | null) =>
  k === null ? 'transparent' : `hsl(${Math.round(Math.max(0, Math.min(1, k)) * 120)} 60% ${k >= 0.6 ? 38 : 45}%)`;

/** Stats > Team: how much people agree (pairwise weighted kappa heat map, alpha), per annotator, and the rules. */
export function TeamStats() {
  const counts = useApp((s) => s.counts);
  const me = useTeam((t) => t.me);
  const settings = useTeam((t) => t.settings);
  const [agr, setAgr] = useState<Agreement | null>(null);
  const [error, setError] = useState<string | null>(null);
  const canSee = useApp.getState().has('team.agreement') && (me?.role ?? 'owner') !== 'annotator';
  useEffect(() => {
    void useTeam.getState().load();
    if (canSee)
      call('team.agreement', {})
        .then(setAgr)
        .catch((e: Error) => setError(e.message));
  }, [counts?.reviewed, canSee]);
  if (!useApp.getState().has('team.settings')) return null;
  const names = agr ? agr.annotators.map((a) => a.annotator) : [];
  const pair = (a: string, b: string) => agr?.pairs.find((p) => (p.a === a && p.b === b) || (p.a === b && p.b === a));
  const owner = (me?.role ?? 'owner') === 'owner';
  return (
    <section className="card team-stats" data-testid="team-stats">
      <header className="card-head">
        <h3>Team agreement</h3>
        <span className="spacer" />
        {agr && (
          <span className="muted small" data-testid="team-alpha">
            Krippendorff’s α (interval) {f(agr.alpha)} over {agr.n_items} samples with 2+ people
          </span>
        )}
      </header>
      {error && <div className="error-text small">{error}</div>}
      <div className="team-settings row-gap small">
        <label>
          Human value ={' '}
          <select
            value={settings?.consensusRule ?? 'median'}
            disabled={!owner}
            data-testid="consensus-rule"
            onChange={(e) => void useTeam.getState().update({ consensusRule: e.target.value as ConsensusRule })}
          >
            {CONSENSUS_RULES.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>{' '}
          of the annotators (an adjudication wins)
        </label>
        <label>
          <input
            type="checkbox"
            checked={settings?.blindAssignments ?? true}
            disabled={!owner}
            data-testid="blind-toggle"
            onChange={(e) => void useTeam.getState().update({ blindAssignments: e.target.checked })}
          />{' '}
          Blind mode for assignments
        </label>
      </div>
      {!canSee ? (
        <p className="muted small">Agreement between people is for reviewers and owners.</p>
      ) : !agr || names.length < 2 ? (
        <p className="muted small">
          No two people have labeled the same samples yet: `tbs assign --overlap 2` gives them some.
        </p>
      ) : (
        <div className="team-grid">
          <table className="heatmap" data-testid="kappa-heatmap">
            <thead>
              <tr>
                <th title="quadratic-weighted Cohen’s kappa on the 0–5 scale">κ</th>
                {names.map((n) => (
                  <th key={n}>{n}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {names.map((a) => (
                <tr key={a}>
                  <th>{a}</th>
                  {names.map((b) => {
                    const p = a === b ? null : pair(a, b);
                    return (
                      <td
                        key={b}
                        style={{ background: heat(p?.weighted_kappa ?? null), color: p ? '#fff' : undefined }}
                        title={p ? `${a} vs ${b}: κ ${f(p.weighted_kappa)}, exact ${f(p.exact)}, n ${p.n}` : ''}
                      >
                        {a === b ? '·' : p ? f(p.weighted_kappa) : '–'}
                      </td>
                    );
                  })}
                </tr>
              ))}
            </tbody>
          </table>
          <table className="annotator-table" data-testid="annotator-table">
            <thead>
              <tr>
                <th>annotator</th>
                <th>labels</th>
                <th>mean score</th>
                <th>median s / label</th>
                <th title="share of samples with 2+ people where this person’s keep/drop matches the resolved one">
                  keep agrees with consensus
                </th>
                <th>mean |score − consensus|</th>
              </tr>
            </thead>
            <tbody>
              {agr.annotators.map((a) => (
                <tr key={a.annotator}>
                  <td>{a.annotator}</td>
                  <td>{a.labels}</td>
                  <td>{f(a.mean_score)}</td>
                  <td>{f(a.median_seconds, 1)}</td>
                  <td>
                    {a.consensus_keep_agreement === null
                      ? '–'
                      : `${Math.round(a.consensus_keep_agreement * 100)}% (n ${a.consensus_n})`}
                  </td>
                  <td>{f(a.consensus_mean_abs_diff)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
