import type { Locator, Page } from 'playwright-core';

/** The frame every view shares: top bar, tabs, dialogs. */
export class StudioPage {
  constructor(readonly page: Page) {}

  tab(name: 'Review' | 'Browse' | 'Train' | 'Export' | 'Stats' | 'Datasets'): Locator {
    return this.page.getByRole('tab', { name, exact: true });
  }

  async open(url: string) {
    await this.page.goto(url);
    await this.page.locator('.topbar').waitFor();
  }

  async goTo(name: Parameters<StudioPage['tab']>[0]) {
    await this.tab(name).click();
  }

  get progress(): Locator {
    return this.page.getByTestId('review-progress');
  }
  get jobs(): Locator {
    return this.page.getByTestId('jobs-indicator');
  }
  get shortcuts(): Locator {
    return this.page.getByTestId('shortcuts-dialog');
  }
  get emptyDataset(): Locator {
    return this.page.getByTestId('empty-dataset');
  }

  async screenshot(name: string) {
    await this.page.screenshot({ path: `tests/e2e/screenshots/${name}.png` });
  }
}
