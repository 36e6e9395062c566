/**
 * Who becomes admin: only the person who first installs Pulsedesk into a workspace. Installing
 * again (someone else, or the first installer after a demotion) promotes nobody; and
 * SLACK_ALLOWED_TEAMS refuses installs from other workspaces before anything is stored.
 */
import request from 'supertest';
import { DataSource } from 'typeorm';
import { JOBS_SCHEMA } from '../../src/jobs/jobs.service';
import { PEOPLE_SYNC_QUEUE } from '../../src/people/jobs/people-sync.job';
import { eventually } from '../support/eventually';
import { walkOAuth } from '../support/oauth-flow';
import { SlackStandIn } from '../support/slack-stand-in';
import { startTestApp, TEST_ADMIN_TOKEN, TEST_OAUTH, TestApp } from '../support/test-app';

const TEAM = 'T0ADMIN01';
const OTHER = 'T0OTHER01';

describe('Slack install: who becomes admin', () => {
  let slack: SlackStandIn;
  let t: TestApp;
  const operator = { Authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'X-Pulsedesk-Workspace': TEAM };

  beforeAll(async () => {
    slack = await SlackStandIn.start();
    slack.setOAuthApp({ clientId: TEST_OAUTH.clientId, clientSecret: TEST_OAUTH.clientSecret });
    slack.addTeam({ id: TEAM, name: 'Admin Support' });
    slack.addTeam({ id: OTHER, name: 'Someone Else' });
    slack.addUser({ id: 'U0FIRST01', teamId: TEAM, name: 'first', tz: 'UTC' });
    slack.addUser({ id: 'U0SECOND1', teamId: TEAM, name: 'second', tz: 'UTC' });
    slack.addUser({ id: 'U0OTHER01', teamId: OTHER, name: 'other', tz: 'UTC' });
    t = await startTestApp({ slack, env: { SLACK_ALLOWED_TEAMS: `${TEAM},T0SPARE01` } });
  });

  afterAll(async () => {
    await t?.close();
    await slack?.stop();
  });

  async function roles(): Promise<Record<string, string>> {
    const res = await request(t.url).get('/api/people').set(operator).expect(200);
    return Object.fromEntries(
      res.body.map((p: { slackUserId: string; role: string }) => [p.slackUserId, p.role]),
    );
  }

  /** Completed people imports so far (the job each install queues). */
  async function importsDone(): Promise<number> {
    const [{ n }] = await t.app
      .get(DataSource)
      .query(
        `SELECT count(*)::int AS n FROM ${JOBS_SCHEMA}.job WHERE name = $1 AND state = 'completed'`,
        [PEOPLE_SYNC_QUEUE],
      );
    return n;
  }

  /** Installs as `userId` and waits until the import that install queued has run. */
  async function installAs(userId: string): Promise<void> {
    const before = await importsDone();
    slack.setAuthorizingUser(TEAM, userId);
    expect((await walkOAuth(t.url, '/slack/install')).status).toBe(200);
    await eventually(async () => (await importsDone()) > before, {
      what: 'the people import after the install',
    });
  }

  it('makes the first installer admin', async () => {
    await installAs('U0FIRST01');
    expect(await roles()).toEqual({ U0FIRST01: 'admin', U0SECOND1: 'agent' });
  });

  it('promotes nobody when someone else installs again', async () => {
    await installAs('U0SECOND1');
    expect(await roles()).toEqual({ U0FIRST01: 'admin', U0SECOND1: 'agent' });
    const [w] = await t.app
      .get(DataSource)
      .query(`SELECT installed_by_slack_user_id AS by FROM workspaces WHERE slack_team_id = $1`, [
        TEAM,
      ]);
    expect(w.by).toBe('U0FIRST01');
  });

  it('does not re-promote the first installer once demoted', async () => {
    await request(t.url)
      .patch('/api/people/U0FIRST01')
      .set(operator)
      .send({ role: 'agent' })
      .expect(200);
    await installAs('U0FIRST01');
    expect(await roles()).toEqual({ U0FIRST01: 'agent', U0SECOND1: 'agent' });
  });

  it('refuses an install from a workspace outside SLACK_ALLOWED_TEAMS and stores nothing', async () => {
    slack.setAuthorizingUser(OTHER, 'U0OTHER01');
    const walk = await walkOAuth(t.url, '/slack/install');
    expect(walk.status).toBe(400);
    expect(walk.page).toContain('SLACK_ALLOWED_TEAMS');
    const rows = await t.app
      .get(DataSource)
      .query(`SELECT 1 FROM workspaces WHERE slack_team_id = $1`, [OTHER]);
    expect(rows).toHaveLength(0);
  });
});
