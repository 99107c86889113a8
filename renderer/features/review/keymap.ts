/**
 * The keyboard map of Review: one table that drives the key handler (review-view.tsx), the `?`
 * sheet (shortcuts-dialog.tsx) and the hints bar (key-hints.tsx). Pure data and lookups, no DOM.
 */
export type ReviewAction =
  'score' | 'accept-llm' | 'undo' | 'note' | 'next' | 'prev' | 'search' | 'similar' | 'guidelines' | 'help' | 'leave';

export interface KeyBinding {
  action: ReviewAction;
  /** KeyboardEvent.key values that trigger it. */
  keys: string[];
  /** How the keys are drawn (arrows as glyphs). */
  labels: string[];
  group: 'Label' | 'Move' | 'Find' | 'Help';
  /** The line in the `?` sheet. */
  what: string;
  /** The short label in the hints bar; bindings without one appear only in the sheet. */
  hint?: string;
  /** Handled by the app shell (help) or the browser (leave), not by Review's handler. */
  global?: boolean;
}

const SCORE_KEYS = ['0', '1', '2', '3', '4', '5'];

export const KEYMAP: readonly KeyBinding[] = [
  {
    action: 'score',
    keys: SCORE_KEYS,
    labels: ['0', '5'],
    group: 'Label',
    what: 'set your score and go to the next sample',
    hint: 'score',
  },
  {
    action: 'accept-llm',
    keys: ['Enter', 'a'],
    labels: ['Enter', 'a'],
    group: 'Label',
    what: "accept the LLM's score",
    hint: 'accept LLM',
  },
  {
    action: 'undo',
    keys: ['u'],
    labels: ['u'],
    group: 'Label',
    what: 'undo your last label (appends a retraction)',
    hint: 'undo',
  },
  {
    action: 'note',
    keys: ['n'],
    labels: ['n'],
    group: 'Label',
    what: 'write a note; it is saved with your next label; Esc returns',
    hint: 'note',
  },
  { action: 'next', keys: ['j', 'ArrowDown'], labels: ['j', '↓'], group: 'Move', what: 'next sample', hint: 'next' },
  { action: 'prev', keys: ['k', 'ArrowUp'], labels: ['k', '↑'], group: 'Move', what: 'previous sample', hint: 'prev' },
  {
    action: 'search',
    keys: ['/'],
    labels: ['/'],
    group: 'Find',
    what: 'search the queue by code text',
    hint: 'search',
  },
  {
    action: 'similar',
    keys: ['s'],
    labels: ['s'],
    group: 'Find',
    what: 'show or hide similar samples and their scores',
    hint: 'similar',
  },
  {
    action: 'guidelines',
    keys: ['g'],
    labels: ['g'],
    group: 'Find',
    what: "show or hide the dataset's labeling guidelines (example links open the sample beside them)",
    hint: 'guidelines',
  },
  { action: 'help', keys: ['?'], labels: ['?'], group: 'Help', what: 'show or hide this list', global: true },
  {
    action: 'leave',
    keys: ['Escape'],
    labels: ['Esc'],
    group: 'Help',
    what: 'close a dialog, leave a text field',
    global: true,
  },
];

/** What a key press means in Review, or null (global keys are the shell's). */
export function actionForKey(key: string): { action: ReviewAction; score?: number } | null {
  const b = KEYMAP.find((k) => !k.global && k.keys.includes(key));
  if (!b) return null;
  return b.action === 'score' ? { action: 'score', score: Number(key) } : { action: b.action };
}

/** Rows of the `?` sheet; a range (0-5) is drawn as its ends. */
export function helpRows(): { group: string; labels: string[]; range: boolean; what: string }[] {
  return KEYMAP.map((b) => ({ group: b.group, labels: b.labels, range: b.action === 'score', what: b.what }));
}

/** Items of the hints bar, in table order. */
export function hintItems(): { labels: string[]; range: boolean; hint: string }[] {
  return KEYMAP.filter((b) => b.hint).map((b) => ({
    labels: b.action === 'next' || b.action === 'prev' ? [b.labels[0]] : b.labels,
    range: b.action === 'score',
    hint: b.hint!,
  }));
}
