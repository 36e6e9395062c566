/**
 * /focus end to end through signed Slack requests and the stand-in: the agent's own token sets
 * status and DND for the block and puts things back after, a status changed mid-block is left
 * alone, the coverage guard refuses with the next slot, and Slack's 429 pauses the method for
 * the whole workspace without any early retry.
 */
import request from 'supertest';
import { DataSource } from 'typeorm';
import { DateTime } from 'luxon';
import { updateReturning } from '../../src/database/returning';
import { FocusRetentionService } from '../../src/focus/focus-retention.service';
import { FocusSyncService } from '../../src/focus/focus-sync.service';
import { FocusRepository } from '../../src/focus/focus.repository';
import { FocusService } from '../../src/focus/focus.service';
import { FOCUS_QUEUES } from '../../src/focus/focus.queues';
import { PeopleService } from '../../src/people/people.service';
import { WorkspacesService } from '../../src/workspaces/workspaces.service';
import { eventually } from '../support/eventually';
import { focusSyncSettled } from '../support/focus-settle';
import {
  connectFocusTokens,
  deliveredTo,
  pulseWorld,
  PulseWorld,
  focusCommand,
} from '../support/pulse-world';
import { walkOAuth } from '../support/oauth-flow';
import { TEST_OAUTH } from '../support/test-app';
import { TestClock } from '../support/test-clock';

/**
 * How long after it was queued a job is due, in ms. The queue counts on the database's clock,
 * the app on its own: a due time is compared with the app's times through this delay.
 */
const DELAY_MS = `round(extract(epoch FROM j.start_after - j.created_on) * 1000)::float8`;

