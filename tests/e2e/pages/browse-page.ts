import type { Locator, Page } from 'playwright-core';

export class BrowsePage {
  constructor(readonly page: Page) {}

  get view(): Locator {
    return this.page.getByTestId('browse-view');
  }
  get rows(): Locator {
    return this.page.getByTestId('browse-row');
  }

  /** The total Browse shows, read in the same instant it is seen (a refresh can replace it by "Loading…"). */
  async total(): Promise<number> {
    const h = await this.page.waitForFunction(() => {
      const m = /^([\d,]+) samples?$/.exec(
        document.querySelector('[data-testid=browse-total]')?.textContent?.trim() ?? '',
      );
      return m ? Number(m[1].replace(/,/g, '')) : null;
    });
    return (await h.jsonValue()) as number;
  }

  async sortBy(field: 'id' | 'source' | 'tokens' | 'llm_score' | 'human_score' | 'classifier_score' | 'disagreement') {
    const before = await this.page.getByTestId(`sort-${field}`).getAttribute('aria-sort');
    await this.page.getByTestId(`sort-${field}`).click();
    await this.page.waitForFunction(
      ([f, b]) => document.querySelector(`[data-testid=sort-${f}]`)?.getAttribute('aria-sort') !== b,
      [field, before] as const,
    );
  }

  async sortDirection(field: string): Promise<string | null> {
    return this.page.getByTestId(`sort-${field}`).getAttribute('aria-sort');
  }

  /** Token counts of the first `n` loaded rows, in display order. */
  async tokenColumn(n: number): Promise<number[]> {
    await this.page.waitForFunction((k) => document.querySelectorAll('[data-testid=cell-tokens]').length >= k, n);
    const rows = await this.rows.evaluateAll((els) =>
      els
        .map((e) => ({
          i: Number(e.getAttribute('data-index')),
          t: e.querySelector('[data-testid=cell-tokens]')?.textContent ?? '',
        }))
        .sort((a, b) => a.i - b.i),
    );
    return rows.slice(0, n).map((r) => Number(r.t.replace(/,/g, '')));
  }

  async filterLabelState(state: string) {
    await this.page.getByTestId('filter-label-state').selectOption(state);
  }

  async openRow(index: number) {
    await this.page.locator(`[data-testid=browse-row][data-index="${index}"]`).click();
  }
}
