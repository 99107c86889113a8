import { useState } from 'react';
import type { StudioInput, StudioOutput } from '../../../shared/contract/app.js';
import { useApp } from '../../state/app-slice.js';
import { call } from '../../transport/studio-client.js';
import { fmtInt } from '../../ui/format.js';

const TEMPLATES = ['edu-additive', 'phi1-binary'];
const usd = (v: number | null) => (v === null ? 'unknown price' : `$${v.toFixed(v < 1 ? 4 : 2)}`);

/** Start an LLM labeling job: estimate first (tokens, cost), then run; progress shows in the jobs indicator. */
export function LlmCard({ onDone }: { onDone: () => void }) {
  const settings = useApp((s) => s.settings);
  const [model, setModel] = useState(settings?.model || 'gpt-4o-mini');
  const [template, setTemplate] = useState('edu-additive');
  const [endpoint, setEndpoint] = useState('default');
  const [limit, setLimit] = useState('200');
  const [concurrency, setConcurrency] = useState('8');
  const [maxCost, setMaxCost] = useState('');
  const [where, setWhere] = useState('');
  const [estimate, setEstimate] = useState<StudioOutput<'llm.estimate'> | null>(null);
  const [result, setResult] = useState<StudioOutput<'llm.run'> | null>(null);
  const [busy, setBusy] = useState<'estimate' | 'run' | null>(null);
  const [error, setError] = useState<string | null>(null);

  const input = (): StudioInput<'llm.run'> => ({
    model,
    template,
    concurrency: Number(concurrency) || 8,
    where: where.trim() || undefined,
    limit: limit ? Number(limit) : undefined,
    maxCost: maxCost ? Number(maxCost) : undefined,
    // By name: the host sends the key that belongs to that endpoint, and only there.
    endpoint,
  });
  const run = async (what: 'estimate' | 'run') => {
    setBusy(what);
    setError(null);
    try {
      if (what === 'estimate') {
        setEstimate(await call('llm.estimate', input()));
        setResult(null);
      } else {
        setResult(await call('llm.run', input()));
        onDone();
      }
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(null);
    }
  };
  const changed = () => setEstimate(null);
  const named = settings?.endpoints ?? [];
  const endpointUrl = named.find((e) => e.name === endpoint)?.url ?? settings?.endpoint;

  return (
    <section className="card" data-testid="llm-card">
      <header className="card-head">
        <h3>LLM labeling</h3>
        <span className="spacer" />
        <span className="muted small">{endpointUrl || 'api.openai.com'}</span>
      </header>
      <div className="form-grid">
        {named.length > 0 && (
          <label className="field">
            <span>Endpoint</span>
            <select
              value={endpoint}
              data-testid="llm-endpoint"
              onChange={(e) => {
                setEndpoint(e.target.value);
                changed();
              }}
            >
              <option value="default">default — {settings?.endpoint || 'api.openai.com'}</option>
              {named.map((e) => (
                <option key={e.name} value={e.name}>
                  {e.name} — {e.url}
                </option>
              ))}
            </select>
          </label>
        )}
        <label className="field">
          <span>Model</span>
          <input
            value={model}
            onChange={(e) => {
              setModel(e.target.value);
              changed();
            }}
          />
        </label>
        <label className="field">
          <span>Prompt template</span>
          <select
            value={template}
            onChange={(e) => {
              setTemplate(e.target.value);
              changed();
            }}
          >
            {TEMPLATES.map((t) => (
              <option key={t}>{t}</option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>Samples (limit)</span>
          <input
            type="number"
            min={1}
            value={limit}
            onChange={(e) => {
              setLimit(e.target.value);
              changed();
            }}
            placeholder="all"
          />
        </label>
        <label className="field">
          <span>Concurrency</span>
          <input
            type="number"
            min={1}
            max={256}
            value={concurrency}
            onChange={(e) => {
              setConcurrency(e.target.value);
              changed();
            }}
          />
        </label>
        <label className="field">
          <span>Budget (USD)</span>
          <input
            type="number"
            min={0}
            step={0.01}
            value={maxCost}
            onChange={(e) => {
              setMaxCost(e.target.value);
              changed();
            }}
            placeholder="no limit"
          />
        </label>
        <label className="field">
          <span>Only where</span>
          <input
            className="mono"
            value={where}
            onChange={(e) => {
              setWhere(e.target.value);
              changed();
            }}
            placeholder="tokens < 2000"
          />
        </label>
      </div>
      {endpoint !== 'default' && !named.find((e) => e.name === endpoint)?.hasApiKey && (
        <p className="muted small">{endpoint} has no key: requests go without one (fine for a local server).</p>
      )}
      {endpoint === 'default' && !settings?.hasApiKey && (
        <p className="warn-text small">
          No API key is set: {settings?.apiKeyWritable ? 'add one in Settings' : 'start tbs serve with OPENAI_API_KEY'}{' '}
          (a local OpenAI-compatible server may not need one).
        </p>
      )}
      <div className="row gap">
        <button className="btn" onClick={() => void run('estimate')} disabled={busy !== null}>
          {busy === 'estimate' ? 'Estimating…' : 'Estimate cost'}
        </button>
        <button
          className="btn btn-primary"
          onClick={() => void run('run')}
          disabled={busy !== null || !estimate}
          title={estimate ? '' : 'Estimate first'}
        >
          {busy === 'run' ? 'Labeling… (see Jobs)' : 'Start labeling'}
        </button>
      </div>
      {estimate && (
        <table className="table table-compact kv">
          <tbody>
            <tr>
              <td>Selected</td>
              <td className="num">{fmtInt(estimate.selected)}</td>
              <td className="muted">{fmtInt(estimate.alreadyLabeled)} already labeled by this model + template</td>
            </tr>
            <tr>
              <td>Calls</td>
              <td className="num">{fmtInt(estimate.calls)}</td>
              <td className="muted">
                {fmtInt(estimate.prompt_tokens)} prompt tokens
                {estimate.truncated ? `, ${fmtInt(estimate.truncated)} samples truncated` : ''}
              </td>
            </tr>
            <tr>
              <td>Expected cost</td>
              <td className="num">{usd(estimate.cost_usd)}</td>
              <td className="muted">
                worst case {usd(estimate.max_cost_usd)} · Batch API {usd(estimate.batch_cost_usd)}
              </td>
            </tr>
          </tbody>
        </table>
      )}
      {result && (
        <p className="ok-text">
          Labeled {fmtInt(result.labeled)}, skipped {fmtInt(result.skipped)}, failed {fmtInt(result.failed)} · $
          {result.cost_usd.toFixed(4)} · stopped: {result.stoppedBy}
        </p>
      )}
      {error && (
        <p className="error-text" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}
