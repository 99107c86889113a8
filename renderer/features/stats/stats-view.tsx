import { useEffect, useState } from 'react';
import type { Stats } from '../../../shared/domain.js';
import { useApp } from '../../state/app-slice.js';
import { call } from '../../transport/studio-client.js';
import { fmtInt } from '../../ui/format.js';
import { DatasetEmpty } from '../datasets/dataset-empty.js';
import { TeamStats } from './team-stats.js';
import { ImportsCard, TopicsCard } from './imports-card.js';

/** Dataset statistics: counts, score histograms per label kind, token lengths, languages. */
interface Bin {
  label: string;
  count: number;
  title?: string;
}

const TOKEN_EDGES = [0, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192];

async function countWhereAll(where: string | undefined, labelState: 'any' | 'human' | 'llm' = 'any'): Promise<number> {
  return (await call('samples.list', { where, labelState, limit: 1 })).total;
}

/** Histograms over the whole dataset, or over one language's samples. */
async function loadHistograms(language: string) {
  const only = language ? ` AND language = '${language.replace(/'/g, "''")}'` : '';
  const countWhere = (where: string) => countWhereAll(where + only);
  const scores = [0, 1, 2, 3, 4, 5];
  const [llm, human, prob, tokens] = await Promise.all([
    Promise.all(scores.map(async (s) => ({ label: String(s), count: await countWhere(`llm_score = ${s}`) }))),
    Promise.all(scores.map(async (s) => ({ label: String(s), count: await countWhere(`human_score = ${s}`) }))),
    Promise.all(
      Array.from({ length: 10 }, async (_, i) => ({
        label: `${(i / 10).toFixed(1)}`,
        count: await countWhere(
          `classifier_score >= ${i / 10} AND classifier_score ${i === 9 ? '<=' : '<'} ${(i + 1) / 10}`,
        ),
      })),
    ),
    Promise.all(
      TOKEN_EDGES.map(async (lo, i) => {
        const hi = TOKEN_EDGES[i + 1];
        const k = (n: number) => (n >= 1024 ? `${n / 1024}k` : String(n));
        return {
          label: hi ? k(lo) : `${k(lo)}+`,
          title: hi ? `${lo}–${hi - 1} tokens` : `${lo} tokens or more`,
          count: await countWhere(hi ? `tokens >= ${lo} AND tokens < ${hi}` : `tokens >= ${lo}`),
        };
      }),
    ),
  ]);
  return { llm, human, prob, tokens };
}

function Bars({
  bins,
  title,
  note,
  log,
  scoreColors,
}: {
  bins: Bin[];
  title: string;
  note?: string;
  log?: boolean;
  scoreColors?: boolean;
}) {
  const scale = (n: number) => (log ? Math.log10(n + 1) : n);
  const max = Math.max(1, ...bins.map((b) => scale(b.count)));
  const total = bins.reduce((a, b) => a + b.count, 0);
  return (
    <section className="card chart">
      <header className="card-head">
        <h3>{title}</h3>
        <span className="spacer" />
        <span className="muted small">
          {fmtInt(total)}
          {log ? ' · log scale' : ''}
        </span>
      </header>
      {total === 0 ? (
        <p className="muted small">{note ?? 'Nothing to show yet.'}</p>
      ) : (
        <div className="bars">
          {bins.map((b) => (
            <div className="bar-col" key={b.label} title={`${b.title ?? b.label}: ${fmtInt(b.count)}`}>
              <span className="bar-count small">{b.count ? fmtInt(b.count) : ''}</span>
              <div className="bar-area">
                <div
                  className={`bar${scoreColors ? ` badge-s${b.label}` : ''}`}
                  style={{ height: `${(100 * scale(b.count)) / max}%` }}
                />
              </div>
              <span className="bar-label small">{b.label}</span>
            </div>
          ))}
        </div>
      )}
    </section>
  );
}

