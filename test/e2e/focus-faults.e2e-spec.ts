/**
 * Focus sync under faults, through signed Slack requests and the stand-in:
 * - two app instances on one database (replicas behind a load balancer): every block is applied
 *   and undone with each Slack call made once;
 * - Slack answering 500: the step is retried with backoff and still applied once;
 * - the app restarted mid-block: the scheduled end, queued in Postgres, still restores.
 */
import { DataSource } from 'typeorm';
import { FocusService } from '../../src/focus/focus.service';
import { PeopleService } from '../../src/people/people.service';
import { WorkspacesService } from '../../src/workspaces/workspaces.service';
import { eventually } from '../support/eventually';
import { connectFocusTokens, pulseWorld, PulseWorld, focusCommand } from '../support/pulse-world';
import { startTestApp, TestApp } from '../support/test-app';

function focusVia(app: TestApp, w: PulseWorld, user: string, text: string) {
  return focusCommand(w, user, text, app.url);
}

/** Successful calls of `method` per token. */
function okCallsByToken(w: PulseWorld, method: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const call of w.slack.calls(method)) {
    if (call.status === 200 && !call.error && call.token)
      counts.set(call.token, (counts.get(call.token) ?? 0) + 1);
  }
  return counts;
}

/** Every agent's token made each of these calls successfully, and exactly once. */
function expectEachAgentOnce(w: PulseWorld, methods: string[], agents: number): void {
  for (const method of methods) {
    const counts = okCallsByToken(w, method);
    expect({ method, tokens: counts.size }).toEqual({ method, tokens: agents });
    expect({ method, max: Math.max(...counts.values()) }).toEqual({ method, max: 1 });
  }
}

const blockStates = async (ds: DataSource): Promise<Record<string, number>> => {
  const rows: { state: string; n: number }[] = await ds.query(
    `SELECT state, count(*)::int AS n FROM focus_blocks GROUP BY state`,
  );
  return Object.fromEntries(rows.map((r) => [r.state, r.n]));
};

describe('focus sync with two app instances on one database', () => {
  let w: PulseWorld;
  let second: TestApp;
  let ds: DataSource;
  let tokens: Map<string, string>;
  const AGENTS = 24;

  beforeAll(async () => {
    w = await pulseWorld({ desk: AGENTS + 1 });
    ds = w.t.app.get(DataSource);
    tokens = await connectFocusTokens(w, w.members.desk);
    second = await startTestApp({
      slack: w.slack,
      db: w.t.db,
      env: { SLACK_BOT_TOKEN: w.slack.issueBotToken(w.teamId) },
    });
  });

  afterAll(async () => {
    await second?.close();
    await w?.close();
  });

  it('applies and undoes every block with each Slack call made once', async () => {
    const agents = w.members.desk.slice(0, AGENTS);
    w.slack.clearCalls();
    // Slack sends each command to whichever replica the load balancer picks.
    await Promise.all(
      agents.map((user, i) => focusVia(i % 2 ? second : w.t, w, user, '40m support queue')),
    );
    await eventually(async () => (await blockStates(ds)).active === AGENTS, {
      what: 'every block active',
    });
    await eventually(() => okCallsByToken(w, 'dnd.setSnooze').size === AGENTS, {
      what: 'every snooze',
    });
    expectEachAgentOnce(w, ['users.profile.get', 'users.profile.set', 'dnd.setSnooze'], AGENTS);
    for (const user of agents) {
      expect(w.slack.user(user)!.profile.status_emoji).toBe(':no_bell:');
      expect(w.slack.user(user)!.dnd.snoozeEndtime).not.toBeNull();
    }

    w.slack.clearCalls();
    await Promise.all(agents.map((user, i) => focusVia(i % 2 ? w.t : second, w, user, 'off')));
    await eventually(async () => (await blockStates(ds)).ended === AGENTS, {
      what: 'every block ended',
    });
    expectEachAgentOnce(w, ['dnd.endSnooze', 'users.profile.get', 'users.profile.set'], AGENTS);
    for (const user of agents) {
      expect(w.slack.user(user)!.profile.status_emoji).toBe('');
      expect(w.slack.user(user)!.dnd.snoozeEndtime).toBeNull();
    }
    expect(w.slack.calls().every((c) => c.token?.startsWith('xoxp-'))).toBe(true);
  });

  it('retries a step Slack answered with 500, with backoff, and makes each call once', async () => {
    const user = w.members.desk[AGENTS];
    const token = tokens.get(user)!;
    w.slack.clearCalls();
    w.slack.failNext('users.profile.set', { status: 500 });
    await focusVia(second, w, user, '30m');
    await eventually(() => w.slack.calls('dnd.setSnooze').some((c) => c.token === token), {
      what: 'the snooze after the retry',
      timeoutMs: 25_000,
    });
    const mine = w.slack.calls().filter((c) => c.token === token);
    expect(mine.map((c) => [c.method, c.status])).toEqual([
      ['users.profile.get', 200],
      ['users.profile.set', 500],
      // The kept status was recorded before the failure: the retry resumes after it.
      ['users.profile.set', 200],
      ['dnd.setSnooze', 200],
    ]);
    const [set500, set200] = mine.filter((c) => c.method === 'users.profile.set');
    // pg-boss's retry delay (5 s, doubling), not an immediate hammering of a failing Slack.
    expect(set200.at - set500.at).toBeGreaterThanOrEqual(4_000);
  }, 40_000);
});

