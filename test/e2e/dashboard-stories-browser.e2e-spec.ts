/// <reference lib="dom" />
/**
 * The Stories page in a real browser (Debian's Chromium through playwright-core): HR approves a
 * story from the review queue, the feed shows it with user text as text, axe-core finds nothing
 * serious, and screenshots go under screenshots/dashboard/ (git-ignored).
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import request from 'supertest';
import { launchChromium, screenshot, seriousViolations } from '../support/browser';
import { dashboardLink } from '../support/dashboard';
import { pulseWorld, PulseWorld } from '../support/pulse-world';
import { shareStory } from '../support/stories-world';
import { TestClock } from '../support/test-clock';

// A browser on a busy machine: a generous deadline, not a timing test.
jest.setTimeout(120_000);

describe('the Stories page in Chromium', () => {
  const clock = new TestClock('2026-11-25T10:00:00Z');
  let w: PulseWorld;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let hr: string;
  let agent: string;
  const cspViolations: string[] = [];
  const title = 'The <b>refund</b> that saved a wedding';

  beforeAll(async () => {
    browser = await launchChromium();
    w = await pulseWorld({ support: 3 }, { app: { clock }, teamId: 'T0DSTORY2' });
    [agent, , hr] = w.members.support;
    await request(w.t.url).patch(`/api/people/${hr}`).set(w.admin).send({ role: 'hr' }).expect(200);
    await shareStory(w, agent, {
      title,
      body: 'She got her dress in time. <script>alert(1)</script> <!channel>',
      tags: ['customer_win'],
    });
    await shareStory(w, agent, {
      title: 'Why I stay',
      body: 'The team.',
      tags: ['why_i_do_this'],
      sharing: 'anonymous',
    });
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
    });
    page.on('dialog', (d) => {
      cspViolations.push(`a dialog opened: ${d.message()}`);
      void d.dismiss();
    });
    const { token, reply } = await dashboardLink(w, hr);
    if (!token) throw new Error(`no link for HR: ${reply}`);
    await page.goto(`${w.t.url}/auth/link/${token}`);
    await page.getByRole('button', { name: 'Continue to the dashboard' }).click();
    await page.waitForURL(`${w.t.url}/`);
  });

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await w?.close();
  });

  async function expectAccessible(): Promise<void> {
    expect(await seriousViolations(page)).toEqual([]);
    expect(cspViolations).toEqual([]);
  }

  it('shows the review queue with user text as text, and passes axe', async () => {
    await page.getByRole('link', { name: 'Stories' }).click();
    await page.waitForURL(`${w.t.url}/stories`);
    expect(await page.locator('h1').textContent()).toBe('Stories');
    const queue = page.locator('[data-queue="pending"]');
    expect(await queue.locator('h3').allTextContents()).toEqual(
      expect.arrayContaining([title, 'Why I stay']),
    );
    expect(await queue.locator('b, script').count()).toBe(0);
    expect(await queue.textContent()).toContain('<script>alert(1)</script> <!channel>');
    expect(await queue.textContent()).toContain('Anonymous');
    await expectAccessible();
    await screenshot(page, 'stories');
  });

  it('approves a story from the Stories page', async () => {
    await page.getByRole('button', { name: `Approve story ${title}` }).click();
    await page.waitForURL(/\/stories\?done=approved$/);
    expect(await page.getByRole('status').textContent()).toContain('Story approved');
    const api = await request(w.t.url).get('/api/stories').set(w.admin).expect(200);
    expect(api.body.items.map((s: { title: string }) => s.title)).toEqual([title]);
    const feed = page.locator('[data-feed="published"]');
    expect(await feed.locator('h3').allTextContents()).toEqual([title]);
    expect(await page.locator('[data-queue="pending"] h3').allTextContents()).toEqual([
      'Why I stay',
    ]);
    await expectAccessible();
  });

  it('searches the feed and shows the matches marked', async () => {
    await page.getByLabel('Search stories').fill('dress');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL(/\/stories\?q=dress/);
    const snippet = page.locator('[data-feed="published"] .snippet');
    expect(await snippet.locator('mark').allTextContents()).toEqual(['dress']);
    expect(await snippet.locator('script').count()).toBe(0);
    await expectAccessible();
    await screenshot(page, 'stories-search');
  });
});
