import { useEffect, useRef, type ReactNode } from 'react';

/** Small shared pieces: score badges, probability bars, empty states, key caps, modals. */

export function ScoreBadge({
  score,
  kind,
  title,
}: {
  score: number | null | undefined;
  kind?: 'llm' | 'human';
  title?: string;
}) {
  if (score === null || score === undefined)
    return (
      <span className="badge badge-none" title={title ?? 'no score'}>
        –
      </span>
    );
  const s = Math.round(score);
  return (
    <span className={`badge badge-s${s}${kind ? ` badge-${kind}` : ''}`} title={title}>
      {s}
    </span>
  );
}

export function ProbBar({
  prob,
  threshold,
  compact,
}: {
  prob: number | null | undefined;
  threshold?: number;
  compact?: boolean;
}) {
  if (prob === null || prob === undefined) return <span className="muted">–</span>;
  const keep = threshold !== undefined ? prob >= threshold : undefined;
  return (
    <span
      className={`probbar${compact ? ' probbar-compact' : ''}`}
      title={`p(keep) = ${prob.toFixed(3)}${threshold !== undefined ? `, threshold ${threshold.toFixed(2)}` : ''}`}
    >
      <span className="probbar-track">
        <span
          className={`probbar-fill${keep === false ? ' below' : ''}`}
          style={{ width: `${(prob * 100).toFixed(1)}%` }}
        />
        {threshold !== undefined && (
          <span className="probbar-threshold" style={{ left: `${(threshold * 100).toFixed(1)}%` }} />
        )}
      </span>
      <span className="probbar-value">{prob.toFixed(2)}</span>
    </span>
  );
}

export function EmptyState({
  title,
  children,
  actions,
  icon,
}: {
  title: string;
  children?: ReactNode;
  actions?: ReactNode;
  icon?: ReactNode;
}) {
  return (
    <div className="empty" role="status">
      {icon && (
        <div className="empty-icon" aria-hidden>
          {icon}
        </div>
      )}
      <h2 className="empty-title">{title}</h2>
      {children && <div className="empty-body">{children}</div>}
      {actions && <div className="empty-actions">{actions}</div>}
    </div>
  );
}

/** A folder with a plus: the "import something" icon of empty states. */
export const ImportIcon = () => (
  <svg
    width="40"
    height="40"
    viewBox="0 0 24 24"
    fill="none"
    stroke="currentColor"
    strokeWidth="1.5"
    strokeLinecap="round"
    strokeLinejoin="round"
    aria-hidden
  >
    <path d="M3 7.5A1.5 1.5 0 0 1 4.5 6h4l2 2h9A1.5 1.5 0 0 1 21 9.5v8a1.5 1.5 0 0 1-1.5 1.5h-15A1.5 1.5 0 0 1 3 17.5z" />
    <path d="M12 11v5M9.5 13.5h5" />
  </svg>
);

export const Kbd = ({ children }: { children: ReactNode }) => <kbd className="kbd">{children}</kbd>;

export function Modal({
  title,
  onClose,
  children,
  width = 520,
  testId,
}: {
  title: string;
  onClose: () => void;
  children: ReactNode;
  width?: number;
  testId?: string;
}) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const prev = document.activeElement as HTMLElement | null;
    box.current?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        e.preventDefault();
        e.stopPropagation();
        onClose();
      }
    };
    window.addEventListener('keydown', onKey, true);
    return () => {
      window.removeEventListener('keydown', onKey, true);
      prev?.focus?.();
    };
  }, [onClose]);
  return (
    <div
      className="modal-backdrop"
      onMouseDown={(e) => {
        if (e.target === e.currentTarget) onClose();
      }}
    >
      <div
        className="modal"
        role="dialog"
        aria-modal="true"
        aria-label={title}
        tabIndex={-1}
        ref={box}
        style={{ width }}
        data-testid={testId}
      >
        <header className="modal-head">
          <h2>{title}</h2>
          <button className="btn btn-ghost btn-icon" onClick={onClose} aria-label="Close">
            ✕
          </button>
        </header>
        <div className="modal-body">{children}</div>
      </div>
    </div>
  );
}

export function Progress({ done, total, label }: { done: number; total: number; label?: string }) {
  const frac = total > 0 ? Math.min(1, done / total) : 0;
  return (
    <div
      className="progress"
      role="progressbar"
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={Math.round(frac * 100)}
      aria-label={label}
    >
      <div className="progress-fill" style={{ width: `${(frac * 100).toFixed(1)}%` }} />
    </div>
  );
}

/** True when a key event comes from a text field (shortcuts must not fire while typing). */
export function isTyping(e: KeyboardEvent): boolean {
  const t = e.target as HTMLElement | null;
  if (!t) return false;
  return t.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(t.tagName);
}
