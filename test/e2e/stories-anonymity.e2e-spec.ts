/**
 * The anonymity of anonymous stories, checked in the database itself: the row holds no person
 * id, Slack id or name; no row written in the same transaction (same xmin) names the author;
 * the table has no column finer than a day; no job names the story; and the API, Slack and the
 * logs show no author. Positive controls prove each check sees real data: the same checks on a
 * named story by the same person do find the author.
 */
import request from 'supertest';
import { DataSource } from 'typeorm';
import { eventually } from '../support/eventually';
import { pulseWorld, PulseWorld } from '../support/pulse-world';
import {
  DIGEST_CHANNEL,
  messageText,
  pressButton,
  shareStory,
  tokenFor,
} from '../support/stories-world';
import { TestClock } from '../support/test-clock';

describe('anonymous stories: nothing links them to their author', () => {
  let w: PulseWorld;
  let ds: DataSource;
  const clock = new TestClock('2026-11-25T16:42:17.123Z');
  let author: string;
  let person: { id: string; name: string; real_name: string | null; email: string | null };
  let named: Record<string, unknown>;
  let anonymous: Record<string, unknown>;

  /** Every value that would name the author. */
  const authorMarks = () =>
    [person.id, author, person.name, person.real_name, person.email].filter(
      (v): v is string => typeof v === 'string' && v.length > 0,
    );

  /** Rows of every table (ours and the job queue's) written by the transaction `xmin`, naming the author. */
  async function rowsNamingAuthorWithXmin(xmin: string): Promise<string[]> {
    const tables: { s: string; t: string }[] = await ds.query(
      `SELECT table_schema AS s, table_name AS t FROM information_schema.tables
       WHERE table_schema IN ('public', 'pgboss') AND table_type = 'BASE TABLE'`,
    );
    const found: string[] = [];
    let looked = 0;
    for (const { s, t } of tables) {
      const rows: { row: string }[] = await ds.query(
        `SELECT row_to_json(x)::text AS row FROM "${s}"."${t}" x WHERE x.xmin::text = $1`,
        [xmin],
      );
      looked += rows.length;
      for (const { row } of rows)
        if (authorMarks().some((mark) => row.includes(mark))) found.push(`${s}.${t}: ${row}`);
    }
    // The story row itself has this xmin: the search looked at real rows.
    expect(looked).toBeGreaterThan(0);
    return found;
  }

  const xminOf = async (id: unknown) =>
    (await ds.query(`SELECT xmin::text AS x FROM stories WHERE id = $1`, [id]))[0].x as string;

  beforeAll(async () => {
    w = await pulseWorld({ support: 3 }, { app: { clock }, teamId: 'T0ANONST1' });
    ds = w.t.app.get(DataSource);
    [author] = w.members.support;
    // No HR channel yet: the stories stay exactly as their sharing transaction wrote them.
    [person] = await ds.query(
      `SELECT id, name, real_name, email FROM people WHERE slack_user_id = $1`,
      [author],
    );
    await shareStory(w, author, { title: 'Named control', body: 'Signed by me.' });
    await shareStory(w, author, {
      title: 'Nobody knows it was me',
      body: 'I cried after that call, then I solved it.',
      tags: ['self_care'],
      sharing: 'anonymous',
    });
    [named] = await ds.query(`SELECT * FROM stories WHERE title = 'Named control'`);
    [anonymous] = await ds.query(`SELECT * FROM stories WHERE title = 'Nobody knows it was me'`);
  });

  afterAll(async () => {
    await w?.close();
  });

  it('stores no person id, Slack id or name on the row', async () => {
    expect(anonymous).toMatchObject({ anonymous: true, author_person_id: null });
    const [{ row }] = await ds.query(
      `SELECT row_to_json(s)::text AS row FROM stories s WHERE id = $1`,
      [anonymous.id],
    );
    for (const mark of authorMarks()) expect(row).not.toContain(mark);
    // Control: the named story's row does name them.
    const [{ row: namedRow }] = await ds.query(
      `SELECT row_to_json(s)::text AS row FROM stories s WHERE id = $1`,
      [named.id],
    );
    expect(namedRow).toContain(person.id);
  });

  it('shares no xmin with any row naming the author', async () => {
    expect(await rowsNamingAuthorWithXmin(await xminOf(anonymous.id))).toEqual([]);
    // Control: the named story's own transaction wrote a row naming the author (the story).
    expect((await rowsNamingAuthorWithXmin(await xminOf(named.id))).length).toBeGreaterThan(0);
  });

  it('keeps no time finer than the day, anywhere in the story tables', async () => {
    const columns: { table_name: string; column_name: string; data_type: string }[] =
      await ds.query(
        `SELECT table_name, column_name, data_type FROM information_schema.columns
         WHERE table_schema = 'public' AND table_name IN ('stories', 'story_reactions')
           AND (data_type LIKE 'timestamp%' OR data_type LIKE 'time%' OR data_type = 'interval')`,
      );
    expect(columns).toEqual([]);
    expect(String(anonymous.created_on instanceof Date ? '' : anonymous.created_on)).not.toMatch(
      /16:42/,
    );
    const [{ day }] = await ds.query(`SELECT created_on::text AS day FROM stories WHERE id = $1`, [
      anonymous.id,
    ]);
    expect(day).toBe('2026-11-25');
  });

  it('queues no job that names the story or its author', async () => {
    const jobs: { name: string; data: string }[] = await ds.query(
      `SELECT name, data::text AS data FROM pgboss.job WHERE name LIKE 'stories.%'
       UNION ALL SELECT name, data::text FROM pgboss.archive WHERE name LIKE 'stories.%'`,
    );
    expect(jobs.length).toBeGreaterThan(0);
    for (const job of jobs) {
      expect(job.data).not.toContain(String(anonymous.id));
      for (const mark of authorMarks()) expect(job.data).not.toContain(mark);
    }
  });

  it('shows no author in the API, the HR channel or the digest, and tells nobody on approval', async () => {
    const hr = await tokenFor(w, 'hr');
    w.slack.addChannel(w.teamId, 'C0HRANON01', 'hr');
    w.slack.addChannel(w.teamId, DIGEST_CHANNEL, 'stories');
    await request(w.t.url)
      .patch('/api/settings')
      .set(w.admin)
      .send({ hrChannelId: 'C0HRANON01', digestChannelId: DIGEST_CHANNEL })
      .expect(200);
    // A later report of another story wakes the announcement, which posts every waiting story.
    await shareStory(w, w.members.support[1], { title: 'Wake the announcer', body: 'x' });
    const review = await eventually(
      () => w.slack.messages('C0HRANON01').find((m) => /Nobody knows it was me/.test(m.text)),
      { what: 'the anonymous story in the HR channel' },
    );
    expect(messageText(review)).toContain('Anonymous');
    for (const mark of authorMarks()) expect(messageText(review)).not.toContain(mark);

    await request(w.t.url).post(`/api/stories/${anonymous.id}/approve`).set(hr).expect(200);
    const res = await request(w.t.url).get('/api/stories').set(hr).expect(200);
    const item = res.body.items.find((i: { id: string }) => i.id === anonymous.id);
    expect(item).toMatchObject({ anonymous: true, author: null, createdOn: '2026-11-25' });
    for (const mark of authorMarks()) expect(JSON.stringify(item)).not.toContain(mark);
    const outcomeJobs = await ds.query(
      `SELECT 1 FROM pgboss.job WHERE name = 'stories.outcome' AND data->>'storyId' = $1`,
      [anonymous.id],
    );
    expect(outcomeJobs).toHaveLength(0);

    // The author reacting to their own story looks like anyone's reaction, and shows only a count.
    await pressButton(w, {
      userId: author,
      actionId: 'story_react_clap',
      value: String(anonymous.id),
      channelId: DIGEST_CHANNEL,
      messageTs: '1764089000.000100',
    });
    await eventually(
      async () =>
        (await ds.query(`SELECT 1 FROM story_reactions WHERE story_id = $1`, [anonymous.id]))
          .length === 1,
      { what: 'the reaction' },
    );
    const after = (await request(w.t.url).get('/api/stories').set(hr).expect(200)).body.items.find(
      (i: { id: string }) => i.id === anonymous.id,
    );
    expect(after.reactions.clap).toBe(1);
    expect(after.author).toBeNull();
  });

  it('writes neither the story nor its author to the logs', () => {
    const lines = w.t.rawLogs.filter((l) => l.includes('Nobody knows') || l.includes('I cried'));
    expect(lines).toEqual([]);
    // Control: the logs do hold the sharing (without who or what).
    expect(w.t.rawLogs.some((l) => l.includes('story shared'))).toBe(true);
  });
});
