/** Small display helpers shared by the views. */
import { parseAgent } from '../../shared/agent.js';
const nf = new Intl.NumberFormat('en-US');

export const fmtInt = (n: number | null | undefined) => (n === null || n === undefined ? '–' : nf.format(n));

export function fmtBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MB`;
  return `${(n / 1024 ** 3).toFixed(2)} GB`;
}

export const fmtProb = (p: number | null | undefined) => (p === null || p === undefined ? '–' : p.toFixed(2));

export function fmtTime(iso: string): string {
  const d = new Date(iso);
  const today = new Date();
  const sameDay = d.toDateString() === today.toDateString();
  return sameDay
    ? d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' })
    : d.toLocaleString(undefined, {
        month: 'short',
        day: 'numeric',
        hour: '2-digit',
        minute: '2-digit',
        hourCycle: 'h23',
      });
}

/** `model|templateId|templateHash` -> its parts, for the LLM agent line. */
export function agentParts(agent: string): { model: string; template: string; hash: string } {
  const a = parseAgent(agent);
  return { model: a.model, template: a.templateId, hash: a.templateHash.slice(0, 8) };
}

/** Last two path segments, for dense lists. */
export function shortPath(p: string | null | undefined, segments = 2): string {
  if (!p) return '';
  const parts = p.split(/[\\/]/).filter(Boolean);
  return parts.length <= segments ? parts.join('/') : `…/${parts.slice(-segments).join('/')}`;
}

export const clamp = (v: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, v));

/** "1 error", "2 errors": the count and its noun. */
export function counted(n: number, noun: string): string {
  return `${fmtInt(n)} ${noun}${n === 1 ? '' : 's'}`;
}