describe('/focus', () => {
  let w: PulseWorld;
  let ds: DataSource;

  beforeAll(async () => {
    w = await pulseWorld({ desk: 5 });
    ds = w.t.app.get(DataSource);
    tokens = await connectFocusTokens(w, w.members.desk.slice(0, 4));
  });

  afterAll(async () => {
    await w?.close();
  });

  const focus = (user: string, text: string) => focusCommand(w, user, text);
  let tokens = new Map<string, string>();
  /** What the agent does in Slack themselves, with their own token. */
  const setOwnStatus = (user: string, status_text: string, status_emoji: string) =>
    fetch(`${w.slack.apiUrl}users.profile.set`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${tokens.get(user)}`,
        'Content-Type': 'application/json; charset=utf-8',
      },
      body: JSON.stringify({ profile: { status_text, status_emoji, status_expiration: 0 } }),
    });

  /** No focus sync is running or due soon (see focusSyncSettled). */
  const settled = () => focusSyncSettled(ds);

  /** The agent's latest block, as stored. */
  const latestBlock = async (user: string) => {
    const [row]: {
      id: string;
      state: string;
      kept_status: object | null;
      restored_at: Date | null;
    }[] = await ds.query(
      `SELECT b.id, b.state, b.kept_status, b.restored_at
           FROM focus_blocks b JOIN people p ON p.id = b.person_id
          WHERE p.slack_user_id = $1 ORDER BY b.created_at DESC LIMIT 1`,
      [user],
    );
    return row;
  };

  beforeAll(async () => {
    const rows: { slack_user_id: string }[] = await ds.query(
      `SELECT slack_user_id FROM people WHERE user_token_enc IS NOT NULL`,
    );
    expect(rows).toHaveLength(4);
  });

  it('sets the status (with expiration at the end) and snoozes with the agent’s own token, then restores on /focus off', async () => {
    const user = w.members.desk[0];
    await setOwnStatus(user, 'On the phones', ':telephone:');
    w.slack.clearCalls();
    const res = await focus(user, '30m deep work');
    expect(res.text).toContain('End now');
    await eventually(() => w.slack.calls('dnd.setSnooze').length === 1, { what: 'the snooze' });
    const set = w.slack.calls('users.profile.set')[0];
    const profile =
      typeof set.params.profile === 'string' ? JSON.parse(set.params.profile) : set.params.profile;
    expect(profile.status_emoji).toBe(':no_bell:');
    expect(profile.status_text).toContain('deep work');
    const expectedEnd = Date.now() / 1000 + 30 * 60;
    expect(Math.abs(profile.status_expiration - expectedEnd)).toBeLessThan(120);
    expect(Number(w.slack.calls('dnd.setSnooze')[0].params.num_minutes)).toBe(30);
    for (const method of ['users.profile.get', 'users.profile.set', 'dnd.setSnooze']) {
      for (const call of w.slack.calls(method)) expect(call.token).toMatch(/^xoxp-/);
    }
    expect(w.slack.user(user)!.profile.status_emoji).toBe(':no_bell:');

    await focus(user, 'off');
    await eventually(() => w.slack.calls('dnd.endSnooze').length === 1, {
      what: 'the end of the snooze',
    });
    await eventually(() => w.slack.user(user)!.profile.status_emoji === ':telephone:', {
      what: 'the kept status back',
    });
    expect(w.slack.user(user)!.profile.status_text).toBe('On the phones');
  });

  it('leaves a status the agent changed during the block', async () => {
    const user = w.members.desk[1];
    w.slack.clearCalls();
    await focus(user, '45m');
    await eventually(() => w.slack.calls('dnd.setSnooze').length === 1, { what: 'the snooze' });
    await setOwnStatus(user, 'Lunch', ':sandwich:');
    await focus(user, 'off');
    await eventually(() => w.slack.calls('dnd.endSnooze').length === 1, {
      what: 'the end of the snooze',
    });
    await eventually(async () => {
      const [row] = await ds.query(
        `SELECT state FROM focus_blocks b JOIN people p ON p.id = b.person_id WHERE p.slack_user_id = $1`,
        [user],
      );
      return row.state === 'ended';
    });
    expect(w.slack.user(user)!.profile.status_text).toBe('Lunch');
    // The agent's own newer status stays, and the old one is not kept for anything.
    expect((await latestBlock(user)).kept_status).toBeNull();
  });

  it('records the block of an agent who has not connected, offers Connect, and syncs once they do', async () => {
    const user = w.members.desk[4];
    w.slack.clearCalls();
    const res = await focus(user, '40m');
    expect(res.text).toContain('/slack/connect');
    expect(res.text).toContain('Connect');
    const now = await request(w.t.url).get('/api/focus/now').set(w.admin).expect(200);
    expect(JSON.stringify(now.body)).toContain(user);
    expect(w.slack.calls('users.profile.set')).toHaveLength(0);
    w.slack.setOAuthApp({ clientId: TEST_OAUTH.clientId, clientSecret: TEST_OAUTH.clientSecret });
    w.slack.setAuthorizingUser(w.teamId, user);
    const walk = await walkOAuth(w.t.url, '/slack/connect');
    expect(walk.status).toBe(200);
    await eventually(() => w.slack.calls('dnd.setSnooze').length === 1, {
      what: 'the sync after connecting',
    });
    expect(w.slack.user(user)!.profile.status_emoji).toBe(':no_bell:');
    await focus(user, 'off');
    await eventually(() => w.slack.calls('dnd.endSnooze').length === 1, { what: 'the end' });
  });

  it('holds a pulse DM while the agent is in a focus block, until the block ends', async () => {
    const user = w.members.desk[1];
    const res = await focus(user, '50m');
    expect(res.text).toContain('End now');
    const [block] = await ds.query(
      `SELECT b.ends_at FROM focus_blocks b JOIN people p ON p.id = b.person_id
        WHERE p.slack_user_id = $1 AND b.state IN ('scheduled', 'active')`,
      [user],
    );
    const survey = await request(w.t.url)
      .post('/api/surveys')
      .set(w.admin)
      .send({
        title: 'Quiet check',
        questions: [{ kind: 'scale5', prompt: 'I could focus today' }],
      })
      .expect(201);
    const endsAt = new Date(block.ends_at).getTime();
    const opening = Date.now();
    const round = await request(w.t.url)
      .post(`/api/surveys/${survey.body.id}/rounds`)
      .set(w.admin)
      .expect(201);
    // Everyone else gets their DM now; the focusing agent's delivery waits for the block's end.
    await deliveredTo(w, round.body.id, 4);
    await eventually(
      async () => {
        const waiting: { delay: number }[] = await ds.query(
          `SELECT ${DELAY_MS} AS delay
             FROM pgboss.job j JOIN people p ON p.id = (j.data->>'personId')::uuid
            WHERE j.name = 'pulse.deliver' AND j.state = 'created' AND p.slack_user_id = $1`,
          [user],
        );
        // Queued again, after the round opened and by now, for the block's end.
        return (
          waiting.length === 1 &&
          waiting[0].delay >= endsAt - Date.now() &&
          waiting[0].delay <= endsAt - opening
        );
      },
      { what: 'the held DM' },
    );
    const invitations = w.slack
      .messages()
      .filter((m) => JSON.stringify(m.blocks).includes(round.body.id));
    expect(invitations).toHaveLength(4);
    expect(invitations.map((m) => m.channel)).not.toContain(w.slack.dmChannelId(w.teamId, user));
    await focus(user, 'off');
  });

  it('schedules a recurring block on the rule’s local days for the next two weeks', async () => {
    const user = w.members.desk[2];
    const res = await focus(user, 'weekdays 9:00-10:00 triage');
    expect(res.text).toContain('Recurring focus at 09:00');
    const rows: { starts_at: Date; ends_at: Date; tz: string }[] = await ds.query(
      `SELECT b.starts_at, b.ends_at, p.tz FROM focus_blocks b JOIN people p ON p.id = b.person_id
        WHERE p.slack_user_id = $1 AND b.source = 'recurring'`,
      [user],
    );
    expect(rows.length).toBeGreaterThanOrEqual(9);
    for (const row of rows) {
      const local = DateTime.fromJSDate(new Date(row.starts_at), { zone: row.tz });
      expect(local.weekday).toBeLessThanOrEqual(5);
      expect(local.toFormat('HH:mm')).toBe('09:00');
      expect(new Date(row.ends_at).getTime() - new Date(row.starts_at).getTime()).toBe(3_600_000);
    }
    // Expanding again (the hourly job) adds nothing new.
    expect(await w.t.app.get(FocusService).expandRules()).toBe(0);
    await ds.query(`UPDATE focus_blocks SET state = 'cancelled' WHERE source = 'recurring'`);
    await ds.query(`UPDATE focus_rules SET active = false`);
  });

  it('explains bad input in one line with an example, and calls nothing', async () => {
    const user = w.members.desk[2];
    const [{ since }]: { since: Date }[] = await ds.query(`SELECT now() AS since`);
    w.slack.clearCalls();
    const res = await focus(user, 'whenever');
    expect(res.text).toContain('/focus 45m');
    expect(res.text).not.toMatch(/Error|at .*\.ts/);
    // Nothing was queued for the refused command ...
    const [{ queued }]: { queued: number }[] = await ds.query(
      `SELECT count(*)::int AS queued FROM pgboss.job WHERE name = ANY($1) AND created_on >= $2`,
      [[FOCUS_QUEUES.start, FOCUS_QUEUES.end, FOCUS_QUEUES.connected], since],
    );
    expect(queued).toBe(0);
    // ... and every sync in flight or due soon has run, so no call of the agent's can come later.
    await settled();
    expect(w.slack.calls().filter((c) => c.token === tokens.get(user))).toHaveLength(0);
  });

  it('refuses a block that would leave the team below minOnDuty, with the next time it fits', async () => {
    await request(w.t.url)
      .patch(`/api/teams/${w.teamIds.desk}`)
      .set(w.admin)
      .send({ minOnDuty: 4 })
      .expect(200);
    const first = await focus(w.members.desk[2], '60m');
    expect(first.text).toContain('End now');
    const second = await focus(w.members.desk[3], '30m');
    expect(second.text).toContain('fewer than 4 agents on duty');
    // This part of the file runs on the real clock: the next fit is later today ("fit from
    // 14:07"), or, when the hour ahead crosses midnight in the agent's zone, on another day
    // ("fit from Fri 4 Dec 00:07"). The day's format is focus.blocks.spec's to check.
    expect(second.text).toMatch(/fit from ([A-Z][a-z]{2} \d{1,2} [A-Z][a-z]{2} )?\d\d:\d\d\./);
    const now = await request(w.t.url).get('/api/focus/now').set(w.admin).expect(200);
    expect(now.body).toEqual([
      expect.objectContaining({
        name: 'desk',
        members: 5,
        minOnDuty: 4,
        onDuty: 4,
        covered: true,
        focusing: [expect.objectContaining({ slackUserId: w.members.desk[2] })],
      }),
    ]);
    await request(w.t.url)
      .patch(`/api/teams/${w.teamIds.desk}`)
      .set(w.admin)
      .send({ minOnDuty: 0 })
      .expect(200);
    await focus(w.members.desk[2], 'off');
  });

  it('"End now" while the start is half-applied waits for it, then undoes all of it', async () => {
    const user = w.members.desk[1];
    await settled();
    await setOwnStatus(user, 'Back at 2', ':clock2:');
    w.slack.clearCalls();
    const held = w.slack.hold('users.profile.set');
    await focus(user, '30m');
    // The start has kept the status and its users.profile.set hangs at Slack.
    await held.arrived;
    await focus(user, 'off');
    const [{ id }] = await ds.query(
      `SELECT b.id FROM focus_blocks b JOIN people p ON p.id = b.person_id
        WHERE p.slack_user_id = $1 ORDER BY b.created_at DESC LIMIT 1`,
      [user],
    );
    // The end cannot take the block while the start holds it: it is queued again.
    await eventually(
      async () => {
        const [{ n }] = await ds.query(
          `SELECT count(*)::int AS n FROM pgboss.job
            WHERE name = 'focus.end' AND data->>'blockId' = $1 AND state = 'completed'`,
          [id],
        );
        return n >= 1;
      },
      { what: 'the end to find the block busy' },
    );
    expect(w.slack.calls('dnd.endSnooze')).toHaveLength(0);
    held.release();
    await eventually(
      async () => {
        const [row] = await ds.query(`SELECT state FROM focus_blocks WHERE id = $1`, [id]);
        return row.state === 'ended';
      },
      { what: 'the block to end' },
    );
    // Applied in full, then undone in full, in that order.
    expect(w.slack.calls().map((c) => c.method)).toEqual([
      'users.profile.get',
      'users.profile.set',
      'dnd.setSnooze',
      'dnd.endSnooze',
      'users.profile.get',
      'users.profile.set',
    ]);
    expect(w.slack.user(user)!.profile.status_text).toBe('Back at 2');
    expect(w.slack.user(user)!.dnd.snoozeEndtime).toBeNull();
  });

  it('prepares a block’s start ahead and applies it at the start, not before; a block cancelled meanwhile makes no call', async () => {
    await settled();
    const workspace = (await w.t.app.get(WorkspacesService).findBySlackTeamId(w.teamId))!;
    const people = w.t.app.get(PeopleService);
    const service = w.t.app.get(FocusService);
    const [userA, userB] = [w.members.desk[2], w.members.desk[3]];
    const [personA, personB] = await Promise.all(
      [userA, userB].map((u) => people.get(workspace.id, u)),
    );
    w.slack.clearCalls();
    // Far enough ahead that a loaded machine still cancels B before its start, near enough that
    // a start job picked up now waits for it (rather than being queued again for 2 s before).
    const start = new Date(Date.now() + 3_000);
    const end = new Date(start.getTime() + 20 * 60_000);
    const input = { start, end, note: null, source: 'command' as const };
    const a = await service.create(personA, input);
    const b = await service.create(personB, input);
    if (a.status !== 'created' || b.status !== 'created') throw new Error('refused');
    // B's start, prepared ahead: it holds the block and waits for the start...
    const waiting = w.t.app.get(FocusSyncService).start({ blockId: b.block.id });
    await eventually(
      async () => {
        const [row] = await ds.query(`SELECT sync_lease_id FROM focus_blocks WHERE id = $1`, [
          b.block.id,
        ]);
        return row.sync_lease_id !== null;
      },
      { what: 'B’s start to wait for the start' },
    );
    // ...when the agent cancels it.
    await service.end(personB, b.block.id);
    expect(Date.now()).toBeLessThan(start.getTime());
    await waiting;
    // It did wait for the start, then found the block cancelled.
    expect(Date.now()).toBeGreaterThanOrEqual(start.getTime());
    await eventually(() => w.slack.calls('dnd.setSnooze').length === 1, { what: 'A’s snooze' });
    // A's start job was due ahead of the block; every call came at or after the start.
    const calls = w.slack.calls();
    expect(calls.map((c) => c.method)).toEqual([
      'users.profile.get',
      'users.profile.set',
      'dnd.setSnooze',
    ]);
    for (const call of calls) {
      expect(call.token).toBe(tokens.get(userA));
      expect(call.at).toBeGreaterThanOrEqual(start.getTime());
    }
    const [row] = await ds.query(`SELECT state FROM focus_blocks WHERE id = $1`, [b.block.id]);
    expect(row.state).toBe('cancelled');
    await service.end(personA, a.block.id);
    await eventually(() => w.slack.calls('dnd.endSnooze').length === 1, { what: 'A’s end' });
  });

  it('ends rather than cancels a block whose start sync has claimed it, so what the start applies is undone', async () => {
    await settled();
    const workspace = (await w.t.app.get(WorkspacesService).findBySlackTeamId(w.teamId))!;
    const person = await w.t.app.get(PeopleService).get(workspace.id, w.members.desk[3]);
    const service = w.t.app.get(FocusService);
    const start = new Date(Date.now() + 60 * 60_000);
    const made = await service.create(person, {
      start,
      end: new Date(start.getTime() + 30 * 60_000),
      note: null,
      source: 'command',
    });
    if (made.status !== 'created') throw new Error('refused');
    // The start sync claims the block (as it does just before its first call; here a replica
    // whose clock runs a little ahead)...
    expect(await w.t.app.get(FocusRepository).leaveScheduled(made.block.id, 'active')).toBe(true);
    // ...so a cancel now cannot just mark it cancelled: it ends right after its start, with an
    // end sync that undoes whatever the start applied.
    const ending = Date.now();
    const ended = await service.end(person, made.block.id);
    const endedBy = Date.now();
    expect(ended.state).toBe('active');
    const endsAt = start.getTime() + 1_000;
    expect(ended.endsAt.getTime()).toBe(endsAt);
    const jobs: { delay: number }[] = await ds.query(
      `SELECT ${DELAY_MS} AS delay FROM pgboss.job j
        WHERE name = 'focus.end' AND data->>'blockId' = $1 AND state = 'created'`,
      [made.block.id],
    );
    // An end job queued by end(), due at the new end.
    expect(
      jobs.filter((j) => j.delay >= endsAt - endedBy && j.delay <= endsAt - ending),
    ).toHaveLength(1);
    // A block nobody has claimed is simply cancelled.
    const other = await service.create(person, {
      start: new Date(start.getTime() + 2 * 60 * 60_000),
      end: new Date(start.getTime() + 3 * 60 * 60_000),
      note: null,
      source: 'command',
    });
    if (other.status !== 'created') throw new Error('refused');
    expect((await service.end(person, other.block.id)).state).toBe('cancelled');
    await ds.query(`UPDATE focus_blocks SET state = 'cancelled' WHERE id = $1`, [made.block.id]);
  });

  it('an end job run before the block’s end (the queue’s clock a moment ahead) is queued again for the end', async () => {
    await settled();
    const workspace = (await w.t.app.get(WorkspacesService).findBySlackTeamId(w.teamId))!;
    const person = await w.t.app.get(PeopleService).get(workspace.id, w.members.desk[4]);
    const start = new Date(Date.now() + 5 * 60 * 60_000);
    const endsAt = start.getTime() + 30 * 60_000;
    const creating = Date.now();
    const made = await w.t.app.get(FocusService).create(person, {
      start,
      end: new Date(endsAt),
      note: null,
      source: 'command',
    });
    if (made.status !== 'created') throw new Error('refused');
    await w.t.app.get(FocusSyncService).end({ blockId: made.block.id });
    const ran = Date.now();
    expect((await w.t.app.get(FocusRepository).findById(made.block.id))!.state).toBe('scheduled');
    const jobs: { delay: number }[] = await ds.query(
      `SELECT ${DELAY_MS} AS delay FROM pgboss.job j
        WHERE name = 'focus.end' AND data->>'blockId' = $1 AND state = 'created'`,
      [made.block.id],
    );
    // The one create() queued, and this early run's, both due at the block's end.
    expect(jobs).toHaveLength(2);
    for (const job of jobs) {
      expect(job.delay).toBeGreaterThanOrEqual(endsAt - ran);
      expect(job.delay).toBeLessThanOrEqual(endsAt - creating);
    }
    await ds.query(`UPDATE focus_blocks SET state = 'cancelled' WHERE id = $1`, [made.block.id]);
  });

  it('merging around a block whose start sync has claimed it: it is re-synced when it grows, never absorbed', async () => {
    await settled();
    const workspace = (await w.t.app.get(WorkspacesService).findBySlackTeamId(w.teamId))!;
    const person = await w.t.app.get(PeopleService).get(workspace.id, w.members.desk[3]);
    const service = w.t.app.get(FocusService);
    const repo = w.t.app.get(FocusRepository);
    const at = (minutes: number) => new Date(Date.now() + minutes * 60_000);
    const block = async (from: number, to: number) => {
      const made = await service.create(person, {
        start: at(from),
        end: at(to),
        note: null,
        source: 'command',
      });
      if (made.status !== 'created') throw new Error('refused');
      return made;
    };
    const startJobsNow = async (id: string) =>
      (
        await ds.query(
          `SELECT count(*)::int AS n FROM pgboss.job
            WHERE name = 'focus.start' AND data->>'blockId' = $1 AND start_after <= now()`,
          [id],
        )
      )[0].n as number;

    // A claimed block (its start sync is applying it) grows: its sync is queued again.
    const x = await block(600, 630);
    expect(await repo.leaveScheduled(x.block.id, 'active')).toBe(true);
    const grown = await block(620, 660);
    expect(grown.merged).toBe(true);
    expect(grown.block.id).toBe(x.block.id);
    expect(grown.block.endsAt.getTime()).toBeGreaterThan(at(659).getTime());
    expect(await startJobsNow(x.block.id)).toBeGreaterThanOrEqual(1);

    // A claimed block that a merge touches is not absorbed (cancelled) under its running sync.
    const first = await block(900, 930);
    const claimed = await block(940, 960);
    expect(await repo.leaveScheduled(claimed.block.id, 'active')).toBe(true);
    const bridge = await block(920, 950);
    expect(bridge.block.id).toBe(first.block.id);
    expect((await repo.findById(claimed.block.id))!.state).toBe('active');
    expect(bridge.block.endsAt.getTime()).toBeLessThan(at(951).getTime());

    await ds.query(`UPDATE focus_blocks SET state = 'cancelled' WHERE id = ANY($1::uuid[])`, [
      [x.block.id, first.block.id, claimed.block.id],
    ]);
  });

  it('merges a /focus that overlaps the agent’s running block: one block, its status and snooze made longer', async () => {
    const user = w.members.desk[2];
    const token = tokens.get(user)!;
    await settled();
    await setOwnStatus(user, 'Reviewing macros', ':memo:');
    w.slack.clearCalls();
    await focus(user, '30m');
    await eventually(() => w.slack.calls('dnd.setSnooze').length === 1, { what: 'the snooze' });
    const res = await focus(user, '90m escalations');
    expect(res.text).toContain('Merged with your block');
    const live: { n: number }[] = await ds.query(
      `SELECT count(*)::int AS n FROM focus_blocks b JOIN people p ON p.id = b.person_id
        WHERE p.slack_user_id = $1 AND b.state IN ('scheduled', 'active')`,
      [user],
    );
    expect(live[0].n).toBe(1);
    await eventually(() => w.slack.calls('dnd.setSnooze').length === 2, {
      what: 'the longer snooze',
    });
    const snoozes = w.slack.calls('dnd.setSnooze').map((c) => Number(c.params.num_minutes));
    expect(snoozes[0]).toBe(30);
    expect(snoozes[1]).toBeGreaterThanOrEqual(89);
    const expiration = w.slack.user(user)!.profile.status_expiration;
    expect(Math.abs(expiration - (Date.now() / 1000 + 90 * 60))).toBeLessThan(120);
    // Read once to keep the prior status, once to check the status is still ours before extending.
    expect(w.slack.calls('users.profile.get').filter((c) => c.token === token)).toHaveLength(2);
    await focus(user, 'off');
    await eventually(() => w.slack.user(user)!.profile.status_text === 'Reviewing macros', {
      what: 'the kept status back',
    });
    expect(w.slack.calls('dnd.endSnooze')).toHaveLength(1);
  });

  it('forgets the kept status once it is restored', async () => {
    const user = w.members.desk[0];
    await settled();
    await setOwnStatus(user, 'Out sick', ':face_with_thermometer:');
    w.slack.clearCalls();
    await focus(user, '30m');
    await eventually(() => w.slack.calls('dnd.setSnooze').length === 1, { what: 'the snooze' });
    // Kept while the block runs: it is what comes back.
    expect((await latestBlock(user)).kept_status).toMatchObject({ status_text: 'Out sick' });
    await focus(user, 'off');
    await eventually(() => w.slack.user(user)!.profile.status_text === 'Out sick', {
      what: 'the kept status back',
    });
    const ended = await eventually(
      async () => {
        const row = await latestBlock(user);
        return row.state === 'ended' ? row : undefined;
      },
      { what: 'the block ended' },
    );
    expect(ended.restored_at).not.toBeNull();
    expect(ended.kept_status).toBeNull();
  });

  it('forgets the kept status when the restore is given up: the agent revoked Pulsedesk’s access', async () => {
    const user = w.members.desk[1];
    await settled();
    await setOwnStatus(user, 'Out sick', ':face_with_thermometer:');
    w.slack.clearCalls();
    await focus(user, '30m');
    await eventually(() => w.slack.calls('dnd.setSnooze').length === 1, { what: 'the snooze' });
    expect((await latestBlock(user)).kept_status).toMatchObject({ status_text: 'Out sick' });
    // Slack refuses the agent's token for good: retrying cannot restore anything.
    w.slack.revokeToken(tokens.get(user)!);
    await focus(user, 'off');
    const ended = await eventually(
      async () => {
        const row = await latestBlock(user);
        return row.state === 'ended' ? row : undefined;
      },
      { what: 'the block ended' },
    );
    expect(ended.kept_status).toBeNull();
    expect(ended.restored_at).toBeNull();
    // Given up at the first refusal, not retried: one call, refused.
    expect(w.slack.calls('dnd.endSnooze').map((c) => c.error)).toEqual(['token_revoked']);
    expect(w.slack.calls('users.profile.set')).toHaveLength(1); // the focus status, no restore
  });

  it('honours 429 Retry-After per method for the whole workspace, and applies each block once', async () => {
    await settled();
    w.slack.clearCalls();
    w.slack.failNext('users.profile.set', { retryAfter: 30 });
    const user = w.members.desk[3];
    await focus(user, '20m');
    await eventually(
      async () => {
        const [pause] = await ds.query(
          `SELECT until FROM slack_pauses WHERE method = 'users.profile.set'`,
        );
        return pause !== undefined;
      },
      { what: 'the workspace pause' },
    );
    // Another agent's block in the same workspace waits too: no users.profile.set before Retry-After.
    await focus(w.members.desk[0], '20m');
    // Its start is re-queued for when the pause ends instead of calling Slack now.
    let lastSeen = '';
    await eventually(
      async () => {
        const rows: { delay: number; until: Date }[] = await ds.query(
          `SELECT ${DELAY_MS} AS delay, p.until
             FROM pgboss.job j JOIN focus_blocks b ON b.id::text = j.data->>'blockId', slack_pauses p
            WHERE j.name = 'focus.start' AND j.state = 'created' AND b.source = 'command'
              AND b.state IN ('scheduled', 'active') AND p.method = 'users.profile.set'`,
        );
        const now = Date.now();
        lastSeen = JSON.stringify(rows);
        // Queued by now, each for the pause's end or later.
        return rows.length === 2 && rows.every((r) => r.delay >= new Date(r.until).getTime() - now);
      },
      {
        what: () => `both starts waiting for Retry-After (last seen: ${lastSeen})`,
        timeoutMs: 25_000,
      },
    );
    // One users.profile.set in all: the one that got the 429.
    expect(w.slack.calls('users.profile.set').map((c) => c.status)).toEqual([429]);
    expect(w.slack.rateLimitViolations()).toHaveLength(0);
  });
});

/**
 * Focus privacy (docs/contract.md): the summary suppresses groups below k and reports whole ended
 * weeks; finished blocks are deleted after the retention while the weekly figures stay. Every
 * block is made through /focus (or FocusService) on this file's own clock, set to fixed dates.
 */
describe('focus privacy', () => {
  let w: PulseWorld;
  let ds: DataSource;
  let workspaceId: string;
  const clock = new TestClock('2026-09-08T09:00:00Z');

  beforeAll(async () => {
    w = await pulseWorld({ solo: 1, desk: 3 }, { app: { clock } });
    ds = w.t.app.get(DataSource);
    workspaceId = (await w.t.app.get(WorkspacesService).findBySlackTeamId(w.teamId))!.id;
    await request(w.t.url)
      .patch('/api/settings')
      .set(w.admin)
      .send({ anonymityThreshold: 3 })
      .expect(200);
    await buildHistory();
  });

  afterAll(async () => {
    await w?.close();
  });

  const [d0, d1, d2] = ['desk', 'desk', 'desk'].map((_, i) => () => w.members.desk[i]);
  const s0 = () => w.members.solo[0];

  const focus = async (user: string, text: string) => (await focusCommand(w, user, text)).text;
  const at = async (iso: string, ...commands: [() => string, string][]) => {
    clock.set(iso);
    for (const [user, text] of commands) expect(await focus(user(), text)).toContain('End now');
  };
  const setMinOnDuty = (minOnDuty: number) =>
    request(w.t.url)
      .patch(`/api/teams/${w.teamIds.desk}`)
      .set(w.admin)
      .send({ minOnDuty })
      .expect(200);
  /** A block booked ahead and cancelled before it starts (FocusService.end, as "End now" would). */
  const cancelled = async (user: string, start: string) => {
    const service = w.t.app.get(FocusService);
    const person = await w.t.app.get(PeopleService).get(workspaceId, user);
    const made = await service.create(person, {
      start: new Date(start),
      end: new Date(new Date(start).getTime() + 3_600_000),
      note: null,
      source: 'command',
    });
    if (made.status !== 'created') throw new Error('the block to cancel was refused');
    expect((await service.end(person, made.block.id)).state).toBe('cancelled');
  };
  /**
   * Ends every block that is over on this file's clock, as its end sync does (none of these
   * agents connected Slack). Queued syncs are let finish first so none holds a block's lease.
   */
  const settled = () =>
    eventually(
      async () => {
        const [{ n }] = await ds.query(
          `SELECT count(*)::int AS n FROM pgboss.job
            WHERE name IN ('focus.start', 'focus.end') AND state IN ('created', 'retry', 'active')
              AND start_after <= now() + interval '90 seconds'`,
        );
        return n === 0;
      },
      { what: 'focus sync to settle' },
    );
  const endBlocksOver = async () => {
    await settled();
    const due: { id: string }[] = await ds.query(
      `SELECT id FROM focus_blocks WHERE state IN ('scheduled', 'active') AND ends_at <= $1`,
      [clock.now()],
    );
    for (const { id } of due) await w.t.app.get(FocusSyncService).end({ blockId: id });
    const [{ n }] = await ds.query(
      `SELECT count(*)::int AS n FROM focus_blocks WHERE state IN ('scheduled', 'active') AND ends_at <= $1`,
      [clock.now()],
    );
    expect(n).toBe(0);
  };
  const summary = (from: string, to: string, auth: Record<string, string> = w.admin) =>
    request(w.t.url).get('/api/focus/summary').query({ from, to }).set(auth);
  const deskIn = (body: { weeks: { week: string; teams: { team: string }[] }[] }, week: string) =>
    body.weeks.find((x) => x.week === week)!.teams.find((t) => t.team === 'desk');
  const soloIn = (body: { weeks: { week: string; teams: { team: string }[] }[] }, week: string) =>
    body.weeks.find((x) => x.week === week)!.teams.find((t) => t.team === 'solo');

  /**
   * Week 2026-W37 (7–13 Sep): desk d0 2 h, d1 1 h, d2 refused once then 30 min, d0 again from
   * Sunday 23:00 for 2 h (1 h in this week, 1 h in the next); a block of d1 booked and
   * cancelled; solo s0 3 h. Desk: 3 people, 4.5 h, 4 blocks, 1 refusal.
   * Week 2026-W38 (14–20 Sep): d1 1 h, d2 1 h, and d0's spill; s0 1 h. Desk: 3 people, 3 h,
   * 2 blocks (d0's counts in the week it started).
   * Week 2026-W39 (21–27 Sep): d0 1 h, d1 1 h; d2's block cancelled. Desk: 2 people.
   * Week 2026-W40 (28 Sep–4 Oct): d0, d1, d2 1 h each, on Wednesday 30 September.
   */
  async function buildHistory() {
    await at('2026-09-08T09:00:00Z', [d0, '2h'], [d1, '1h'], [s0, '3h']);
    await cancelled(w.members.desk[1], '2026-09-11T09:00:00Z');
    await setMinOnDuty(3);
    clock.set('2026-09-09T12:00:00Z');
    expect(await focus(d2(), '30m')).toContain('fewer than 3 agents on duty');
    await setMinOnDuty(0);
    await at('2026-09-09T12:00:00Z', [d2, '30m']);
    await at('2026-09-13T23:00:00Z', [d0, '2h']);
    await at('2026-09-15T09:00:00Z', [d1, '1h'], [d2, '1h'], [s0, '1h']);
    await at('2026-09-22T09:00:00Z', [d0, '1h'], [d1, '1h']);
    await cancelled(w.members.desk[2], '2026-09-24T09:00:00Z');
    await at('2026-09-30T09:00:00Z', [d0, '1h'], [d1, '1h'], [d2, '1h']);
    clock.set('2026-09-30T12:00:00Z');
    await endBlocksOver();
  }

  it('suppresses a one-person team (figures and zeros alike), and a team-week below k', async () => {
    // The solo agent's focus is there to be hidden: 3 h and 1 h in two weeks.
    const [{ hours }] = await ds.query(
      `SELECT sum(extract(epoch FROM ends_at - starts_at) / 3600)::float AS hours
         FROM focus_blocks b JOIN people p ON p.id = b.person_id WHERE p.slack_user_id = $1`,
      [s0()],
    );
    expect(hours).toBe(4);
    const res = await summary('2026-09-07T00:00:00Z', '2026-09-28T00:00:00Z').expect(200);
    expect(res.body.k).toBe(3);
    expect(res.body.weeks.map((x: { week: string }) => x.week)).toEqual([
      '2026-W37',
      '2026-W38',
      '2026-W39',
    ]);
    for (const week of ['2026-W37', '2026-W38', '2026-W39']) {
      // Nothing but the fact of suppression: no hours, no blocks, no count of people.
      expect(soloIn(res.body, week)).toEqual({
        teamId: w.teamIds.solo,
        team: 'solo',
        suppressed: true,
      });
    }
    expect(deskIn(res.body, '2026-W37')).toEqual({
      teamId: w.teamIds.desk,
      team: 'desk',
      suppressed: false,
      people: 3,
      focusHours: 4.5,
      blocks: 4,
      refused: 1,
    });
    expect(deskIn(res.body, '2026-W38')).toMatchObject({
      suppressed: false,
      people: 3,
      focusHours: 3,
      blocks: 2,
      refused: 0,
    });
    // Two people focused that week (d2's only block was cancelled): below k.
    expect(deskIn(res.body, '2026-W39')).toEqual({
      teamId: w.teamIds.desk,
      team: 'desk',
      suppressed: true,
    });
    const noTeam = res.body.weeks[0].teams.find((t: { teamId: string | null }) => !t.teamId);
    expect(noTeam).toEqual({ teamId: null, team: 'No team', suppressed: true });
    expect(JSON.stringify(res.body)).not.toMatch(/U(SOL|DES)\d/);

    // The solo team's own lead sees their team suppressed too, and no other team.
    const lead = await request(w.t.url)
      .post('/api/tokens')
      .set(w.admin)
      .send({ name: 'solo lead', role: 'lead', teamId: w.teamIds.solo })
      .expect(201);
    const asLead = await summary('2026-09-07T00:00:00Z', '2026-09-28T00:00:00Z', {
      Authorization: `Bearer ${lead.body.token}`,
    }).expect(200);
    for (const week of asLead.body.weeks) {
      expect(week.teams).toEqual([{ teamId: w.teamIds.solo, team: 'solo', suppressed: true }]);
    }

    // k is the workspace's: raised to 4, the desk's 3 people no longer make a group.
    await request(w.t.url)
      .patch('/api/settings')
      .set(w.admin)
      .send({ anonymityThreshold: 4 })
      .expect(200);
    const raised = await summary('2026-09-07T00:00:00Z', '2026-09-14T00:00:00Z').expect(200);
    expect(raised.body.k).toBe(4);
    expect(deskIn(raised.body, '2026-W37')).toEqual({
      teamId: w.teamIds.desk,
      team: 'desk',
      suppressed: true,
    });
    await request(w.t.url)
      .patch('/api/settings')
      .set(w.admin)
      .send({ anonymityThreshold: 3 })
      .expect(200);
  });

  it('snaps windows to whole weeks and reports only weeks that are over', async () => {
    const whole = await summary('2026-09-07T00:00:00Z', '2026-09-21T00:00:00Z').expect(200);
    // Wednesday noon to the next Tuesday morning: the same two whole weeks, the same figures.
    const partial = await summary('2026-09-09T12:00:00Z', '2026-09-15T08:00:00Z').expect(200);
    expect(partial.body).toEqual(whole.body);
    expect(partial.body.from).toBe('2026-09-07T00:00:00.000Z');
    expect(partial.body.to).toBe('2026-09-21T00:00:00.000Z');
    // An offset in the window is honoured, and still snaps to UTC weeks: Monday 14 September
    // 01:00 in Paris is Sunday 23:00 UTC, in week 37.
    const paris = await summary('2026-09-14T01:00:00+02:00', '2026-09-14T02:00:00+02:00');
    expect(paris.body.weeks.map((x: { week: string }) => x.week)).toEqual(['2026-W37']);
    expect(deskIn(paris.body, '2026-W37')).toEqual(deskIn(whole.body, '2026-W37'));

    // It is Wednesday of week 40: its blocks (three people) are not reported until it is over.
    const now = await summary('2026-09-28T00:00:00Z', '2026-12-31T00:00:00Z').expect(200);
    expect(now.body).toMatchObject({
      from: '2026-09-28T00:00:00.000Z',
      to: '2026-09-28T00:00:00.000Z',
    });
    expect(now.body.weeks).toEqual([]);
    clock.set('2026-10-05T00:00:00Z');
    const over = await summary('2026-09-28T00:00:00Z', '2026-12-31T00:00:00Z').expect(200);
    expect(over.body.weeks.map((x: { week: string }) => x.week)).toEqual(['2026-W40']);
    expect(deskIn(over.body, '2026-W40')).toMatchObject({ people: 3, focusHours: 3, blocks: 3 });
    clock.set('2026-09-30T12:00:00Z');
  });

  it('answers a bad window with a 400 that names the problem', async () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ from: '2026-09-14T00:00:00Z', to: '2026-09-07T00:00:00Z' }, /from must be before to/],
      [{ from: '2026-09-07T00:00:00Z', to: '2026-09-07T00:00:00Z' }, /from must be before to/],
      [{ from: 'last week', to: '2026-09-07T00:00:00Z' }, /from must be an ISO 8601 date/],
      [{ from: '2026-09-07T00:00:00Z', to: '2026-02-30T00:00:00Z' }, /to must be an ISO 8601 date/],
      [{ to: '2026-09-07T00:00:00Z' }, /from must be an ISO 8601 date/],
      [{ from: '2020-01-01T00:00:00Z', to: '2026-09-07T00:00:00Z' }, /at most 106 weeks/],
    ];
    for (const [query, message] of cases) {
      const res = await request(w.t.url)
        .get('/api/focus/summary')
        .query(query)
        .set(w.admin)
        .expect(400);
      expect(JSON.stringify(res.body.message)).toMatch(message);
    }
  });

  it('focusRetentionDays: 30 by default, a whole number of days from 7 to 365', async () => {
    const read = await request(w.t.url).get('/api/settings').set(w.admin).expect(200);
    expect(read.body.focusRetentionDays).toBe(30);
    for (const [value, message] of [
      [6, 'focusRetentionDays must be at least 7'],
      [366, 'focusRetentionDays must be at most 365'],
      [2 ** 40, 'focusRetentionDays must be at most 365'],
      [7.5, 'focusRetentionDays must be a whole number of days'],
      ['30', 'focusRetentionDays must be a whole number of days'],
      [null, 'focusRetentionDays must be a whole number of days'],
    ] as const) {
      const res = await request(w.t.url)
        .patch('/api/settings')
        .set(w.admin)
        .send({ focusRetentionDays: value })
        .expect(400);
      expect(JSON.stringify(res.body.message)).toContain(message);
    }
    for (const days of [7, 365, 30]) {
      const ok = await request(w.t.url)
        .patch('/api/settings')
        .set(w.admin)
        .send({ focusRetentionDays: days })
        .expect(200);
      expect(ok.body.focusRetentionDays).toBe(days);
    }
  });

  it('retention deletes finished blocks and refusals past focusRetentionDays and keeps the weekly figures', async () => {
    const retention = w.t.app.get(FocusRetentionService);
    const window = ['2026-09-07T00:00:00Z', '2026-10-05T00:00:00Z'] as const;
    const count = async (sql: string) => (await ds.query(sql))[0].n as number;
    const blocks = () => count(`SELECT count(*)::int AS n FROM focus_blocks`);
    const refusals = () => count(`SELECT count(*)::int AS n FROM focus_refusals`);
    const weekRows = () => count(`SELECT count(*)::int AS n FROM focus_weeks`);

    clock.set('2026-10-05T12:00:00Z');
    const before = (await summary(...window).expect(200)).body;
    expect(before.weeks).toHaveLength(4);
    expect(await blocks()).toBe(15);
    expect(await refusals()).toBe(1);

    // 30 days before 5 October noon is 5 September: nothing is old enough to delete yet, but
    // weeks 37 to 39 are over and rolled up — by two replicas at once, each week written once.
    await Promise.all([retention.apply(workspaceId), retention.apply(workspaceId)]);
    expect(await blocks()).toBe(15);
    expect(await weekRows()).toBe(5);
    expect((await summary(...window).expect(200)).body).toEqual(before);

    // 20 October, 12:00: blocks and refusals that ended before 20 September, 12:00 go; the week
    // of 21 September keeps its blocks.
    clock.set('2026-10-20T12:00:00Z');
    await Promise.all([retention.apply(workspaceId), retention.apply(workspaceId)]);
    const left: { starts_at: Date; state: string }[] = await ds.query(
      `SELECT starts_at, state FROM focus_blocks ORDER BY starts_at`,
    );
    expect(left.map((b) => new Date(b.starts_at).toISOString().slice(0, 10))).toEqual([
      '2026-09-22',
      '2026-09-22',
      '2026-09-24',
      '2026-09-30',
      '2026-09-30',
      '2026-09-30',
    ]);
    expect(await refusals()).toBe(0);
    // Desk and solo in weeks 37 and 38, desk in 39 and 40: one row per group and week.
    expect(await weekRows()).toBe(6);
    // Weeks now read from the aggregates (37, 38) and for 39 and 40 from the aggregates while
    // their blocks still exist: each counted once, none lost.
    expect((await summary(...window).expect(200)).body).toEqual(before);

    // Again: nothing more to write or delete.
    const again = await retention.apply(workspaceId);
    expect(again).toMatchObject({ rowsWritten: 0, blocksDeleted: 0, refusalsDeleted: 0 });
    expect(await weekRows()).toBe(6);

    // A week's retention: everything ended before 13 October goes, the figures stay.
    await request(w.t.url)
      .patch('/api/settings')
      .set(w.admin)
      .send({ focusRetentionDays: 7 })
      .expect(200);
    await retention.apply(workspaceId);
    expect(await blocks()).toBe(0);
    expect((await summary(...window).expect(200)).body).toEqual(before);
    expect(deskIn(before, '2026-W37')).toMatchObject({ focusHours: 4.5, refused: 1 });
  });

  it('forgets a kept status a day after its block ended, even when the end sync never ran', async () => {
    const retention = w.t.app.get(FocusRetentionService);
    await at('2026-10-21T09:00:00Z', [d0, '1h']);
    await settled();
    // As a start sync leaves a block whose end job was then lost with its replica.
    const [block] = await updateReturning<{ id: string }>(
      ds,
      `UPDATE focus_blocks SET state = 'active', kept_status = $1 WHERE state = 'scheduled'
        RETURNING id`,
      [JSON.stringify({ status_text: 'Out sick', status_emoji: ':mask:', status_expiration: 0 })],
    );
    const kept = async () =>
      (await ds.query(`SELECT kept_status FROM focus_blocks WHERE id = $1`, [block.id]))[0]
        .kept_status;
    clock.set('2026-10-22T09:30:00Z'); // 23.5 hours after the end
    await retention.apply(workspaceId);
    expect(await kept()).toMatchObject({ status_text: 'Out sick' });
    clock.set('2026-10-22T10:30:00Z'); // 24.5 hours after
    await retention.apply(workspaceId);
    expect(await kept()).toBeNull();
  });

  it('runs retention from an hourly cron that fans out one job per workspace', async () => {
    const fanned = await w.t.app.get(FocusRetentionService).fanOut();
    expect(fanned).toBe(1);
    await eventually(
      async () => {
        const [job] = await ds.query(
          `SELECT state FROM pgboss.job WHERE name = 'focus.retention' AND data->>'workspaceId' = $1`,
          [workspaceId],
        );
        return job?.state === 'completed';
      },
      { what: 'the workspace’s retention job to run' },
    );
    const [schedule] = await ds.query(
      `SELECT cron, timezone FROM pgboss.schedule WHERE name = 'focus.retention-tick'`,
    );
    expect(schedule).toEqual({ cron: '41 * * * *', timezone: 'UTC' });
  });
});
