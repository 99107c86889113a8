/** The current dataset's card: its name, folder, and the engine's counts (samples, tokens, labels, errors). */
import { useEffect, useState } from 'react';
import { useApp } from '../../state/app-slice.js';
import { call } from '../../transport/studio-client.js';
import { fmtInt } from '../../ui/format.js';

export function CurrentDataset() {
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
