/**
 * The story feed end to end: sharing through the signed modal submission, review in the API and
 * in the HR channel, the author told, reports, reactions from Slack buttons and App Home, the
 * feed's keyset pagination and full-text search, the weekly digest (once, however often the
 * job runs), escaping of user content, and bad input refused with nothing written.
 */
import request from 'supertest';
import { DataSource } from 'typeorm';
import { StoriesService } from '../../src/stories/stories.service';
import { eventually } from '../support/eventually';
import { installSecondWorkspace, pulseWorld, PulseWorld } from '../support/pulse-world';
import {
  DIGEST_CHANNEL,
  HR_CHANNEL,
  messageText,
  pressButton,
  pressHomeButton,
  reviewMessage,
  shareStory,
  tokenFor,
} from '../support/stories-world';
import { TestClock } from '../support/test-clock';

describe('stories', () => {
  let w: PulseWorld;
  let ds: DataSource;
  // Wednesday of ISO week 2026-W48, in UTC; nothing below depends on the machine's date or zone.
  const clock = new TestClock('2026-11-25T10:00:00Z');
  let agent: string;
  let other: string;
  let hr: string;
  let hrToken: Record<string, string>;
  let leadToken: Record<string, string>;

  beforeAll(async () => {
    w = await pulseWorld({ support: 4 }, { app: { clock }, teamId: 'T0STORY01' });
    ds = w.t.app.get(DataSource);
    // A second workspace is installed below: the operator names this one from the start.
    w.admin['X-Pulsedesk-Workspace'] = w.teamId;
    [agent, other, hr] = w.members.support;
    w.slack.addChannel(w.teamId, HR_CHANNEL, 'hr-desk');
    w.slack.addChannel(w.teamId, DIGEST_CHANNEL, 'stories');
    await request(w.t.url).patch(`/api/people/${hr}`).set(w.admin).send({ role: 'hr' }).expect(200);
    await request(w.t.url)
      .patch('/api/settings')
      .set(w.admin)
      .send({ hrChannelId: HR_CHANNEL, digestChannelId: DIGEST_CHANNEL })
      .expect(200);
    hrToken = await tokenFor(w, 'hr');
    leadToken = await tokenFor(w, 'lead', w.teamIds.support);
  });

  afterAll(() => w?.close());

  const storyCount = async () =>
    (await ds.query(`SELECT count(*)::int AS n FROM stories`))[0].n as number;
  const storyByTitle = async (title: string) =>
    (await ds.query(`SELECT * FROM stories WHERE title = $1`, [title]))[0] as
      Record<string, unknown> | undefined;
  const personId = async (slackUserId: string) =>
    (await ds.query(`SELECT id FROM people WHERE slack_user_id = $1`, [slackUserId]))[0]
      .id as string;
  const dmsTo = (userId: string) => {
    const channel = w.slack.dmChannelId(w.teamId, userId);
    return channel ? w.slack.messages(channel) : [];
  };
  const feed = (query: Record<string, string> = {}, auth = w.admin) =>
    request(w.t.url).get('/api/stories').query(query).set(auth);
  const setModeration = (on: boolean) =>
    request(w.t.url).patch('/api/settings').set(w.admin).send({ storyModeration: on }).expect(200);

  describe('sharing and review', () => {
    it('shares a named story: it waits for review, HR sees it in the channel with its author', async () => {
      const ack = await shareStory(w, agent, {
        title: 'The refund that saved a wedding',
        body: 'A customer wrote at midnight; the dress had not arrived.',
        tags: ['customer_win', 'teamwork'],
      });
      expect(ack).toMatchObject({ response_action: 'update' });
      expect(JSON.stringify(ack)).toMatch(/An HR lead will review it/);
      const row = await storyByTitle('The refund that saved a wedding');
      expect(row).toMatchObject({
        status: 'pending',
        anonymous: false,
        author_person_id: await personId(agent),
        tags: ['customer_win', 'teamwork'],
      });
      const message = await reviewMessage(w, row!.id as string);
      expect(messageText(message)).toContain(`<@${agent}>`);
      expect(messageText(message)).toContain('customer win · teamwork');
      // Not in the feed yet.
      const res = await feed().expect(200);
      expect(res.body.items.map((i: { id: string }) => i.id)).not.toContain(row!.id);
    });

    it('shares an anonymous story: no author anywhere, HR sees "Anonymous"', async () => {
      const ack = await shareStory(w, agent, {
        title: 'Why I stay',
        body: 'Some days are hard, but a thank-you note makes it worth it.',
        tags: ['why_i_do_this'],
        sharing: 'anonymous',
      });
      expect(JSON.stringify(ack)).toMatch(/stored without any author/);
      const row = await storyByTitle('Why I stay');
      expect(row).toMatchObject({ anonymous: true, author_person_id: null, status: 'pending' });
      const message = await reviewMessage(w, row!.id as string);
      expect(messageText(message)).toContain('Anonymous');
      expect(messageText(message)).not.toContain(agent);
    });

    it('approves through the API: published, in the feed, the author told by DM', async () => {
      const row = (await storyByTitle('The refund that saved a wedding'))!;
      // A lead's token may not review: 403 and nothing changes.
      await request(w.t.url).post(`/api/stories/${row.id}/approve`).set(leadToken).expect(403);
      expect((await storyByTitle('The refund that saved a wedding'))!.status).toBe('pending');
      const res = await request(w.t.url)
        .post(`/api/stories/${row.id}/approve`)
        .set(hrToken)
        .expect(200);
      expect(res.body).toEqual({ id: row.id, status: 'published', outcome: 'approved' });
      const published = (await storyByTitle('The refund that saved a wedding'))!;
      expect(published.published_on).toBeTruthy();
      const items = (await feed().expect(200)).body.items;
      expect(items[0]).toMatchObject({
        id: row.id,
        author: { slackUserId: agent },
        createdOn: '2026-11-25',
        publishedOn: '2026-11-25',
        reactions: { clap: 0, heart: 0, raised_hands: 0 },
      });
      const dm = await eventually(() => dmsTo(agent).find((m) => /was approved/.test(m.text)), {
        what: 'the approval DM',
      });
      expect(dm.text).toContain('The refund that saved a wedding');
      // A second approval is a conflict, not a second DM.
      await request(w.t.url).post(`/api/stories/${row.id}/approve`).set(hrToken).expect(409);
    });

    it('approves with the HR-channel button: the message then says who decided', async () => {
      const row = (await storyByTitle('Why I stay'))!;
      const message = await reviewMessage(w, row.id as string);
      // An agent pressing Approve (a forged or forwarded action) is refused, nothing written.
      await pressButton(w, {
        userId: other,
        actionId: 'story_approve',
        value: row.id as string,
        channelId: HR_CHANNEL,
        messageTs: message.ts,
      });
      await eventually(
        () =>
          w.slack.ephemerals(HR_CHANNEL).find((e) => e.user === other && /Only HR/.test(e.text)),
        { what: 'the refusal' },
      );
      expect((await storyByTitle('Why I stay'))!.status).toBe('pending');

      await pressButton(w, {
        userId: hr,
        actionId: 'story_approve',
        value: row.id as string,
        channelId: HR_CHANNEL,
        messageTs: message.ts,
      });
      await eventually(
        () => w.slack.messages(HR_CHANNEL).find((m) => m.ts === message.ts && m.edited),
        { what: 'the review message updated' },
      );
      const updated = w.slack.messages(HR_CHANNEL).find((m) => m.ts === message.ts)!;
      expect(messageText(updated)).toContain(`Approved by <@${hr}>`);
      expect(messageText(updated)).not.toContain('story_reject');
      expect((await storyByTitle('Why I stay'))!.status).toBe('published');
      const item = (await feed().expect(200)).body.items.find(
        (i: { id: string }) => i.id === row.id,
      );
      expect(item).toMatchObject({ anonymous: true, author: null });
      // Nobody is DMed about an anonymous story: there is nobody on record to tell.
      expect(dmsTo(agent).filter((m) => /Why I stay/.test(m.text))).toHaveLength(0);
    });

    it('rejects with the HR-channel button and tells the author', async () => {
      await shareStory(w, other, { title: 'Not for the feed', body: 'Too much detail.' });
      const row = (await storyByTitle('Not for the feed'))!;
      const message = await reviewMessage(w, row.id as string);
      await pressButton(w, {
        userId: hr,
        actionId: 'story_reject',
        value: row.id as string,
        channelId: HR_CHANNEL,
        messageTs: message.ts,
      });
      const dm = await eventually(
        () => dmsTo(other).find((m) => /was not published/.test(m.text)),
        { what: 'the rejection DM' },
      );
      expect(dm.text).toContain('Not for the feed');
      expect((await storyByTitle('Not for the feed'))!.status).toBe('rejected');
      const rejected = (await feed({ status: 'rejected' }, hrToken).expect(200)).body.items;
      expect(rejected.map((i: { id: string }) => i.id)).toEqual([row.id]);
      // Leads and agents see published stories only.
      const refused = await feed({ status: 'rejected' }, leadToken).expect(403);
      expect(refused.body.message).toMatch(/Only HR leads and admins/);
    });

    it.each([
      ['an empty story', { body: '   ' }, 'story_body', /Write your story/],
      ['an empty title', { title: '', body: 'x' }, 'story_title', /title/],
      ['a story over 3,000 characters', { body: '😀'.repeat(3001) }, 'story_body', /at most 3,000/],
      ['an unknown tag', { body: 'fine', tags: ['gossip'] }, 'story_tags', /Pick tags/],
    ])('refuses %s in the modal, with nothing written', async (_, input, field, message) => {
      const before = await storyCount();
      const ack = await shareStory(w, agent, { title: 'Bad', ...input });
      expect(ack.response_action).toBe('errors');
      expect((ack.errors as Record<string, string>)[field]).toMatch(message);
      expect(await storyCount()).toBe(before);
    });

    it('counts 3,000 characters as Slack does: 3,000 emoji are accepted', async () => {
      const ack = await shareStory(w, agent, { title: 'Emoji', body: '😀'.repeat(3000) });
      expect(ack.response_action).toBe('update');
      await ds.query(`DELETE FROM stories WHERE title = 'Emoji'`);
    });
  });

  describe('the feed', () => {
    beforeAll(() => setModeration(false));
    afterAll(() => setModeration(true));

    it('publishes at once with moderation off', async () => {
      const ack = await shareStory(w, other, { title: 'Straight in', body: 'No review needed.' });
      expect(JSON.stringify(ack)).toMatch(/in the feed now/);
      expect((await feed().expect(200)).body.items[0].title).toBe('Straight in');
    });

    it('pages newest first, and stories shared between pages do not shift the next page', async () => {
      for (const n of [1, 2, 3, 4, 5])
        await shareStory(w, agent, { title: `Page ${n}`, body: `Story ${n}` });
      const first = (await feed({ limit: '2' }).expect(200)).body;
      expect(first.items.map((i: { title: string }) => i.title)).toEqual(['Page 5', 'Page 4']);
      expect(typeof first.nextCursor).toBe('string');
      await shareStory(w, agent, { title: 'Page 6', body: 'Arrived meanwhile' });
      await shareStory(w, agent, { title: 'Page 7', body: 'Arrived meanwhile' });
      const second = (await feed({ limit: '2', cursor: first.nextCursor }).expect(200)).body;
      expect(second.items.map((i: { title: string }) => i.title)).toEqual(['Page 3', 'Page 2']);
      const third = (await feed({ limit: '2', cursor: second.nextCursor }).expect(200)).body;
      expect(third.items[0].title).toBe('Page 1');
      // The newest are on a fresh first page.
      const fresh = (await feed({ limit: '2' }).expect(200)).body;
      expect(fresh.items.map((i: { title: string }) => i.title)).toEqual(['Page 7', 'Page 6']);
      // The cursor holds no time: only an opaque position.
      expect(Buffer.from(first.nextCursor, 'base64url').toString()).not.toMatch(/20\d\d|T\d\d:/);
    });

    it('filters by tag', async () => {
      await shareStory(w, agent, {
        title: 'Breathing',
        body: 'A walk at lunch.',
        tags: ['self_care'],
      });
      const items = (await feed({ tag: 'self_care' }).expect(200)).body.items;
      expect(items.map((i: { title: string }) => i.title)).toEqual(['Breathing']);
    });

    it('searches the body, by the word and by a stemmed form, ranked, with escaped snippets', async () => {
      await shareStory(w, agent, {
        title: 'Escalations',
        body: 'The customers were delighted when we escalated <b>quickly</b> & kept them posted.',
      });
      await shareStory(w, agent, {
        title: 'Delighted!',
        body: 'Delighted customers, delighted team.',
      });
      const byWord = (await feed({ q: 'delighted' }).expect(200)).body.items;
      expect(byWord.map((i: { title: string }) => i.title)).toEqual(['Delighted!', 'Escalations']);
      expect(byWord[0].rank).toBeGreaterThan(byWord[1].rank);
      const byStem = (await feed({ q: 'escalate' }).expect(200)).body.items;
      expect(byStem.map((i: { title: string }) => i.title)).toEqual(['Escalations']);
      expect(byStem[0].snippet).toContain('<mark>escalated</mark>');
      // Markup in a story never reaches the snippet as markup: only our <mark> tags do.
      expect(byStem[0].snippet).toContain('&amp; kept them posted');
      expect(byStem[0].snippet.replace(/<\/?mark>/g, '')).not.toMatch(/[<>]/);
      // Web-search syntax: a quoted phrase, and a word excluded.
      const phrase = (await feed({ q: '"delighted team"' }).expect(200)).body.items;
      expect(phrase.map((i: { title: string }) => i.title)).toEqual(['Delighted!']);
      const without = (await feed({ q: 'delighted -escalated' }).expect(200)).body.items;
      expect(without.map((i: { title: string }) => i.title)).toEqual(['Delighted!']);
      // Search pages with its own cursor.
      const page1 = (await feed({ q: 'delighted', limit: '1' }).expect(200)).body;
      const page2 = (
        await feed({ q: 'delighted', limit: '1', cursor: page1.nextCursor }).expect(200)
      ).body;
      expect([page1.items[0].title, page2.items[0].title]).toEqual(['Delighted!', 'Escalations']);
      expect(page2.nextCursor).toBeNull();
      // Only punctuation or stop words: no match, no error.
      expect((await feed({ q: '!!! "" the' }).expect(200)).body.items).toEqual([]);
    });

    it.each([
      [{ limit: '0' }, /limit must be a whole number from 1 to 100/],
      [{ limit: '101' }, /limit/],
      [{ limit: '2.5' }, /limit/],
      [{ status: 'deleted' }, /status must be one of/],
      [{ tag: 'gossip' }, /tag must be one of/],
      [{ cursor: 'not-a-cursor!' }, /cursor is not valid/],
      [{ cursor: Buffer.from('{"s":"1; DROP"}').toString('base64url') }, /cursor is not valid/],
      [{ q: '   ' }, /q must not be empty/],
      // NUL is refused for every route before the DTO (request-shape.ts), in its own words.
      [{ q: 'a\u0000b' }, /NUL character/],
      [{ q: 'x'.repeat(201) }, /at most 200/],
      [{ order: 'asc' }, /property order should not exist/],
    ])('refuses %j with a 400 that says why', async (query, message) => {
      const res = await feed(query as Record<string, string>).expect(400);
      expect(res.body.message).toMatch(message);
    });

    it('refuses a repeated query parameter with a 400', async () => {
      for (const qs of [
        'tag=teamwork&tag=learning',
        'limit=1&limit=2',
        'q=a&q=b',
        'status=published&status=hidden',
      ]) {
        const res = await request(w.t.url).get(`/api/stories?${qs}`).set(w.admin).expect(400);
        expect(res.body.statusCode).toBe(400);
      }
      await request(w.t.url).get('/api/stories?q[a]=b').set(w.admin).expect(400);
    });
  });

  describe('reactions and reports', () => {
    let storyId: string;
    beforeAll(async () => {
      storyId = (await storyByTitle('The refund that saved a wedding'))!.id as string;
    });

    const react = (userId: string, kind: string, id = storyId) =>
      pressButton(w, {
        userId,
        actionId: `story_react_${kind}`,
        value: id,
        channelId: DIGEST_CHANNEL,
        messageTs: '1764064800.000100',
      });
    const reactions = async (id = storyId) =>
      (await ds.query(`SELECT person_id, kind FROM story_reactions WHERE story_id = $1`, [id])) as {
        kind: string;
      }[];

    it('toggles one reaction per person and kind, and counts them', async () => {
      await react(other, 'clap');
      await eventually(
        () =>
          w.slack
            .ephemerals(DIGEST_CHANNEL)
            .find((e) => e.user === other && /👏 added: 1 now/.test(e.text)),
        { what: 'the first clap' },
      );
      await react(hr, 'clap');
      await eventually(
        () =>
          w.slack
            .ephemerals(DIGEST_CHANNEL)
            .find((e) => e.user === hr && /👏 added: 2 now/.test(e.text)),
        { what: 'the second clap' },
      );
      await react(other, 'clap');
      await eventually(
        () =>
          w.slack
            .ephemerals(DIGEST_CHANNEL)
            .find((e) => e.user === other && /👏 removed: 1 now/.test(e.text)),
        { what: 'the clap taken back' },
      );
      await react(other, 'heart');
      await eventually(async () => (await reactions()).length === 2, { what: 'two reactions' });
      const item = (await feed().expect(200)).body.items.find(
        (i: { id: string }) => i.id === storyId,
      );
      expect(item.reactions).toEqual({ clap: 1, heart: 1, raised_hands: 0 });
    });

    it('reacts from App Home: the tab is published again with the count', async () => {
      // The tab shows the five latest published stories: react to the newest.
      const newest = (await feed({ limit: '1' }).expect(200)).body.items[0];
      expect(newest.reactions.raised_hands).toBe(0);
      await pressHomeButton(w, {
        userId: agent,
        actionId: 'home_story_react_raised_hands',
        value: newest.id,
      });
      const home = await eventually(
        () => {
          const view = w.slack.homeView(agent);
          return view && JSON.stringify(view).includes('🙌 1') ? view : undefined;
        },
        { what: 'the App Home with the reaction' },
      );
      expect(JSON.stringify(home)).toContain(newest.title);
      expect(JSON.stringify(home)).toContain('home_story_react_clap');
    });

    it('an API token cannot react (it is nobody): 403, nothing written', async () => {
      const before = (await reactions()).length;
      const res = await request(w.t.url)
        .post(`/api/stories/${storyId}/reactions`)
        .set(hrToken)
        .send({ kind: 'clap' })
        .expect(403);
      expect(res.body.message).toMatch(/sign in to the dashboard/);
      await request(w.t.url)
        .post(`/api/stories/${storyId}/reactions`)
        .set(hrToken)
        .send({ kind: 'thumbs_down' })
        .expect(400);
      expect((await reactions()).length).toBe(before);
    });

    it('report → hidden (out of the feed, to HR) → restored', async () => {
      await pressButton(w, {
        userId: other,
        actionId: 'story_report',
        value: storyId,
        channelId: DIGEST_CHANNEL,
        messageTs: '1764064800.000100',
      });
      await eventually(
        async () => (await storyByTitle('The refund that saved a wedding'))!.status === 'hidden',
        { what: 'the story hidden' },
      );
      const published = (await feed().expect(200)).body.items.map((i: { id: string }) => i.id);
      expect(published).not.toContain(storyId);
      const hidden = (await feed({ status: 'hidden' }, hrToken).expect(200)).body.items;
      expect(hidden.map((i: { id: string }) => i.id)).toEqual([storyId]);
      const message = await reviewMessage(w, storyId, 'Restore');
      expect(messageText(message)).toMatch(/was reported/);

      // Reacting to a hidden story is refused, and writes nothing.
      const before = (await reactions()).length;
      await react(hr, 'heart');
      await eventually(
        () =>
          w.slack
            .ephemerals(DIGEST_CHANNEL)
            .find((e) => e.user === hr && /Only a published story/.test(e.text)),
        { what: 'the refusal' },
      );
      expect((await reactions()).length).toBe(before);

      const res = await request(w.t.url)
        .post(`/api/stories/${storyId}/approve`)
        .set(hrToken)
        .expect(200);
      expect(res.body.outcome).toBe('restored');
      const back = (await feed().expect(200)).body.items.map((i: { id: string }) => i.id);
      expect(back).toContain(storyId);
      // Restored in place: its reactions kept.
      expect((await reactions()).length).toBe(before);
    });

    it('reports through the API too, and only published stories', async () => {
      const [pending] = await ds.query(`SELECT id FROM stories WHERE status = 'rejected' LIMIT 1`);
      await request(w.t.url).post(`/api/stories/${pending.id}/report`).set(leadToken).expect(409);
      await request(w.t.url).post(`/api/stories/${storyId}/report`).set(leadToken).expect(200);
      await request(w.t.url).post(`/api/stories/${storyId}/reject`).set(hrToken).expect(200);
      expect((await storyByTitle('The refund that saved a wedding'))!.status).toBe('rejected');
    });

    it('refuses a story id from another workspace, in the API and in Slack', async () => {
      await installSecondWorkspace(w, 'T0OTHER01');
      const [{ id }] = await ds.query(`SELECT id FROM stories WHERE status = 'published' LIMIT 1`);
      const otherAdmin = { ...w.admin, 'X-Pulsedesk-Workspace': 'T0OTHER01' };
      await request(w.t.url).post(`/api/stories/${id}/report`).set(otherAdmin).expect(404);
      await request(w.t.url).delete(`/api/stories/${id}`).set(otherAdmin).expect(404);
      const list = (await feed({}, otherAdmin).expect(200)).body.items;
      expect(list).toEqual([]);
      // A person of the other workspace pressing Report with this workspace's story id.
      w.slack.addUser({ id: 'U0STRANGER', teamId: 'T0OTHER01', name: 'stranger' });
      w.slack.addChannel('T0OTHER01', 'C0OTHER001', 'general');
      await ds.query(
        `INSERT INTO people (workspace_id, slack_user_id, name)
         SELECT id, 'U0STRANGER', 'stranger' FROM workspaces WHERE slack_team_id = 'T0OTHER01'`,
      );
      await pressButton(w, {
        userId: 'U0STRANGER',
        teamId: 'T0OTHER01',
        actionId: 'story_report',
        value: id,
        channelId: 'C0OTHER001',
        messageTs: '1764064800.000200',
      });
      await eventually(
        () =>
          w.slack
            .ephemerals('C0OTHER001')
            .find((e) => e.user === 'U0STRANGER' && /Story was not found/.test(e.text)),
        { what: 'the refusal in the other workspace' },
      );
      expect((await ds.query(`SELECT status FROM stories WHERE id = $1`, [id]))[0].status).toBe(
        'published',
      );
    });

    it('deletes for admins only', async () => {
      const [{ id }] = await ds.query(`SELECT id FROM stories WHERE title = 'Breathing'`);
      await request(w.t.url).delete(`/api/stories/${id}`).set(hrToken).expect(403);
      await request(w.t.url).delete(`/api/stories/${id}`).set(w.admin).expect(204);
      await request(w.t.url).delete(`/api/stories/${id}`).set(w.admin).expect(404);
      await request(w.t.url).post(`/api/stories/not-a-uuid/approve`).set(hrToken).expect(400);
    });
  });

  describe('the weekly digest and escaping', () => {
    it('shows a story with <!channel>, <script> and =HYPERLINK inert in Slack', async () => {
      await setModeration(false);
      await shareStory(w, agent, {
        title: '<!channel> =HYPERLINK("http://evil.example","win")',
        body: '<!here> <script>alert(1)</script> & <https://evil.example|click> @everyone',
      });
      await setModeration(true);
      const item = (await feed().expect(200)).body.items[0];
      // The API gives the text as written (JSON); HTML and mrkdwn escape where they show it.
      expect(item.title).toContain('<!channel>');
    });

    it('posts the digest of last week once, though the job runs twice and races itself', async () => {
      // Monday of the next ISO week: the digest covers 2026-W48.
      clock.set('2026-11-30T09:00:00Z');
      const stories = w.t.app.get(StoriesService);
      const runs = await Promise.all([stories.claimDigests(), stories.claimDigests()]);
      expect(runs.sort()).toEqual([0, 1]);
      expect(await stories.claimDigests()).toBe(0);
      await eventually(
        async () =>
          (await ds.query(`SELECT posted_ts FROM story_digests WHERE iso_week = '2026-W48'`))[0]
            ?.posted_ts ?? undefined,
        { what: 'the digest posted' },
      );
      const digests = w.slack
        .messages(DIGEST_CHANNEL)
        .filter((m) => /This week's stories/.test(m.text));
      expect(digests).toHaveLength(1);
      const [{ n }] = await ds.query(
        `SELECT count(*)::int AS n FROM (
           SELECT id FROM pgboss.job WHERE name = 'stories.digest-post'
           UNION ALL SELECT id FROM pgboss.archive WHERE name = 'stories.digest-post') j`,
      );
      expect(n).toBe(1);
      const text = messageText(digests[0]);
      expect(text).toContain('2026-W48');
      expect(text).toContain('Why I stay');
      expect(text).not.toContain('Not for the feed');
      // User content is inert: Slack's control characters arrive escaped.
      expect(text).toContain('&lt;!channel&gt;');
      expect(text).toContain('&lt;!here&gt;');
      expect(text).toContain('&lt;script&gt;');
      expect(text).toContain('&lt;https://evil.example|click&gt;');
      expect(text).not.toMatch(/<!channel>|<!here>|<script>|<https:\/\/evil/);
      // The digest's buttons react, and the digest is re-rendered with the count.
      const anon = (await storyByTitle('Why I stay'))!.id as string;
      await pressButton(w, {
        userId: other,
        actionId: 'story_react_heart',
        value: anon,
        channelId: DIGEST_CHANNEL,
        messageTs: digests[0].ts,
        blockId: `story_digest:2026-W48:${anon}`,
      });
      await eventually(
        () =>
          w.slack
            .messages(DIGEST_CHANNEL)
            .find((m) => m.ts === digests[0].ts && m.edited && messageText(m).includes('❤️ 1')),
        { what: 'the digest re-rendered' },
      );
      clock.set('2026-11-25T10:00:00Z');
    });
  });
});
