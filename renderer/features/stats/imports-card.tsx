import { useEffect, useMemo, useState } from 'react';
import { importsChartSvg } from '../../../shared/imports-chart.js';
import { call } from '../../transport/studio-client.js';
import { fmtInt } from '../../ui/format.js';

type Scope = 'all' | 'source' | 'export';

/**
 * The phi-1 imports chart: samples importing each top-level module, most first, log scale,
 * modules below the minimum count left out. The SVG is the same one the export's dataset card embeds.
 */
export function ImportsCard({ language }: { language: string }) {
  const [scope, setScope] = useState<Scope>('all');
  const [source, setSource] = useState('synthetic:exercises');
  const [minCount, setMinCount] = useState(10);
  const [data, setData] = useState<{
    rows: { module: string; count: number }[];
    samples: number;
    note: string | null;
  } | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    setError(null);
    // The curated export keeps one chart for all its languages.
    const lang = scope === 'export' ? undefined : language || undefined;
    call('stats.imports', { scope, source: scope === 'source' ? source : undefined, minCount, language: lang })
      .then((r) => {
        if (!live) return;
        const note =
          scope === 'export' && !r.export
            ? 'No curated export with an imports chart yet: export from the Export view.'
            : null;
        setData({ rows: r.rows, samples: r.samples, note });
      })
      .catch((e: Error) => live && setError(e.message));
    return () => {
      live = false;
    };
  }, [scope, source, minCount, language]);
  const svg = useMemo(() => (data ? importsChartSvg(data.rows) : ''), [data]);
  return (
    <section className="card chart imports-card" data-testid="imports-chart">
      <header className="card-head">
        <h3>Imports</h3>
        <span className="spacer" />
        <label className="small">
          Over{' '}
          <select aria-label="Imports of" value={scope} onChange={(e) => setScope(e.target.value as Scope)}>
            <option value="all">the whole dataset</option>
            <option value="source">a source</option>
            <option value="export">the curated export</option>
          </select>
        </label>
        {scope === 'source' && (
          <input
            aria-label="Source contains"
            className="small"
            value={source}
            onChange={(e) => setSource(e.target.value)}
            placeholder="source contains…"
          />
        )}
        <label className="small">
          at least{' '}
          <input
            aria-label="Minimum count"
            type="number"
            min={1}
            value={minCount}
            style={{ width: '4.5em' }}
            onChange={(e) => setMinCount(Math.max(1, Number(e.target.value) || 1))}
          />{' '}
          samples
        </label>
      </header>
      {error && <p className="error-banner">{error}</p>}
      {data?.note && <p className="muted small">{data.note}</p>}
      {data && (
        <p className="muted small">
          {fmtInt(data.rows.length)} modules imported by {minCount}+ of {fmtInt(data.samples)}
          {language && scope !== 'export' ? ` ${language}` : ''} samples (from each sample's syntax tree, once per
          sample{language && scope === 'export' ? '; the export has one chart for all its languages' : ''}).
        </p>
      )}
      {/* The SVG is our own string from numbers and XML-escaped module names. */}
      <div className="imports-svg" dangerouslySetInnerHTML={{ __html: svg }} />
    </section>
  );
}

/** Topic coverage of generated data: how many results each topic produced, stored vs rejected. */
export function TopicsCard() {
  const [rows, setRows] = useState<{ kind: string; topic: string; stored: number; rejected: number }[] | null>(null);
  useEffect(() => {
    void call('stats.topics', {})
      .then(setRows)
      .catch(() => setRows([]));
  }, []);
  if (!rows) return null;
  const max = Math.max(1, ...rows.map((r) => r.stored + r.rejected));
  return (
    <section className="card topics-card" data-testid="topic-coverage">
      <header className="card-head">
        <h3>Topic coverage of generated data</h3>
        <span className="spacer" />
        <span className="muted small">{rows.length ? `${new Set(rows.map((r) => r.topic)).size} topics` : ''}</span>
      </header>
      {rows.length === 0 ? (
        <p className="muted small">
          No synthetic data yet: <code>tbs synth --kind exercises --count 100</code> generates phi-1-style exercises.
        </p>
      ) : (
        <table className="topics-table small">
          <thead>
            <tr>
              <th>kind</th>
              <th>topic</th>
              <th>stored</th>
              <th>rejected</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={`${r.kind}/${r.topic}`}>
                <td>{r.kind}</td>
                <td>{r.topic}</td>
                <td className="num">{fmtInt(r.stored)}</td>
                <td className="num">{fmtInt(r.rejected)}</td>
                <td className="topic-bar-cell">
                  <span className="topic-bar stored" style={{ width: `${(100 * r.stored) / max}%` }} />
                  <span className="topic-bar rejected" style={{ width: `${(100 * r.rejected) / max}%` }} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
