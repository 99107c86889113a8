import { useEffect, useRef, useState, type ReactNode } from 'react';
import type { StudioOutput } from '../../../shared/contract/app.js';
import { call } from '../../transport/studio-client.js';
import { canReview, useTeam } from '../../state/team-slice.js';

type Guideline = StudioOutput<'guidelines.get'>;
type Sample = StudioOutput<'samples.get'>;

/**
 * The dataset's rubric beside the code (`g`). A deliberately small markdown subset (headings,
 * lists, tables, bold, code, links) rendered to React elements, never to HTML, so a guideline
 * can hold nothing executable. `[text](sample:ID)` links open that sample in a side panel.
 */
function inline(text: string, open: (id: string) => void): ReactNode[] {
  const out: ReactNode[] = [];
  const re = /\[([^\]]+)\]\(sample:([A-Za-z0-9_-]+)\)|\*\*([^*]+)\*\*|`([^`]+)`|\*([^*]+)\*/g;
  let last = 0;
  let k = 0;
  for (const m of text.matchAll(re)) {
    if (m.index > last) out.push(text.slice(last, m.index));
    if (m[1])
      out.push(
        <button key={k++} className="linklike sample-link" data-testid="guideline-example" onClick={() => open(m[2])}>
          {m[1]}
        </button>,
      );
    else if (m[3]) out.push(<strong key={k++}>{m[3]}</strong>);
    else if (m[4]) out.push(<code key={k++}>{m[4]}</code>);
    else if (m[5]) out.push(<em key={k++}>{m[5]}</em>);
    last = m.index + m[0].length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

function Markdown({ body, open }: { body: string; open: (id: string) => void }) {
  const blocks: ReactNode[] = [];
  const lines = body.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    if (!l.trim()) continue;
    const h = l.match(/^(#{1,3})\s+(.*)$/);
    if (h) {
      const Tag = (['h3', 'h4', 'h5'] as const)[h[1].length - 1];
      blocks.push(<Tag key={i}>{inline(h[2], open)}</Tag>);
    } else if (l.startsWith('|')) {
      const rows: string[][] = [];
      for (; i < lines.length && lines[i].startsWith('|'); i++)
        if (!/^\|[\s-|]+\|$/.test(lines[i]))
          rows.push(
            lines[i]
              .slice(1, -1)
              .split('|')
              .map((c) => c.trim()),
          );
      i--;
      blocks.push(
        <table key={i} className="guide-table">
          <tbody>
            {rows.map((r, j) => (
              <tr key={j}>
                {r.map((c, n) => (j === 0 ? <th key={n}>{inline(c, open)}</th> : <td key={n}>{inline(c, open)}</td>))}
              </tr>
            ))}
          </tbody>
        </table>,
      );
    } else if (/^\s*[-*]\s+/.test(l)) {
      const items: string[] = [];
      for (; i < lines.length && /^\s*[-*]\s+/.test(lines[i]); i++) {
        let item = lines[i].replace(/^\s*[-*]\s+/, '');
        while (i + 1 < lines.length && /^\s{2,}\S/.test(lines[i + 1]) && !/^\s*[-*]\s+/.test(lines[i + 1]))
          item += ' ' + lines[++i].trim();
        items.push(item);
      }
      i--;
      blocks.push(
        <ul key={i}>
          {items.map((t, j) => (
            <li key={j}>{inline(t, open)}</li>
          ))}
        </ul>,
      );
    } else {
      let para = l;
      while (i + 1 < lines.length && lines[i + 1].trim() && !/^(#|\||\s*[-*]\s)/.test(lines[i + 1]))
        para += ' ' + lines[++i].trim();
      blocks.push(<p key={i}>{inline(para, open)}</p>);
    }
  }
  return <div className="guide-body">{blocks}</div>;
}

export function GuidelinesPanel() {
  const open = useTeam((t) => t.guidelinesOpen);
  const [g, setG] = useState<Guideline | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [editing, setEditing] = useState<string | null>(null);
  const [example, setExample] = useState<Sample | null>(null);
  const exampleRef = useRef<HTMLElement>(null);
  // An opened example is what the reader asked for: bring it into view below the rubric.
  useEffect(() => exampleRef.current?.scrollIntoView({ block: 'nearest' }), [example]);
  useEffect(() => {
    if (open && !g)
      call('guidelines.get', {})
        .then(setG)
        .catch((e: Error) => setError(e.message));
  }, [open, g]);
  if (!open) return null;
  const openExample = (id: string) =>
    call('samples.get', { id })
      .then(setExample)
      .catch((e: Error) => setError(`example ${id}: ${e.message}`));
  return (
    <aside className="guidelines-panel" data-testid="guidelines-panel" aria-label="Guidelines">
      <header className="card-head">
        <h3>Guidelines</h3>
        <span className="muted small">{g ? `version ${g.version} · ${g.author}` : ''}</span>
        <span className="spacer" />
        {canReview() && g && editing === null && (
          <button className="btn btn-small" onClick={() => setEditing(g.body)}>
            Edit
          </button>
        )}
        <button className="btn btn-small" onClick={() => useTeam.getState().toggleGuidelines()} title="close (g)">
          ×
        </button>
      </header>
      {error && <div className="error-text small">{error}</div>}
      {editing !== null ? (
        <div className="guide-edit">
          <textarea
            value={editing}
            onChange={(e) => setEditing(e.target.value)}
            rows={18}
            data-testid="guidelines-editor"
          />
          <div className="row-gap">
            <button
              className="btn btn-primary btn-small"
              onClick={() =>
                call('guidelines.save', { body: editing, author: useTeam.getState().me?.name ?? 'owner' })
                  .then(() => call('guidelines.get', {}))
                  .then((next) => {
                    setG(next);
                    setEditing(null);
                  })
                  .catch((e: Error) => setError(e.message))
              }
            >
              Save as version {(g?.versions ?? 1) + 1}
            </button>
            <button className="btn btn-small" onClick={() => setEditing(null)}>
              Cancel
            </button>
          </div>
        </div>
      ) : g ? (
        <Markdown body={g.body} open={(id) => void openExample(id)} />
      ) : (
        <p className="muted small">Loading…</p>
      )}
      {example && (
        <section className="guide-example" data-testid="guideline-example-panel" ref={exampleRef}>
          <header className="card-head">
            <strong className="small">{example.sample.path ?? example.sample.source}</strong>
            <span className="spacer" />
            <button className="btn btn-small" onClick={() => setExample(null)}>
              ×
            </button>
          </header>
          <pre className="guide-code">{example.sample.text}</pre>
        </section>
      )}
    </aside>
  );
}
