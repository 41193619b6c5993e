import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../support/terraform-fixtures.js';
import { PLATFORM_STACKS, startUiWorld, type UiWorld } from './ui-world.js';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium)
  console.warn(`[browser] ${CHROMIUM} not found: UI browser tests skipped (apt-get install -y chromium)`);
const SHOTS = path.join(repoRoot, 'docs/screenshots');

declare global {
  interface Window {
    __driftdLoadId?: string;
    __seen?: number[];
  }
}

describe.runIf(hasChromium)('web UI in a real browser', () => {
  let world: UiWorld;
  let context: BrowserContext;
  let userDataDir: string;
  let page: Page;
  const problems: string[] = [];

  beforeAll(async () => {
    world = await startUiWorld();
    userDataDir = await mkdtemp(path.join(tmpdir(), 'driftd-chromium-'));
    await mkdir(SHOTS, { recursive: true });
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
      viewport: { width: 1200, height: 820 },
    });
    page = context.pages()[0] ?? (await context.newPage());
    // Any script error or CSP violation fails the suite.
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
  });

  afterAll(async () => {
    await context?.close();
    await world?.close();
    if (userDataDir) await rm(userDataDir, { recursive: true, force: true });
  });

  const shot = (name: string) => page.screenshot({ path: path.join(SHOTS, name) });

  it('dashboard: Scan now runs a scan whose progress bar advances to done over SSE, without a reload', async () => {
    await page.goto(`${world.baseUrl}/`);
    const loadId = await page.evaluate(() => window.__driftdLoadId);
    expect(loadId).toMatch(/\d+-/);
    await expect.poll(() => page.locator('[data-live-text]').textContent()).toBe('on');
    await expect.poll(() => page.locator('h1').textContent()).toContain('2 stacks drifted of 7 stacks');
    await shot('dashboard.png');

    // Record every aria-valuenow the bar of this repo shows, from the moment it appears.
    await page.evaluate(() => {
      window.__seen = [];
      new MutationObserver(() => {
        const bar = document.querySelector('tr[data-repo="platform-infra"] [role=progressbar]');
        const v = Number(bar?.getAttribute('aria-valuenow') ?? -1);
        if (bar && window.__seen!.at(-1) !== v) window.__seen!.push(v);
      }).observe(document.body, { subtree: true, childList: true, attributes: true });
    });
    const row = page.locator('tr[data-repo="platform-infra"]');
    await row.getByRole('button', { name: 'Scan now' }).click();
    await expect.poll(() => page.locator('#flash').textContent()).toContain('Scan started');
    const bar = row.getByRole('progressbar', { name: 'Scan of platform-infra' });
    await bar.waitFor();
    expect(await bar.getAttribute('aria-valuemax')).toBe(String(PLATFORM_STACKS.length));
    await expect
      .poll(() => bar.getAttribute('aria-valuenow'), { timeout: 15_000 })
      .toBe(String(PLATFORM_STACKS.length));
    await expect.poll(() => row.locator('.progress-text').textContent()).toContain('Finished: 6 of 6 done');
    const seen = await page.evaluate(() => window.__seen!);
    expect(
      seen.some((v) => v > 0 && v < PLATFORM_STACKS.length),
      `intermediate values in ${seen}`,
    ).toBe(true);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    // Counts were refreshed in place and the page never reloaded.
    await expect.poll(() => row.getByRole('button', { name: 'Scan now' }).count()).toBe(1);
    expect(await page.evaluate(() => window.__driftdLoadId)).toBe(loadId);
    expect(problems).toEqual([]);
  });

  it('repo page: filterable stack list; a drifted stack shows the resource diff and coloured plan', async () => {
    await page.goto(`${world.baseUrl}/repos/platform-infra`);
    await expect.poll(() => page.locator('table.stacks tbody tr').count()).toBe(PLATFORM_STACKS.length);
    await shot('repo.png');
    await page.getByRole('link', { name: 'Drifted', exact: true }).click();
    await expect.poll(() => page.locator('table.stacks tbody tr').count()).toBe(2);
    expect(page.url()).toContain('status=drifted');

    await page.getByRole('link', { name: 'envs/prod' }).click();
    await expect.poll(() => page.locator('h1').textContent()).toContain('envs/prod');
    await expect.poll(() => page.locator('#verdict-h').textContent()).toContain('Drifted');
    const resources = page.locator('ul.resources');
    expect(await resources.locator('code.addr').first().textContent()).toMatch(/\w+\.\w+/);
    expect(await resources.textContent()).toContain('Changed attributes');
    expect(await page.locator('pre.plan .pl-chg').count()).toBeGreaterThan(0);
    await shot('stack.png');
    expect(problems).toEqual([]);
  });

  it('keyboard: the skip link comes first and moves focus to the content', async () => {
    await page.goto(`${world.baseUrl}/`);
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('main');
  });

  it('dark theme and phone width render', async () => {
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.goto(`${world.baseUrl}/`);
    const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    expect(bg).toBe('rgb(15, 18, 22)');
    await shot('dashboard-dark.png');
    await page.emulateMedia({ colorScheme: 'light' });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${world.baseUrl}/repos/platform-infra`);
    await shot('repo-phone.png');
    // The stack table collapses to cards: no horizontal scrolling.
    const overflow = await page.evaluate(() => {
      const wide = Array.from(document.querySelectorAll('main *')).filter(
        (el) => el.getBoundingClientRect().right > window.innerWidth + 1,
      );
      return {
        by: document.documentElement.scrollWidth - window.innerWidth,
        wide: wide.slice(0, 5).map((el) => `${el.tagName}.${el.className}`),
      };
    });
    expect(overflow.by, JSON.stringify(overflow.wide)).toBeLessThanOrEqual(0);
    expect(problems).toEqual([]);
  });
});
