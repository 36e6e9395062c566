/**
 * Slack tokens at rest: unreadable in the database, and bound to their row. A user token
 * copied into another person's row, or a bot token into another workspace's, opens as nothing
 * (Slack off for that row, one warning without the token), and tokens sealed before row binding
 * keep working and are bound at the next boot.
 */
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { TokenCipher } from '../../src/common/token-cipher';
import { PeopleService } from '../../src/people/people.service';
import { WorkspaceEntity } from '../../src/workspaces/workspace.entity';
import { WorkspacesService } from '../../src/workspaces/workspaces.service';
import { installSecondWorkspace, pulseWorld, PulseWorld } from '../support/pulse-world';
import { keyEnv, restartable, RestartableApp } from '../support/key-restarts';
import { TestApp } from '../support/test-app';

describe('tokens bound to their row', () => {
  const key = randomBytes(32);
  let w: PulseWorld;
  let keyed: RestartableApp | undefined;
  /** The app running now (a restart replaces it). */
  let app: TestApp;
  let workspaceId: string;
  const users: string[] = [];
  const tokens = new Map<string, string>();

  beforeAll(async () => {
    w = await pulseWorld({ alpha: 3 }, { app: { env: { ENCRYPTION_KEY: keyEnv(key) } } });
    keyed = restartable(w);
    app = w.t;
    users.push(...w.members.alpha);
    workspaceId = (await app.app.get(WorkspacesService).findBySlackTeamId(w.teamId))!.id;
    for (const user of users) {
      const token = w.slack.issueUserToken(w.teamId, user);
      tokens.set(user, token);
      await app.app
        .get(PeopleService)
        .connectUserToken(workspaceId, user, token, 'users.profile:write,dnd:write');
    }
  }, 120_000);

  afterAll(() => keyed?.close());

  const ds = () => app.app.get(DataSource);
  const sealedOf = async (user: string): Promise<string> =>
    (await ds().query(`SELECT user_token_enc FROM people WHERE slack_user_id = $1`, [user]))[0]
      .user_token_enc;
  const personOf = (user: string) => app.app.get(PeopleService).get(workspaceId, user);

  it('stores no token readable: not the token, not a part of it, in any column of the row', async () => {
    const rows: Record<string, unknown>[] = await ds().query(
      `SELECT p.*, w.bot_token_enc FROM people p JOIN workspaces w ON w.id = p.workspace_id`,
    );
    const dump = JSON.stringify(rows);
    for (const token of tokens.values()) {
      expect(dump).not.toContain(token);
      expect(dump).not.toContain(token.slice(-12));
    }
    expect(dump).not.toMatch(/xox[bpa]-/);
  });

  it('a user token copied into another person fails to open there: absent, logged once without the token', async () => {
    const [a, b] = users;
    await ds().query(`UPDATE people SET user_token_enc = $1 WHERE slack_user_id = $2`, [
      await sealedOf(a),
      b,
    ]);
    const people = app.app.get(PeopleService);
    expect(people.userToken(await personOf(a))).toBe(tokens.get(a));
    const logsBefore = app.rawLogs.length;
    expect(people.userToken(await personOf(b))).toBeUndefined();
    const lines = app.rawLogs.slice(logsBefore);
    expect(lines.filter((l) => l.includes('user token unreadable'))).toHaveLength(1);
    expect(lines.join('\n')).not.toContain(tokens.get(a)!);
  });

  it('a bot token copied into another workspace fails to open there', async () => {
    await installSecondWorkspace(w, 'T0BINDOTHER');
    const workspaces = app.app.get(WorkspacesService);
    await ds().query(
      `UPDATE workspaces SET bot_token_enc = (SELECT bot_token_enc FROM workspaces WHERE slack_team_id = $1)
        WHERE slack_team_id = $2`,
      [w.teamId, 'T0BINDOTHER'],
    );
    // Fresh rows from the database (the service caches rows it has read).
    const repo = ds().getRepository(WorkspaceEntity);
    const mine = await repo.findOneByOrFail({ slackTeamId: w.teamId });
    const other = await repo.findOneByOrFail({ slackTeamId: 'T0BINDOTHER' });
    expect(workspaces.botToken(mine)).toMatch(/^xoxb-/);
    expect(workspaces.botToken(other)).toBeUndefined();
  });

  it('tokens sealed before row binding keep working, and are bound at the next boot', async () => {
    const [, , c] = users;
    const cipher = new TokenCipher(key);
    // As the previous release stored it: sealed under the key, no row in its associated data.
    const legacy = cipher.encrypt(tokens.get(c)!);
    await ds().query(`UPDATE people SET user_token_enc = $1 WHERE slack_user_id = $2`, [legacy, c]);
    expect(app.app.get(PeopleService).userToken(await personOf(c))).toBe(tokens.get(c));

    // Restart on the same database: boot re-seals it bound to c's row.
    app = await keyed!.restart({ current: key });
    const resealed = await sealedOf(c);
    expect(resealed).not.toBe(legacy);
    const person = await personOf(c);
    expect(app.app.get(PeopleService).userToken(person)).toBe(tokens.get(c));
    expect(cipher.isCurrent(resealed, `people/${person.id}/user_token`)).toBe(true);
    expect(app.rawLogs.join('\n')).toContain('user tokens sealed under ENCRYPTION_KEY');
  });
});