/** Samples and tokens per language; a row picks the language the rest of the page is about. */
function LanguagesCard({
  all,
  language,
  onPick,
}: {
  all: Stats;
  language: string;
  onPick: (language: string) => void;
}) {
  const rows = Object.entries(all.byLanguage).sort((a, b) => b[1].samples - a[1].samples);
  const max = Math.max(1, ...rows.map(([, v]) => v.samples));
  return (
    <section className="card languages-card" data-testid="languages-card">
      <header className="card-head">
        <h3>Languages</h3>
        <span className="spacer" />
        <span className="muted small">{rows.length} · pick one to see its statistics</span>
      </header>
      <table className="topics-table small">
        <thead>
          <tr>
            <th>language</th>
            <th className="num">samples</th>
            <th className="num">tokens</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {rows.map(([lang, v]) => (
            <tr
              key={lang}
              className={lang === language ? 'selected' : undefined}
              data-testid="language-row"
              onClick={() => onPick(lang === language ? '' : lang)}
            >
              <td>{lang}</td>
              <td className="num">{fmtInt(v.samples)}</td>
              <td className="num">{fmtInt(v.tokens)}</td>
              <td className="topic-bar-cell">
                <span className="topic-bar stored" style={{ width: `${(100 * v.samples) / max}%` }} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

export function StatsView() {
  const counts = useApp((s) => s.counts);
  /** '' is every language. */
  const [language, setLanguage] = useState('');
  const [all, setAll] = useState<Stats | null>(null);
  const [stats, setStats] = useState<Stats | null>(null);
  const [hist, setHist] = useState<Awaited<ReturnType<typeof loadHistograms>> | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    void call('dataset.stats', {})
      .then(setAll)
      .catch((e: Error) => setError(e.message));
  }, [counts?.total, counts?.reviewed]);
  useEffect(() => {
    let live = true;
    setError(null);
    const lang = language || undefined;
    void call('dataset.stats', { language: lang })
      .then((s) => live && setStats(s))
      .catch((e: Error) => live && setError(e.message));
    void loadHistograms(language)
      .then((h) => live && setHist(h))
      .catch((e: Error) => live && setError(e.message));
    return () => {
      live = false;
    };
  }, [counts?.total, counts?.reviewed, language]);

  if (counts && counts.total === 0) return <DatasetEmpty />;
  const languages = all ? Object.entries(all.languages).sort((a, b) => b[1] - a[1]) : [];
  return (
    <div className="page stats" data-testid="stats-view">
      {error && <div className="error-banner">{error}</div>}
      {languages.length > 1 && (
        <div className="toolbar stats-toolbar">
          <label className="small">
            Statistics of{' '}
            <select aria-label="Language" value={language} onChange={(e) => setLanguage(e.target.value)}>
              <option value="">every language</option>
              {languages.map(([lang, n]) => (
                <option key={lang} value={lang}>
                  {lang} ({fmtInt(n)})
                </option>
              ))}
            </select>
          </label>
        </div>
      )}
      {stats && (
        <section className="card">
          <div className="stat-row">
            <div className="stat">
              <span className="stat-value">{fmtInt(stats.samples)}</span>
              <span className="stat-label">samples</span>
            </div>
            <div className="stat">
              <span className="stat-value">{fmtInt(stats.tokens)}</span>
              <span className="stat-label">tokens · {fmtInt(stats.tokensExact)} counted exactly</span>
            </div>
            <div className="stat">
              <span className="stat-value">{fmtInt(stats.labels.llm)}</span>
              <span className="stat-label">LLM labels</span>
            </div>
            <div className="stat">
              <span className="stat-value">{fmtInt(stats.labels.human)}</span>
              <span className="stat-label">human labels</span>
            </div>
            <div className="stat">
              <span className="stat-value">{fmtInt(stats.labels.classifier)}</span>
              <span className="stat-label">classifier scores</span>
            </div>
            <div className="stat">
              <span className="stat-value">{fmtInt(stats.importErrors)}</span>
              <span className="stat-label">import errors</span>
            </div>
          </div>
        </section>
      )}
      <TeamStats />
      <div className="chart-grid">
        <Bars title="LLM scores" bins={hist?.llm ?? []} note="No LLM labels yet." scoreColors />
        <Bars title="Human scores" bins={hist?.human ?? []} note="No human labels yet." scoreColors />
        <Bars title="Classifier p(keep)" bins={hist?.prob ?? []} note="No classifier scores yet." />
        <Bars title="Tokens per sample (from)" bins={hist?.tokens ?? []} log />
      </div>
      {all && <LanguagesCard all={all} language={language} onPick={setLanguage} />}
      <ImportsCard language={language} />
      <TopicsCard />
    </div>
  );
}
