import { useApp } from '../../state/app-slice.js';
import { useReview } from '../../state/review-slice.js';
import { Kbd } from '../../ui/widgets.js';
import { hintItems } from './keymap.js';

/** Bottom bar: the keys, the outbox (labels not yet durable), and one-line feedback. */
export function KeyHints() {
  const saves = useReview((s) => s.saves);
  const flash = useReview((s) => s.flash);
  const saving = saves.filter((s) => s.status === 'saving').length;
  const retrying = saves.filter((s) => s.status === 'retrying');
  const failed = saves.filter((s) => s.status === 'failed').length;
  return (
    <footer className="keyhints" data-testid="key-hints">
      {hintItems().map((h) => (
        <span key={h.hint}>
          {h.labels.map((k, i) => (
            <span key={k}>
              {i > 0 && (h.range ? '–' : '/')}
              <Kbd>{k}</Kbd>
            </span>
          ))}{' '}
          {h.hint}
        </span>
      ))}
      <button className="linklike" onClick={() => useApp.getState().setShortcutsOpen(true)}>
        <Kbd>?</Kbd> all shortcuts
      </button>
      <span className="spacer" />
      {flash && (
        <span className={`flash flash-${flash.tone}`} role="status" data-testid="flash">
          {flash.text}
        </span>
      )}
      {retrying.length > 0 && (
        <span className="outbox outbox-warn" role="alert" data-testid="outbox">
          {retrying.length} label{retrying.length > 1 ? 's' : ''} not saved — retrying
          {retrying[0].error ? ` (${retrying[0].error})` : ''}
          <button className="btn btn-small" onClick={() => retrying.forEach((r) => useReview.getState().retry(r.key))}>
            Retry now
          </button>
        </span>
      )}
      {saving > 0 && retrying.length === 0 && (
        <span className="outbox muted" data-testid="outbox">
          saving {saving}…
        </span>
      )}
      {failed > 0 && (
        <span className="outbox outbox-error" data-testid="outbox-failed">
          {failed} refused
        </span>
      )}
      {saving === 0 && retrying.length === 0 && failed === 0 && saves.length > 0 && (
        <span className="outbox ok-text" data-testid="outbox-clear">
          all labels saved
        </span>
      )}
    </footer>
  );
}
