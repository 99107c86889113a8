import type { Locator, Page } from 'playwright-core';

export class ReviewPage {
  constructor(readonly page: Page) {}

  get view(): Locator {
    return this.page.getByTestId('review-view');
  }
  get editor(): Locator {
    return this.page.locator('.monaco-editor').first();
  }
  get head(): Locator {
    return this.page.getByTestId('sample-head');
  }
  get rationale(): Locator {
    return this.page.getByTestId('llm-rationale');
  }
  get history(): Locator {
    return this.page.getByTestId('label-history');
  }
  get outbox(): Locator {
    return this.page.getByTestId('outbox');
  }
  get allSaved(): Locator {
    return this.page.getByTestId('outbox-clear');
  }
  get flash(): Locator {
    return this.page.getByTestId('flash');
  }
  get currentRow(): Locator {
    return this.page.locator('[data-testid=queue-row][aria-current=true]');
  }

  /** Visible code text as Monaco renders it (non-breaking spaces normalized). */
  async codeText(): Promise<string> {
    await this.page.locator('.monaco-editor .view-lines').first().waitFor();
    const t = await this.page.locator('.monaco-editor .view-lines').first().innerText();
    return t.replace(/\u00a0/g, ' ');
  }

  async waitForCode(snippet: string) {
    await this.page.waitForFunction(
      (s) =>
        (document.querySelector('.monaco-editor .view-lines')?.textContent ?? '').replace(/\u00a0/g, ' ').includes(s),
      snippet,
    );
  }

  async currentPath(): Promise<string> {
    return (await this.head.locator('.code-path').innerText()).trim();
  }

  async press(key: string) {
    // Keys go to the page, never to a text field.
    await this.page
      .locator('body')
      .focus()
      .catch(() => {});
    await this.page.keyboard.press(key);
  }
}

export async function currentSampleId(page: Page): Promise<string> {
  return (await page.getByTestId('sample-head').getAttribute('data-sample-id'))!;
}
