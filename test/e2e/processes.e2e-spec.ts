/**
 * What only real processes show: `npm start` with no environment, data surviving a restart,
 * and two replicas starting together on one database (migration lock, a job run once).
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { assertBuilt, listeningTcpPorts, startAppProcess } from '../support/app-process';
import { eventually } from '../support/eventually';
import { walkOAuth } from '../support/oauth-flow';
import { SlackStandIn } from '../support/slack-stand-in';
import { acquireTestDatabase } from '../support/test-database';
import { TEST_ADMIN_TOKEN, TEST_OAUTH, TEST_SIGNING_SECRET } from '../support/test-app';

jest.setTimeout(180_000);

const tempDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'pulsedesk-proc-'));

async function query<T>(url: string, sql: string): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
}

describe('the app as processes', () => {
  let slack: SlackStandIn;

  beforeAll(async () => {
    assertBuilt();
    slack = await SlackStandIn.start();
    slack.setOAuthApp({ clientId: TEST_OAUTH.clientId, clientSecret: TEST_OAUTH.clientSecret });
  });

  afterAll(async () => {
    await slack?.stop();
  });

  it('starts with no environment on the embedded database and says Slack is off', async () => {
    const dataDir = tempDir();
    const app = await startAppProcess({ DATA_DIR: dataDir });
    try {
      const res = await fetch(`${app.url}/health`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ status: 'ok', db: 'up' });
      expect(app.output().match(/Slack delivery is off/g)).toHaveLength(1);
      expect(fs.existsSync(path.join(dataDir, 'encryption.key'))).toBe(true);
      // The embedded database is on a Unix socket only this user can reach, never on TCP.
      const socketDir = path.join(dataDir, 'run');
      expect(fs.statSync(socketDir).mode & 0o777).toBe(0o700);
      expect(fs.statSync(path.join(socketDir, '.s.PGSQL.5432')).isSocket()).toBe(true);
      expect(listeningTcpPorts(app.pid)).toEqual([Number(new URL(app.url).port)]);
      const client = new Client({
        host: socketDir,
        port: 5432,
        user: 'postgres',
        database: 'postgres',
      });
      await client.connect();
      try {
        expect((await client.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
      } finally {
        await client.end();
      }
      // A second process on the same DATA_DIR is refused instead of corrupting it.
      await expect(startAppProcess({ DATA_DIR: dataDir }, { timeoutMs: 8_000 })).rejects.toThrow(
        /in use by process/,
      );
    } finally {
      expect(await app.stop()).toBe(0);
    }
  });

  it('keeps its data across a restart of the embedded database', async () => {
    slack.addTeam({ id: 'T0RESTART', name: 'Restart Co' });
    const env = {
      DATA_DIR: tempDir(),
      ADMIN_API_TOKEN: TEST_ADMIN_TOKEN,
      SLACK_SIGNING_SECRET: TEST_SIGNING_SECRET,
      SLACK_BOT_TOKEN: slack.issueBotToken('T0RESTART'),
      SLACK_API_URL: slack.apiUrl,
    };
    const auth = {
      Authorization: `Bearer ${TEST_ADMIN_TOKEN}`,
      'Content-Type': 'application/json',
    };
    const first = await startAppProcess(env);
    try {
      const created = await fetch(`${first.url}/api/teams`, {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({ name: 'Night shift', minOnDuty: 3 }),
      });
      expect(created.status).toBe(201);
    } finally {
      expect(await first.stop()).toBe(0);
    }
    const second = await startAppProcess(env);
    try {
      const teams = await (await fetch(`${second.url}/api/teams`, { headers: auth })).json();
      expect(teams).toEqual([expect.objectContaining({ name: 'Night shift', minOnDuty: 3 })]);
    } finally {
      await second.stop();
    }
  });

  it('starts two replicas at once on one fresh database: one migrates, a queued job runs once', async () => {
    const db = await acquireTestDatabase({ empty: true });
    const team = 'T0REPLICAS';
    slack.addTeam({ id: team, name: 'Replica Support' });
    slack.addUser({ id: 'U0REPL001', teamId: team, name: 'rae', tz: 'Europe/Lisbon' });
    slack.addUser({ id: 'U0REPL002', teamId: team, name: 'sol', tz: 'America/Chicago' });
    const env = {
      DATABASE_URL: db.url,
      ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      ADMIN_API_TOKEN: TEST_ADMIN_TOKEN,
      SLACK_SIGNING_SECRET: TEST_SIGNING_SECRET,
      SLACK_CLIENT_ID: TEST_OAUTH.clientId,
      SLACK_CLIENT_SECRET: TEST_OAUTH.clientSecret,
      SLACK_STATE_SECRET: TEST_OAUTH.stateSecret,
      SLACK_API_URL: slack.apiUrl,
      SLACK_OAUTH_AUTHORIZE_URL: slack.authorizeUrl,
      PUBLIC_URL: 'http://pulsedesk.test',
    };
    const started = await Promise.allSettled([
      startAppProcess({ ...env, DATA_DIR: tempDir() }),
      startAppProcess({ ...env, DATA_DIR: tempDir() }),
    ]);
    const running = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    try {
      const failed = started.find((s) => s.status === 'rejected');
      if (failed) throw (failed as PromiseRejectedResult).reason;
      const [a, b] = running;
      for (const app of [a, b]) expect((await fetch(`${app.url}/health`)).status).toBe(200);
      const migrations = await query<{ name: string; n: string }>(
        db.url,
        'SELECT name, count(*) AS n FROM migrations GROUP BY name',
      );
      expect(migrations.length).toBeGreaterThan(0);
      expect(migrations.every((m) => m.n === '1')).toBe(true);
      expect(
        a.output().includes('migrations applied') !== b.output().includes('migrations applied'),
      ).toBe(true);

      slack.clearCalls();
      slack.setAuthorizingUser(team, 'U0REPL001');
      const walk = await walkOAuth(a.url, '/slack/install');
      expect(walk.status).toBe(200);
      const operator = {
        Authorization: `Bearer ${TEST_ADMIN_TOKEN}`,
        'X-Pulsedesk-Workspace': team,
      };
      await eventually(
        async () => {
          const people = await (await fetch(`${b.url}/api/people`, { headers: operator })).json();
          return Array.isArray(people) && people.length === 2;
        },
        { what: 'the people import job' },
      );
      // The import commits its people before pg-boss marks the job done: wait for
      // the job to leave 'active', then check it was the only one and it completed.
      const jobs = () =>
        query<{ state: string }>(db.url, `SELECT state FROM pgboss.job WHERE name = 'people.sync'`);
      await eventually(async () => (await jobs()).every((j) => j.state !== 'active'), {
        what: 'the people import job to be marked done',
      });
      expect(await jobs()).toEqual([{ state: 'completed' }]);
      expect(slack.calls('users.list')).toHaveLength(1);
    } finally {
      await Promise.all(running.map((app) => app.stop()));
      await db.release();
    }
  });
});
