import type { Locator, Page } from 'playwright-core';

export class DatasetsPage {
  constructor(readonly page: Page) {}

  get view(): Locator {
    return this.page.getByTestId('datasets-view');
  }
  get importCard(): Locator {
    return this.page.getByTestId('import-card');
  }
  get result(): Locator {
    return this.page.getByTestId('import-result');
  }
  get errors(): Locator {
    return this.page.getByTestId('import-errors');
  }

  async importPaths(paths: string[], chunk: 'function' | 'file' = 'function') {
    await this.page.getByTestId('import-paths').fill(paths.join('\n'));
    await this.page.getByLabel(chunk === 'function' ? /per top-level function/ : /per file/).check();
    await this.page.getByTestId('import-start').click();
  }

  /** The imported count once the import finished. */
  async importedCount(): Promise<number> {
    // An import through the UI can take seconds on a loaded machine; one that never ends still fails.
    await this.result.waitFor({ timeout: 60_000 });
    const text = await this.result.innerText();
    const m = /Imported ([\d,]+) samples/.exec(text);
    if (!m) throw new Error(`no import count in ${JSON.stringify(text)}`);
    return Number(m[1].replace(/,/g, ''));
  }

  /** Progress events the view received for the last import. */
  async progressEvents(): Promise<number> {
    return Number(await this.importCard.getAttribute('data-progress-events'));
  }
}
