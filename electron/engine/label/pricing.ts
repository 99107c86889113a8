import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RESOURCES_DIR } from './templates.js';

export interface Price {
  input: number;
  output: number;
}

let shipped: Record<string, Price> | null = null;
function shippedPrices(): Record<string, Price> {
  if (!shipped) {
    const raw = JSON.parse(readFileSync(join(RESOURCES_DIR, 'prices.json'), 'utf8')) as Record<string, unknown>;
    shipped = Object.fromEntries(Object.entries(raw).filter(([k]) => !k.startsWith('_'))) as Record<string, Price>;
  }
  return shipped;
}

/** USD per 1M tokens for a model: the dataset's override, else the shipped table (also by prefix, e.g. dated snapshots). */
export function priceOf(model: string, overrides: Record<string, Price> = {}): Price | null {
  const table = { ...shippedPrices(), ...overrides };
  if (table[model]) return table[model];
  const key = Object.keys(table)
    .filter((k) => model.startsWith(k + '-'))
    .sort((a, b) => b.length - a.length)[0];
  return key ? table[key] : null;
}

export function costUsd(price: Price | null, promptTokens: number, completionTokens: number, batch = false): number {
  if (!price) return 0;
  const c = (promptTokens * price.input + completionTokens * price.output) / 1e6;
  return batch ? c / 2 : c;
}
