import { useApp } from '../../state/app-slice.js';
import { Kbd, Modal } from '../../ui/widgets.js';

export const SHORTCUTS: { keys: string[]; what: string; group: string }[] = [
  { group: 'Label', keys: ['0', '1', '2', '3', '4', '5'], what: 'set your score and go to the next sample' },
  { group: 'Label', keys: ['Enter', 'a'], what: "accept the LLM's score" },
  { group: 'Label', keys: ['u'], what: 'undo your last label (appends a retraction)' },
  { group: 'Label', keys: ['n'], what: 'write a note; it is saved with your next label; Esc returns' },
  { group: 'Move', keys: ['j', '↓'], what: 'next sample' },
  { group: 'Move', keys: ['k', '↑'], what: 'previous sample' },
  { group: 'Find', keys: ['/'], what: 'search the queue by code text' },
  { group: 'Find', keys: ['s'], what: 'show or hide similar samples and their scores' },
  { group: 'Help', keys: ['?'], what: 'show or hide this list' },
  { group: 'Help', keys: ['Esc'], what: 'close a dialog, leave a text field' },
];

export function ShortcutsDialog() {
  const close = () => useApp.getState().setShortcutsOpen(false);
  return (
    <Modal title="Keyboard shortcuts" onClose={close} testId="shortcuts-dialog">
      <table className="shortcuts">
        <tbody>
          {SHORTCUTS.map((s) => (
            <tr key={s.what}>
              <td className="muted small">{s.group}</td>
              <td className="keys">
                {s.keys.map((k, i) => (
                  <span key={k}>
                    {i > 0 && <span className="muted"> </span>}
                    <Kbd>{k}</Kbd>
                  </span>
                ))}
              </td>
              <td>{s.what}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="muted small">
        Scores follow the additive 0–5 rubric: +1 valid code, +1 practical concepts, +1 suitable for teaching, +1
        self-contained exercise, +1 textbook quality.
      </p>
    </Modal>
  );
}
