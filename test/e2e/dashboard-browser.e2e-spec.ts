/// <reference lib="dom" />
/**
 * The dashboard in a real browser (Debian's Chromium through playwright-core): sign in through
 * the link `/pulse dashboard` gives, charts that draw the API's numbers, a suppressed heatmap
 * cell, a round opened and closed from the Surveys page, refusals, sign-out, axe-core on every
 * page and a screenshot of each under screenshots/dashboard/ (git-ignored).
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import request from 'supertest';
import { launchChromium, screenshot, seriousViolations } from '../support/browser';
import { dashboardLink } from '../support/dashboard';
import { deliveredTo, pulseWorld, PulseWorld, submitModal } from '../support/pulse-world';
import { TestClock } from '../support/test-clock';

// Setting up two answered rounds and a browser takes ~15 s alone, several times that on a busy
// machine: a generous deadline, not a timing test.
jest.setTimeout(120_000);

const QUESTIONS = [
  { id: 'workload', kind: 'scale5', prompt: 'My workload was manageable' },
  { id: 'enps', kind: 'enps', prompt: 'Would you recommend this team?' },
  { id: 'comment', kind: 'text', prompt: 'Anything to add?' },
];

interface Question {
  questionId: string;
  kind: string;
  suppressed: boolean;
  enps: number | null;
  favorability: number | null;
}
interface TrendRound {
  closedAt: string;
  participation: { rate: number };
  questions: Question[];
}

describe('the dashboard in Chromium', () => {
  const clock = new TestClock(new Date());
  let w: PulseWorld;
  let browser: Browser;
  let hr: string;
  let lead: string;
  let agent: string;
  let surveyId: string;
  const cspViolations: string[] = [];

  /** Answers every member of the given teams with values derived from their position. */
  async function runRound(seed: number): Promise<string> {
    const opened = await request(w.t.url)
      .post(`/api/surveys/${surveyId}/rounds`)
      .set(w.admin)
      .expect(201);
    const roundId: string = opened.body.id;
    await deliveredTo(w, roundId, opened.body.invited);
    let i = seed;
    for (const team of ['alpha', 'bravo', 'charlie']) {
      for (const user of w.members[team]) {
        i += 1;
        await submitModal(w, user, roundId, {
          workload: { kind: 'scale5', value: String(1 + (i % 5)) },
          enps: { kind: 'enps', value: String((i * 3) % 11) },
          comment: { kind: 'text', value: i % 4 === 0 ? `<b>note ${i}</b>` : '' },
        }).expect(200);
      }
    }
    await request(w.t.url).post(`/api/rounds/${roundId}/close`).set(w.admin).expect(200);
    return roundId;
  }

  async function newPage(): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
    });
    return { context, page };
  }

  async function signIn(page: Page, userId: string): Promise<void> {
    const { token, reply } = await dashboardLink(w, userId);
    if (!token) throw new Error(`no link for ${userId}: ${reply}`);
    await page.goto(`${w.t.url}/auth/link/${token}`);
    await page.getByRole('button', { name: 'Continue to the dashboard' }).click();
    await page.waitForURL(`${w.t.url}/`);
  }

  /** axe finds nothing serious, and no script or style was refused by the CSP so far. */
  async function expectAccessible(page: Page): Promise<void> {
    expect(await seriousViolations(page)).toEqual([]);
    expect(cspViolations).toEqual([]);
  }

  beforeAll(async () => {
    browser = await launchChromium();
    w = await pulseWorld({ alpha: 6, bravo: 5, charlie: 3 }, { app: { clock } });
    hr = w.members.alpha[0];
    lead = w.members.alpha[1];
    agent = w.members.alpha[2];
    for (const [user, role] of [
      [hr, 'hr'],
      [lead, 'lead'],
    ]) {
      await request(w.t.url).patch(`/api/people/${user}`).set(w.admin).send({ role }).expect(200);
    }
    surveyId = (
      await request(w.t.url)
        .post('/api/surveys')
        .set(w.admin)
        .send({ title: 'Weekly <pulse> & co', questions: QUESTIONS })
        .expect(201)
    ).body.id;
    // Back to back: the delivery jobs run on the queue's real time, so the clock is not moved here.
    await runRound(0);
    await runRound(7);
  });

  afterAll(async () => {
    await browser?.close();
    await w?.close();
  });

  describe('HR', () => {
    let context: BrowserContext;
    let page: Page;

    beforeAll(async () => {
      ({ context, page } = await newPage());
      await signIn(page, hr);
    });

    afterAll(async () => {
      await context?.close();
    });

    it('signs in through the link and lands on the overview', async () => {
      expect(await page.locator('h1').textContent()).toBe('Overview');
      const cookies = await context.cookies();
      const session = cookies.find((c) => c.name === 'pulsedesk_session');
      expect(session?.httpOnly).toBe(true);
      expect(session?.sameSite).toBe('Lax');
      // The survey title is user text: shown escaped, never as markup.
      expect(await page.locator('main h2').first().textContent()).toContain('Weekly <pulse> & co');
    });

    it('draws the numbers the trends API gives for the same rounds', async () => {
      const api = await request(w.t.url)
        .get(`/api/surveys/${surveyId}/trends`)
        .set(w.admin)
        .expect(200);
      const rounds: TrendRound[] = api.body.rounds;
      expect(rounds).toHaveLength(2);
      const fig = (r: TrendRound, id: string) => r.questions.find((q) => q.questionId === id)!;
      const expected = {
        participation: rounds.map((r) => Math.round(r.participation.rate * 1000) / 10),
        enps: rounds.map((r) => fig(r, 'enps').enps),
        favorability: rounds.map((r) => fig(r, 'workload').favorability),
      };
      // The comparison means something only if the API gave real numbers.
      for (const series of Object.values(expected))
        for (const value of series) expect(typeof value).toBe('number');
      const drawn = await page.evaluate(() => {
        const C = (window as unknown as { Chart: { getChart(id: string): unknown } }).Chart;
        const read = (id: string) => {
          const chart = C.getChart(id) as
            { data: { labels: string[]; datasets: { data: (number | null)[] }[] } } | undefined;
          const canvas = document.getElementById(id) as HTMLCanvasElement;
          return chart
            ? {
                labels: chart.data.labels,
                data: chart.data.datasets.map((d) => d.data),
                width: canvas.width,
              }
            : null;
        };
        return {
          participation: read('chart-participation'),
          enps: read('chart-enps'),
          favorability: read('chart-favorability'),
        };
      });
      expect(drawn.participation?.data).toEqual([expected.participation]);
      expect(drawn.enps?.data).toEqual([expected.enps]);
      expect(drawn.favorability?.data).toEqual([expected.favorability]);
      expect(drawn.enps?.labels).toEqual(rounds.map((r) => r.closedAt.slice(0, 10)));
      expect(drawn.enps?.width).toBeGreaterThan(0);
      await expectAccessible(page);
      await screenshot(page, 'overview');
    });

    it('shows a team below k as suppressed in the heatmap, with the legend saying why', async () => {
      await page.getByRole('link', { name: 'Heatmap' }).click();
      await page.waitForURL(`${w.t.url}/heatmap`);
      const charlie = page.locator('tr[data-team="charlie"] td');
      expect(await charlie.count()).toBe(2);
      for (const text of await charlie.allTextContents()) {
        expect(text.trim()).toBe('Suppressed');
        expect(text).not.toMatch(/\d/);
      }
      expect(await page.locator('tr[data-team="charlie"] td[data-suppressed]').count()).toBe(2);
      expect(await page.locator('.legend').textContent()).toMatch(/fewer than 5 people/);
      // The API agrees: that group is suppressed there too.
      const roundId = await page.locator('select#round option[selected]').getAttribute('value');
      const results = await request(w.t.url)
        .get(`/api/rounds/${roundId}/results?groupBy=team`)
        .set(w.admin)
        .expect(200);
      const group = results.body.groups.find((g: { name: string }) => g.name === 'charlie');
      expect(group.suppressed).toBe(true);
      await expectAccessible(page);
      await screenshot(page, 'heatmap');
    });

    it('shows a round with its figures, comments escaped, and a CSV link', async () => {
      await page.getByRole('link', { name: 'Round details and comments' }).click();
      expect(await page.locator('h1').textContent()).toBe('Round');
      const comments = await page.locator('ul.comments li').allTextContents();
      expect(comments.length).toBeGreaterThan(0);
      for (const c of comments) expect(c).toMatch(/^<b>note \d+<\/b>$/);
      expect(await page.locator('ul.comments b').count()).toBe(0);
      const csv = await page.getByRole('link', { name: 'Download CSV' }).getAttribute('href');
      const res = await page.request.get(`${w.t.url}${csv}`);
      expect(res.status()).toBe(200);
      expect(res.headers()['content-type']).toContain('text/csv');
      await expectAccessible(page);
      await screenshot(page, 'round');
    });

    it('opens and closes a round from the Surveys page', async () => {
      await page.getByRole('link', { name: 'Surveys' }).click();
      await page.waitForURL(`${w.t.url}/surveys`);
      await expectAccessible(page);
      await screenshot(page, 'surveys');
      await page.getByRole('button', { name: 'Open a round now of Weekly <pulse> & co' }).click();
      await page.waitForURL(/\/surveys\?done=opened$/);
      expect(await page.getByRole('status').textContent()).toContain('Round opened');
      const survey = async () =>
        (await request(w.t.url).get(`/api/surveys/${surveyId}`).set(w.admin).expect(200)).body;
      const open = (await survey()).rounds.filter((r: { status: string }) => r.status === 'open');
      expect(open).toHaveLength(1);
      await deliveredTo(w, open[0].id, open[0].participation.invited);
      await page.getByRole('button', { name: 'Close round of Weekly <pulse> & co' }).click();
      await page.waitForURL(/\/surveys\?done=closed$/);
      expect(await page.getByRole('status').textContent()).toContain('Round closed');
      const closed = (await survey()).rounds.find((r: { id: string }) => r.id === open[0].id);
      expect(closed.status).toBe('closed');
    });

    it('refuses a POST without the CSRF token, from the signed-in browser', async () => {
      const status = await page.evaluate(async (id) => {
        const res = await fetch(`/surveys/${id}/rounds`, { method: 'POST' });
        return res.status;
      }, surveyId);
      expect(status).toBe(403);
      const open = (
        await request(w.t.url).get(`/api/surveys/${surveyId}`).set(w.admin).expect(200)
      ).body.rounds.filter((r: { status: string }) => r.status === 'open');
      expect(open).toHaveLength(0);
    });

    it('passes axe on the focus, settings and stories pages', async () => {
      for (const [name, path] of [
        ['focus', '/focus'],
        ['settings', '/settings'],
        ['stories', '/stories'],
      ]) {
        await page.goto(`${w.t.url}${path}`);
        expect(await page.locator('h1').textContent()).toBe(name[0].toUpperCase() + name.slice(1));
        await expectAccessible(page);
        await screenshot(page, name);
      }
    });

    it('fits a phone’s width without sideways scrolling', async () => {
      await page.setViewportSize({ width: 390, height: 844 });
      for (const path of ['/', '/heatmap', '/surveys']) {
        await page.goto(`${w.t.url}${path}`);
        const overflow = await page.evaluate(
          () => document.documentElement.scrollWidth - window.innerWidth,
        );
        expect(overflow).toBeLessThanOrEqual(0);
      }
      await screenshot(page, 'overview-phone');
      await page.setViewportSize({ width: 1280, height: 900 });
    });

    it('signs out', async () => {
      await page.goto(`${w.t.url}/`);
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.waitForURL(`${w.t.url}/auth/signed-out`);
      expect(await page.locator('main').textContent()).toContain('You are signed out');
      await expectAccessible(page);
      await screenshot(page, 'signed-out');
      const res = await page.goto(`${w.t.url}/`);
      expect(res?.status()).toBe(401);
      expect(await page.locator('main').textContent()).toContain('/pulse dashboard');
      await expectAccessible(page);
    });
  });

  describe('refused', () => {
    it('a burnt link', async () => {
      const { context, page } = await newPage();
      const { token } = await dashboardLink(w, hr);
      await page.goto(`${w.t.url}/auth/link/${token}`);
      await page.getByRole('button', { name: 'Continue to the dashboard' }).click();
      await page.waitForURL(`${w.t.url}/`);
      const other = await browser.newContext();
      const second = await other.newPage();
      await second.goto(`${w.t.url}/auth/link/${token}`);
      await expectAccessible(second);
      await screenshot(second, 'sign-in');
      const [response] = await Promise.all([
        second.waitForResponse((r) => r.url().endsWith('/auth/link')),
        second.getByRole('button', { name: 'Continue to the dashboard' }).click(),
      ]);
      expect(response.status()).toBe(401);
      expect(await second.getByRole('alert').textContent()).toContain('already used');
      expect((await other.cookies()).find((c) => c.name === 'pulsedesk_session')).toBeUndefined();
      await other.close();
      await context.close();
    });

    it('an expired link', async () => {
      const { context, page } = await newPage();
      const { token } = await dashboardLink(w, hr);
      await page.goto(`${w.t.url}/auth/link/${token}`);
      clock.advance(15 * 60_000 + 1);
      await page.getByRole('button', { name: 'Continue to the dashboard' }).click();
      expect(await page.getByRole('alert').textContent()).toContain('expired');
      expect((await context.cookies()).find((c) => c.name === 'pulsedesk_session')).toBeUndefined();
      await context.close();
    });

    it('an agent’s /pulse dashboard', async () => {
      const { token, reply } = await dashboardLink(w, agent);
      expect(token).toBeUndefined();
      expect(reply).toContain('The dashboard is for team leads, HR and admins');
    });

    it('a lead opening another team’s page (and the HR pages)', async () => {
      const { context, page } = await newPage();
      await signIn(page, lead);
      expect(await page.locator('main h2').first().textContent()).toContain('your team');
      await expectAccessible(page);
      await screenshot(page, 'overview-lead');
      const own = await page.goto(`${w.t.url}/focus/teams/${w.teamIds.alpha}`);
      expect(own?.status()).toBe(200);
      const other = await page.goto(`${w.t.url}/focus/teams/${w.teamIds.bravo}`);
      expect(other?.status()).toBe(403);
      expect(await page.getByRole('alert').textContent()).toContain('own team only');
      const surveys = await page.goto(`${w.t.url}/surveys`);
      expect(surveys?.status()).toBe(403);
      await context.close();
    });
  });
});