describe('focus sync across an app restart', () => {
  let w: PulseWorld;
  let restarted: TestApp | undefined;

  beforeAll(async () => {
    w = await pulseWorld({ desk: 2 }, { teamId: 'T0RESTART' });
  });

  afterAll(async () => {
    await restarted?.close();
    await w?.slack.stop();
  });

  it('restores at the scheduled end when the app that applied the block has been replaced', async () => {
    const [user] = w.members.desk;
    const [token] = (await connectFocusTokens(w, [user])).values();
    await fetch(`${w.slack.apiUrl}users.profile.set`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ profile: { status_text: 'Queue lead', status_emoji: ':star:' } }),
    });
    // A block ending in a few seconds (the parser's smallest is a minute; the service takes any).
    const workspace = (await w.t.app.get(WorkspacesService).findBySlackTeamId(w.teamId))!;
    const person = (await w.t.app.get(PeopleService).findBySlackUserId(workspace.id, user))!;
    const now = Date.now();
    const outcome = await w.t.app.get(FocusService).create(person, {
      start: new Date(now),
      end: new Date(now + 6_000),
      note: null,
      source: 'command',
    });
    expect(outcome.status).toBe('created');
    await eventually(() => w.slack.calls('dnd.setSnooze').length === 1, { what: 'the snooze' });
    expect(w.slack.user(user)!.profile.status_emoji).toBe(':no_bell:');

    // The app goes away mid-block (a deploy) and a new one takes over the same database.
    const db = w.t.db;
    await w.t.app.close();
    w.slack.clearCalls();
    restarted = await startTestApp({
      slack: w.slack,
      db,
      env: { SLACK_BOT_TOKEN: w.slack.issueBotToken(w.teamId) },
    });
    await eventually(() => w.slack.user(user)!.profile.status_text === 'Queue lead', {
      what: 'the kept status back after the end',
      timeoutMs: 20_000,
    });
    expect(w.slack.user(user)!.profile.status_emoji).toBe(':star:');
    expect(w.slack.user(user)!.dnd.snoozeEndtime).toBeNull();
    // Slack expired the focus status at the end (status_expiration); the status was still
    // Pulsedesk's, so the kept one comes back.
    expect(
      w.slack
        .calls()
        .filter((c) => c.token === token)
        .map((c) => c.method),
    ).toEqual(['dnd.endSnooze', 'users.profile.get', 'users.profile.set']);
  }, 40_000);
});
