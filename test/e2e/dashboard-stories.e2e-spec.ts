/**
 * The dashboard's Stories page over HTTP (docs/dashboard.md): HR sees the review queue and
 * approves through the page's form, which needs the CSRF token; a lead sees neither; every story
 * text is escaped, search snippets keep only the service's <mark>; the feed pages by cursor.
 */
import request from 'supertest';
import { DashboardSession, signInThroughSlack } from '../support/dashboard';
import { pulseWorld, PulseWorld } from '../support/pulse-world';
import { shareStory } from '../support/stories-world';
import { TestClock } from '../support/test-clock';

interface Item {
  id: string;
  title: string;
  status: string;
}

describe('dashboard stories page', () => {
  // A fixed day in UTC: nothing below depends on the machine's date or zone.
  const clock = new TestClock('2026-11-25T10:00:00Z');
  let w: PulseWorld;
  let agent: string;
  let hr: string;
  let lead: string;
  let admin: string;
  let hrSession: DashboardSession;
  let leadSession: DashboardSession;
  let adminSession: DashboardSession;

  beforeAll(async () => {
    w = await pulseWorld({ support: 4 }, { app: { clock }, teamId: 'T0DSTORY1' });
    [agent, admin, hr, lead] = w.members.support;
    for (const [user, role] of [
      [hr, 'hr'],
      [lead, 'lead'],
      [admin, 'admin'],
    ]) {
      await request(w.t.url).patch(`/api/people/${user}`).set(w.admin).send({ role }).expect(200);
    }
    hrSession = await signInThroughSlack(w, hr);
    leadSession = await signInThroughSlack(w, lead);
    adminSession = await signInThroughSlack(w, admin);
  });

  afterAll(async () => {
    await w?.close();
  });

  const cookie = (s: DashboardSession) => ({ Cookie: s.cookie });
  const stories = async (status: string): Promise<Item[]> =>
    (await request(w.t.url).get('/api/stories').query({ status }).set(w.admin).expect(200)).body
      .items;
  const idOf = async (status: string, title: string): Promise<string> => {
    const found = (await stories(status)).find((s) => s.title === title);
    if (!found) throw new Error(`no ${status} story titled ${title}`);
    return found.id;
  };
  /** The part of a page inside `<ul ... data-queue="pending">` (or data-feed), up to its </ul>. */
  const list = (page: string, attribute: string): string => {
    const start = page.indexOf(attribute);
    return start < 0 ? '' : page.slice(start, page.indexOf('</ul>', start));
  };

  it('shows an empty state saying what to do next when there is no story', async () => {
    const res = await request(w.t.url).get('/stories').set(cookie(hrSession)).expect(200);
    expect(res.text).toContain('No stories yet');
    expect(res.text).toContain('/story in Slack');
    expect(res.text).toContain('Nothing to review');
  });

  describe('review', () => {
    let named: string;
    let anonymous: string;

    beforeAll(async () => {
      await shareStory(w, agent, {
        title: 'The refund that saved a wedding',
        body: 'A customer got her dress in time.',
        tags: ['customer_win'],
      });
      await shareStory(w, agent, {
        title: 'Why I stay',
        body: 'The team.',
        tags: ['why_i_do_this'],
        sharing: 'anonymous',
      });
      named = await idOf('pending', 'The refund that saved a wedding');
      anonymous = await idOf('pending', 'Why I stay');
    });

    it('lists pending stories for HR with Approve and Reject forms carrying the CSRF token', async () => {
      const res = await request(w.t.url).get('/stories').set(cookie(hrSession)).expect(200);
      const queue = list(res.text, 'data-queue="pending"');
      expect(queue).toContain('The refund that saved a wedding');
      expect(queue).toContain('support-0');
      expect(queue).toContain('Anonymous');
      expect(queue).toContain(`action="/stories/${named}/approve"`);
      expect(queue).toContain(`action="/stories/${anonymous}/reject"`);
      expect(queue).toContain(`name="_csrf" value="${hrSession.csrf}"`);
      // HR is not an admin: no Delete (DELETE /api/stories/:id is admin only).
      expect(queue).not.toContain('/delete"');
      // Pending stories are not in the published feed.
      expect(list(res.text, 'data-feed="published"')).toBe('');
    });

    it('refuses an approval without the CSRF token and changes nothing', async () => {
      const res = await request(w.t.url)
        .post(`/stories/${named}/approve`)
        .set(cookie(hrSession))
        .type('form')
        .send({});
      expect(res.status).toBe(403);
      const wrong = await request(w.t.url)
        .post(`/stories/${named}/approve`)
        .set(cookie(hrSession))
        .type('form')
        .send({ _csrf: 'x'.repeat(43) });
      expect(wrong.status).toBe(403);
      expect((await stories('pending')).map((s) => s.id)).toContain(named);
      expect((await stories('published')).map((s) => s.id)).not.toContain(named);
    });

    it('gives a lead neither the queue nor the approval', async () => {
      const page = await request(w.t.url).get('/stories').set(cookie(leadSession));
      expect(page.status).toBe(403);
      expect(page.text).not.toContain('The refund that saved a wedding');
      const res = await request(w.t.url)
        .post(`/stories/${named}/approve`)
        .set(cookie(leadSession))
        .type('form')
        .send({ _csrf: leadSession.csrf });
      expect(res.status).toBe(403);
      expect((await stories('pending')).map((s) => s.id)).toContain(named);
    });

    it('publishes a story approved through the page, as the API shows', async () => {
      const res = await request(w.t.url)
        .post(`/stories/${named}/approve`)
        .set(cookie(hrSession))
        .type('form')
        .send({ _csrf: hrSession.csrf })
        .expect(303);
      expect(res.headers.location).toBe('/stories?done=approved');
      const published = (
        await request(w.t.url).get('/api/stories').set(w.admin).expect(200)
      ).body.items.find((s: Item) => s.id === named);
      expect(published).toMatchObject({ status: 'published', publishedOn: '2026-11-25' });

      const page = await request(w.t.url)
        .get(res.headers.location)
        .set(cookie(hrSession))
        .expect(200);
      expect(page.text).toContain('Story approved');
      expect(list(page.text, 'data-queue="pending"')).not.toContain(named);
      const feed = list(page.text, 'data-feed="published"');
      expect(feed).toContain('The refund that saved a wedding');
      expect(feed).toContain('<time datetime="2026-11-25">2026-11-25</time>');
      expect(feed).toContain('customer win');
    });

    it('answers a second review of the same story with a conflict, not a change', async () => {
      const res = await request(w.t.url)
        .post(`/stories/${named}/reject`)
        .set(cookie(hrSession))
        .type('form')
        .send({ _csrf: hrSession.csrf });
      expect(res.status).toBe(409);
      expect((await stories('published')).map((s) => s.id)).toContain(named);
    });

    it('rejects a story, and restores a reported one', async () => {
      await request(w.t.url)
        .post(`/stories/${anonymous}/reject`)
        .set(cookie(hrSession))
        .type('form')
        .send({ _csrf: hrSession.csrf })
        .expect(303)
        .expect('Location', '/stories?done=rejected');
      expect((await stories('rejected')).map((s) => s.id)).toContain(anonymous);

      await request(w.t.url).post(`/api/stories/${named}/report`).set(w.admin).expect(200);
      const page = await request(w.t.url).get('/stories').set(cookie(hrSession)).expect(200);
      const hidden = list(page.text, 'data-queue="hidden"');
      expect(hidden).toContain(`action="/stories/${named}/approve"`);
      expect(hidden).toContain('Restore');
      expect(hidden).toContain('Remove');
      await request(w.t.url)
        .post(`/stories/${named}/approve`)
        .set(cookie(hrSession))
        .type('form')
        .send({ _csrf: hrSession.csrf })
        .expect(303)
        .expect('Location', '/stories?done=restored');
      expect((await stories('published')).map((s) => s.id)).toContain(named);
    });

    it('lets an admin delete a story, as DELETE /api/stories/:id does, and not HR; HR removes a reported one', async () => {
      const byHr = await request(w.t.url)
        .post(`/stories/${anonymous}/delete`)
        .set(cookie(hrSession))
        .type('form')
        .send({ _csrf: hrSession.csrf });
      expect(byHr.status).toBe(403);
      expect((await stories('rejected')).map((s) => s.id)).toContain(anonymous);
      await request(w.t.url).post(`/api/stories/${named}/report`).set(w.admin).expect(200);
      const page = await request(w.t.url).get('/stories').set(cookie(adminSession)).expect(200);
      expect(list(page.text, 'data-queue="hidden"')).toContain(`action="/stories/${named}/delete"`);
      await request(w.t.url)
        .post(`/stories/${anonymous}/delete`)
        .set(cookie(adminSession))
        .type('form')
        .send({ _csrf: adminSession.csrf })
        .expect(303)
        .expect('Location', '/stories?done=deleted');
      expect((await stories('rejected')).map((s) => s.id)).not.toContain(anonymous);
      // HR removes the reported story from the feed through the page (it is kept, rejected).
      await request(w.t.url)
        .post(`/stories/${named}/reject`)
        .set(cookie(hrSession))
        .type('form')
        .send({ _csrf: hrSession.csrf })
        .expect(303)
        .expect('Location', '/stories?done=removed');
      expect((await stories('rejected')).map((s) => s.id)).toContain(named);
      expect((await stories('published')).map((s) => s.id)).not.toContain(named);
    });
  });

  describe('escaping', () => {
    const evil = '<script>alert(1)</script>';

    beforeAll(async () => {
      await shareStory(w, agent, {
        title: `${evil} title`,
        body: `${evil} <!channel> & "quoted" body`,
        tags: ['teamwork'],
      });
    });

    it('renders a pending story with script and <!channel> as text', async () => {
      const res = await request(w.t.url).get('/stories').set(cookie(hrSession)).expect(200);
      expect(res.text).not.toContain('<script>alert');
      expect(res.text).not.toContain('<!channel>');
      const queue = list(res.text, 'data-queue="pending"');
      expect(queue).toContain('&lt;script&gt;alert(1)&lt;/script&gt; title');
      expect(queue).toContain('&lt;!channel&gt; &amp; &quot;quoted&quot; body');
    });

    it('shows search snippets with the service’s marks, escaped once', async () => {
      const id = await idOf('pending', `${evil} title`);
      await request(w.t.url)
        .post(`/stories/${id}/approve`)
        .set(cookie(hrSession))
        .type('form')
        .send({ _csrf: hrSession.csrf })
        .expect(303);
      const res = await request(w.t.url)
        .get('/stories')
        .query({ q: 'quoted', tag: 'teamwork' })
        .set(cookie(hrSession))
        .expect(200);
      expect(res.text).not.toContain('<script>alert');
      const feed = list(res.text, 'data-feed="published"');
      expect(feed).toContain('class="snippet"');
      expect(feed).toContain('&amp; &quot;<mark>quoted</mark>&quot; body');
      expect(feed).not.toContain('&amp;lt;');
      expect(feed).not.toContain('&amp;amp;');
      // The search box keeps what was searched, as text.
      expect(res.text).toContain('value="quoted"');
      expect(res.text).toMatch(/<option value="teamwork"\s+selected/);
    });

    it('says so when nothing matches', async () => {
      const res = await request(w.t.url)
        .get('/stories')
        .query({ q: 'zeppelin' })
        .set(cookie(hrSession))
        .expect(200);
      expect(res.text).toContain('No story matches');
    });

    it('refuses a tag that does not exist, as the API does', async () => {
      const res = await request(w.t.url)
        .get('/stories')
        .query({ tag: '<b>x</b>' })
        .set(cookie(hrSession));
      expect(res.status).toBe(400);
      expect(res.text).not.toContain('<b>x</b>');
    });
  });

  describe('paging', () => {
    beforeAll(async () => {
      await request(w.t.url)
        .patch('/api/settings')
        .set(w.admin)
        .send({ storyModeration: false })
        .expect(200);
      for (let i = 1; i <= 21; i++) {
        await shareStory(w, agent, { title: `Lesson ${i}`, body: 'Learnt.', tags: ['learning'] });
      }
    });

    it('pages the filtered feed with the feed’s cursor', async () => {
      const first = await request(w.t.url)
        .get('/stories')
        .query({ tag: 'learning' })
        .set(cookie(hrSession))
        .expect(200);
      const titles = (page: string) =>
        [...list(page, 'data-feed="published"').matchAll(/<h3>(Lesson \d+)<\/h3>/g)].map(
          (m) => m[1],
        );
      expect(titles(first.text)).toHaveLength(20);
      expect(titles(first.text)[0]).toBe('Lesson 21');
      const next = /<a href="([^"]+)" rel="next">/.exec(first.text);
      expect(next).not.toBeNull();
      const href = next![1].replace(/&amp;/g, '&');
      expect(href).toMatch(/^\/stories\?tag=learning&cursor=[A-Za-z0-9_-]+$/);
      const second = await request(w.t.url).get(href).set(cookie(hrSession)).expect(200);
      expect(titles(second.text)).toEqual(['Lesson 1']);
      expect(second.text).not.toContain('rel="next"');
    });
  });
});
