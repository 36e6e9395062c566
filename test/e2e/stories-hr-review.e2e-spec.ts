/**
 * The HR channel's review message follows a decision made anywhere: approved or rejected in the
 * API or the dashboard, the message is updated (who decided, where, no more buttons) through
 * its reference, which the database holds only sealed (a Slack ts is a precise time) and bound
 * to its story. A reference that does not open, a message deleted in Slack or a story announced
 * before references were kept ends the update quietly, with one log line and no retry.
 */
import { createHash, randomBytes } from 'node:crypto';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { DashboardSession, signInThroughSlack } from '../support/dashboard';
import { eventually } from '../support/eventually';
import { pulseWorld, PulseWorld } from '../support/pulse-world';
import type { StoredMessage } from '../support/slack-stand-in';
import {
  HR_CHANNEL,
  messageText,
  pressButton,
  reviewMessage,
  shareStory,
  tokenFor,
} from '../support/stories-world';
import { keyEnv, restartable, RestartableApp } from '../support/key-restarts';
import { TestClock } from '../support/test-clock';

describe('the HR review message follows decisions made in the API and the dashboard', () => {
  let w: PulseWorld;
  let ds: DataSource;
  // A fixed instant in UTC: nothing below depends on the machine's date or zone.
  const clock = new TestClock('2026-11-25T10:00:00Z');
  let agent: string;
  let hr: string;
  let hrToken: Record<string, string>;
  let hrSession: DashboardSession;
  const keyA = randomBytes(32);
  const keyB = randomBytes(32);
  let keyed: RestartableApp | undefined;

  beforeAll(async () => {
    w = await pulseWorld(
      { support: 3 },
      { app: { clock, env: { ENCRYPTION_KEY: keyEnv(keyA) } }, teamId: 'T0HRREVW1' },
    );
    keyed = restartable(w, { clock });
    ds = w.t.app.get(DataSource);
    [agent, , hr] = w.members.support;
    w.slack.addChannel(w.teamId, HR_CHANNEL, 'hr-desk');
    await request(w.t.url).patch(`/api/people/${hr}`).set(w.admin).send({ role: 'hr' }).expect(200);
    await request(w.t.url)
      .patch('/api/settings')
      .set(w.admin)
      .send({ hrChannelId: HR_CHANNEL })
      .expect(200);
    hrToken = await tokenFor(w, 'hr');
    hrSession = await signInThroughSlack(w, hr);
  });

  afterAll(() => keyed?.close());

  /** Restarts the app on the same database with these keys; ds reads through the new one. */
  async function restart(keys: { current: Buffer; previous?: Buffer }): Promise<void> {
    ds = (await keyed!.restart(keys)).app.get(DataSource);
  }

  const storyId = async (title: string) =>
    (await ds.query(`SELECT id FROM stories WHERE title = $1`, [title]))[0].id as string;
  const sealedOf = async (id: string) =>
    (await ds.query(`SELECT hr_message FROM stories WHERE id = $1`, [id]))[0].hr_message as
      string | null;
  /** Shares a story and waits until it is announced, with its reference stored. */
  const announced = async (title: string, sharing: 'named' | 'anonymous' = 'named') => {
    await shareStory(w, agent, { title, body: `The story of ${title}.`, sharing });
    const id = await storyId(title);
    const message = await reviewMessage(w, id);
    await eventually(async () => (await sealedOf(id)) !== null, {
      what: `the sealed reference of ${title}`,
    });
    return { id, message };
  };
  const current = (ts: string) => w.slack.messages(HR_CHANNEL).find((m) => m.ts === ts)!;
  const updated = (ts: string) =>
    eventually(() => (current(ts)?.edited ? current(ts) : undefined), {
      what: `the review message ${ts} updated`,
    });
  const updatesOf = (ts: string) =>
    w.slack.calls('chat.update').filter((c) => (c.params as { ts?: string }).ts === ts);
  /** The job's one line when it ends without an update, for this story. */
  const quietLine = (id: string, reason: RegExp) =>
    eventually(
      () =>
        w.t.logs.find(
          (l) =>
            l.msg === 'story HR message not updated' &&
            l.storyId === id &&
            reason.test(String(l.reason)),
        ),
      { what: `the log line of ${id}` },
    );
  const reviewedJobFailures = () =>
    w.t.logs.filter(
      (l) => (l.msg === 'job failed' || l.msg === 'job given up') && l.queue === 'stories.reviewed',
    );
  const noButtons = (m: StoredMessage) => {
    expect(messageText(m)).not.toContain('story_approve');
    expect(messageText(m)).not.toContain('story_reject');
  };

  it('stores the reference sealed: no table holds the message ts, the sealed column is set', async () => {
    const { id, message } = await announced('Nobody may know when', 'anonymous');
    const sealed = await sealedOf(id);
    // Positive control: the column is filled, with a key-ring envelope.
    expect(sealed).toMatch(/^v2\.[0-9a-f]{12}\./);
    const tables: { s: string; t: string }[] = await ds.query(
      `SELECT table_schema AS s, table_name AS t FROM information_schema.tables
       WHERE table_schema IN ('public', 'pgboss') AND table_type = 'BASE TABLE'`,
    );
    const holding = async (needle: string) => {
      const found: string[] = [];
      for (const { s, t } of tables) {
        const rows: unknown[] = await ds.query(
          `SELECT 1 FROM "${s}"."${t}" x WHERE row_to_json(x)::text LIKE '%' || $1 || '%'`,
          [needle],
        );
        if (rows.length > 0) found.push(`${s}.${t}`);
      }
      return found;
    };
    expect(await holding(message.ts)).toEqual([]);
    // Nor its seconds (the time) alone.
    expect(await holding(message.ts.split('.')[0])).toEqual([]);
    // Control: the same search finds a value that is stored in the clear (the HR channel id, in
    // the workspace's settings), so it does read every table's rows.
    expect(await holding(HR_CHANNEL)).toContain('public.workspaces');
  });

  it('approved through the API: the message says so, without buttons, and the reaction buttons come', async () => {
    const { id, message } = await announced('A refund in time');
    await request(w.t.url).post(`/api/stories/${id}/approve`).set(hrToken).expect(200);
    const after = await updated(message.ts);
    expect(messageText(after)).toContain('Approved through the Pulsedesk API');
    expect(messageText(after)).toContain('A story was reviewed');
    noButtons(after);
    expect(messageText(after)).toContain('story_react_clap');
    expect(updatesOf(message.ts)).toHaveLength(1);
  });

  it('approved in the dashboard by an HR lead: the message names them', async () => {
    const { id, message } = await announced('Why I stay', 'anonymous');
    await request(w.t.url)
      .post(`/stories/${id}/approve`)
      .set({ Cookie: hrSession.cookie })
      .type('form')
      .send({ _csrf: hrSession.csrf })
      .expect(303);
    const after = await updated(message.ts);
    expect(messageText(after)).toContain(`Approved by <@${hr}> in the Pulsedesk dashboard`);
    expect(messageText(after)).toContain('Anonymous');
    noButtons(after);
  });

  it('rejected through the API: the message says so', async () => {
    const { id, message } = await announced('Too much detail');
    await request(w.t.url).post(`/api/stories/${id}/reject`).set(hrToken).expect(200);
    const after = await updated(message.ts);
    expect(messageText(after)).toContain('Rejected through the Pulsedesk API');
    noButtons(after);
    expect(messageText(after)).not.toContain('story_react_clap');
  });

  it('a reported story removed through the API: the latest review message is the one updated', async () => {
    const { id, message: first } = await announced('Reported later');
    await request(w.t.url).post(`/api/stories/${id}/approve`).set(hrToken).expect(200);
    await updated(first.ts);
    const before = await sealedOf(id);
    await request(w.t.url).post(`/api/stories/${id}/report`).set(hrToken).expect(200);
    const second = await reviewMessage(w, id, 'Remove');
    expect(second.ts).not.toBe(first.ts);
    await eventually(async () => (await sealedOf(id)) !== before, {
      what: 'the reference of the second message stored',
    });
    await request(w.t.url).post(`/api/stories/${id}/reject`).set(hrToken).expect(200);
    const after = await updated(second.ts);
    expect(messageText(after)).toContain('Removed through the Pulsedesk API');
    noButtons(after);
    // The first message was updated once, by its approval, and never again.
    expect(updatesOf(first.ts)).toHaveLength(1);
  });

  it('a decision with the HR-channel button updates the message inline and queues no job', async () => {
    const { id, message } = await announced('Decided in Slack');
    await pressButton(w, {
      userId: hr,
      actionId: 'story_approve',
      value: id,
      channelId: HR_CHANNEL,
      messageTs: message.ts,
    });
    const after = await updated(message.ts);
    expect(messageText(after)).toContain(`Approved by <@${hr}>`);
    expect(messageText(after)).not.toContain('Pulsedesk dashboard');
    const jobs = await ds.query(
      `SELECT 1 FROM pgboss.job WHERE name = 'stories.reviewed' AND data->>'storyId' = $1`,
      [id],
    );
    expect(jobs).toHaveLength(0);
    expect(updatesOf(message.ts)).toHaveLength(1);
  });

  it("a reference copied onto another story's row does not open there: no message is edited", async () => {
    const a = await announced('Story A');
    const b = await announced('Story B');
    await ds.query(
      `UPDATE stories SET hr_message = (SELECT hr_message FROM stories WHERE id = $1)
                    WHERE id = $2`,
      [a.id, b.id],
    );
    await request(w.t.url).post(`/api/stories/${b.id}/approve`).set(hrToken).expect(200);
    await quietLine(b.id, /does not open/);
    // A's message keeps its buttons and was never updated; B's cannot be found from the row.
    expect(updatesOf(a.message.ts)).toHaveLength(0);
    expect(messageText(current(a.message.ts))).toContain('story_approve');
    expect(updatesOf(b.message.ts)).toHaveLength(0);
    expect(reviewedJobFailures()).toEqual([]);
  });

  it('a message deleted in Slack ends the update quietly, once, with no retry', async () => {
    const { id, message } = await announced('Deleted by hand');
    expect(w.slack.deleteMessage(HR_CHANNEL, message.ts)).toBe(true);
    await request(w.t.url).post(`/api/stories/${id}/approve`).set(hrToken).expect(200);
    await quietLine(id, /message_not_found/);
    expect(updatesOf(message.ts)).toHaveLength(1);
    expect(reviewedJobFailures()).toEqual([]);
  });

  it('a story announced before references were kept ends the update quietly', async () => {
    const { id, message } = await announced('From the previous release');
    await ds.query(`UPDATE stories SET hr_message = NULL WHERE id = $1`, [id]);
    await request(w.t.url).post(`/api/stories/${id}/approve`).set(hrToken).expect(200);
    await quietLine(id, /no HR message on record/);
    expect(updatesOf(message.ts)).toHaveLength(0);
    // The button is still there; pressing it now says the story was already reviewed.
    expect(messageText(current(message.ts))).toContain('story_approve');
    expect(reviewedJobFailures()).toEqual([]);
  });

  // Last: it restarts the app.
  it('rotation: references sealed under the old key are sealed again at boot, and still open', async () => {
    const { id, message } = await announced('Sealed before the rotation');
    const idOf = (key: Buffer) =>
      createHash('sha256').update('pulsedesk-key-id\0').update(key).digest('hex').slice(0, 12);
    const before = (await sealedOf(id))!;
    expect(before.split('.')[1]).toBe(idOf(keyA));
    await restart({ current: keyB, previous: keyA });
    const after = (await sealedOf(id))!;
    expect(after.split('.')[1]).toBe(idOf(keyB));
    expect(
      w.t.logs.some((l) => l.msg === 'story HR message references sealed under ENCRYPTION_KEY'),
    ).toBe(true);
    // The previous key dropped: the reference still opens, and the message is updated.
    await restart({ current: keyB });
    await request(w.t.url).post(`/api/stories/${id}/approve`).set(hrToken).expect(200);
    const updatedMessage = await updated(message.ts);
    expect(messageText(updatedMessage)).toContain('Approved through the Pulsedesk API');
  });
});
