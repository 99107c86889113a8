import { useApp } from '../../state/app-slice.js';
import { Kbd, Modal } from '../../ui/widgets.js';
import { helpRows } from '../review/keymap.js';

export function ShortcutsDialog() {
  const close = () => useApp.getState().setShortcutsOpen(false);
  return (
    <Modal title="Keyboard shortcuts" onClose={close} testId="shortcuts-dialog">
      <table className="shortcuts">
        <tbody>
          {helpRows().map((s) => (
            <tr key={s.what}>
              <td className="muted small">{s.group}</td>
              <td className="keys">
                {s.labels.map((k, i) => (
                  <span key={k}>
                    {i > 0 && <span className="muted">{s.range ? '–' : ' '}</span>}
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
