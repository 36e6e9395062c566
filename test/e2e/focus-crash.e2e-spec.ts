/**
 * A replica that dies mid-sync (SIGKILL: no shutdown hook runs) leaves its focus job active and
 * the block's lease held. Another replica takes the sync over once pg-boss has expired the job
 * (90 s, checked every 30 s) and the lease has lapsed (60 s): the block is applied from the step
 * the dead replica had recorded — the agent's own status kept before the crash is not read
 * again, so it is not mistaken for the focus status — and the end restores it.
 *
 * This waits for those timeouts in real time (about two minutes): pg-boss counts them in
 * Postgres, where no test clock reaches.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { PeopleService } from '../../src/people/people.service';
import { WorkspacesService } from '../../src/workspaces/workspaces.service';
import { AppProcess, assertBuilt, startAppProcess } from '../support/app-process';
import { eventually } from '../support/eventually';
import { SlackStandIn } from '../support/slack-stand-in';
import { signSlackRequest, slashCommandBody } from '../support/slack-signing';
import {
  STAND_IN_METHOD_RATES,
  startTestApp,
  TEST_ADMIN_TOKEN,
  TEST_SIGNING_SECRET,
  TestApp,
} from '../support/test-app';
import { acquireTestDatabase, TestDatabase } from '../support/test-database';

jest.setTimeout(300_000);

const TEAM = 'T0CRASH01';
const USER = 'U0CRASH001';

describe('focus sync after a replica crashes mid-sync', () => {
  let slack: SlackStandIn;
  let db: TestDatabase;
  let crashed: AppProcess | undefined;
  let survivor: TestApp | undefined;

  beforeAll(async () => {
    assertBuilt();
    slack = await SlackStandIn.start();
    slack.addTeam({ id: TEAM, name: 'Crash Support' });
    slack.addUser({ id: USER, teamId: TEAM, name: 'kai', tz: 'Europe/Berlin' });
    db = await acquireTestDatabase();
  });

  afterAll(async () => {
    await crashed?.kill();
    await survivor?.close();
    await slack?.stop();
    await db?.release();
  });

  const env = () => ({ SLACK_BOT_TOKEN: slack.issueBotToken(TEAM) });

  it('is taken over by another replica, which keeps the status read before the crash', async () => {
    // Set up through an in-process app: people imported, the agent's Slack connected.
    const setup = await startTestApp({ slack, db, env: env() });
    const token = slack.issueUserToken(TEAM, USER);
    try {
      await request(setup.url)
        .post('/api/people/sync')
        .set({ Authorization: `Bearer ${TEST_ADMIN_TOKEN}` })
        .expect(200);
      const workspace = (await setup.app.get(WorkspacesService).findBySlackTeamId(TEAM))!;
      await setup.app
        .get(PeopleService)
        .connectUserToken(workspace.id, USER, token, 'users.profile:write,dnd:write');
    } finally {
      await setup.close();
    }
    await fetch(`${slack.apiUrl}users.profile.set`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ profile: { status_text: 'Escalations', status_emoji: ':fire:' } }),
    });

    // The replica that will die: a real process on the same database and key.
    crashed = await startAppProcess({
      DATABASE_URL: db.url,
      DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'pulsedesk-crash-')),
      ENCRYPTION_KEY: createHash('sha256')
        .update(`pulsedesk-test-key:${db.url}`)
        .digest()
        .toString('base64'),
      ADMIN_API_TOKEN: TEST_ADMIN_TOKEN,
      SLACK_SIGNING_SECRET: TEST_SIGNING_SECRET,
      SLACK_API_URL: slack.apiUrl,
      SLACK_METHOD_RATES: STAND_IN_METHOD_RATES,
      ...env(),
    });
    slack.clearCalls();
    const held = slack.hold('users.profile.set');
    const body = slashCommandBody({ command: '/focus', text: '30m', userId: USER, teamId: TEAM });
    const res = await fetch(`${crashed.url}/slack/events`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        ...(signSlackRequest(body, TEST_SIGNING_SECRET) as unknown as Record<string, string>),
      },
      body,
    });
    expect(res.status).toBe(200);
    // It has kept the status and its users.profile.set hangs at Slack: now it dies.
    await held.arrived;
    await crashed.kill();
    crashed = undefined;
    // Slack still applies a request that reached it.
    held.release();

    survivor = await startTestApp({ slack, db, env: env() });
    const ds = survivor.app.get(DataSource);
    await eventually(() => slack.calls('dnd.setSnooze').length === 1, {
      what: 'the survivor to apply the snooze',
      timeoutMs: 240_000,
    });
    const [block] = await ds.query(`SELECT state, kept_status FROM focus_blocks`);
    expect(block.state).toBe('active');
    expect(block.kept_status).toMatchObject({ status_text: 'Escalations', status_emoji: ':fire:' });
    // Read once (before the crash); the write made again with the same focus status.
    expect(slack.calls('users.profile.get')).toHaveLength(1);
    const sets = slack.calls('users.profile.set').map((c) => c.params.profile);
    expect(sets).toHaveLength(2);
    expect(sets[1]).toEqual(sets[0]);
    expect(slack.user(USER)!.profile.status_emoji).toBe(':no_bell:');

    // The end restores what the agent had before the block.
    const off = slashCommandBody({ command: '/focus', text: 'off', userId: USER, teamId: TEAM });
    await request(survivor.url)
      .post('/slack/events')
      .set('Content-Type', 'application/x-www-form-urlencoded')
      .set(signSlackRequest(off, TEST_SIGNING_SECRET) as unknown as Record<string, string>)
      .send(off)
      .expect(200);
    await eventually(() => slack.user(USER)!.profile.status_text === 'Escalations', {
      what: 'the kept status back',
    });
    expect(slack.user(USER)!.profile.status_emoji).toBe(':fire:');
    expect(slack.user(USER)!.dnd.snoozeEndtime).toBeNull();
  });
});
