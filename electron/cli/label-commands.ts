import type { Command } from 'commander';

/** `tbs labels ...` (import/export of label records) — filled in by the labeling work. */
export function registerLabelCommands(_program: Command): void {}
