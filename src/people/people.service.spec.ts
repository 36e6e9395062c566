import { Logger } from '@nestjs/common';
import type { TransactionHost, TransactionalAdapterTypeOrm } from '../database/transactions';
import { TestClock } from '../../test/support/test-clock';
import { DomainError } from '../common/errors';
import { TokenCipher } from '../common/token-cipher';
import { SlackCallError } from '../slack/slack-call.error';
import { SlackGateway, SlackUser } from '../slack/slack-gateway';
import { TeamsService } from '../teams/teams.service';
import { WorkspaceEntity } from '../workspaces/workspace.entity';
import { WorkspacesService } from '../workspaces/workspaces.service';
import { PeopleRepository } from './people.repository';
import { JobsService } from '../jobs/jobs.service';
import { RetryAt } from '../jobs/retry-at';
import { SlackRateGate } from '../slack/slack-rate-gate';
import { fromSlack, isPerson, PeopleService, PeopleSyncInterrupted } from './people.service';
import { PersonEntity } from './person.entity';

const WORKSPACE_ID = 'ws-1';
const BOT_TOKEN = 'xoxb-bot-token';

function slackUser(id: string, overrides: Partial<SlackUser> = {}): SlackUser {
  return {
    id,
    name: id.toLowerCase(),
    real_name: `Real ${id}`,
    tz: 'Europe/Berlin',
    tz_offset: 3600,
    profile: { display_name: `Display ${id}`, email: `${id.toLowerCase()}@example.com` },
    ...overrides,
  };
}

/** A stored person exactly as fromSlack(user) would have imported them. */
function storedPerson(user: SlackUser, id = `p-${user.id}`): PersonEntity {
  return Object.assign(new PersonEntity(), {
    id,
    workspaceId: WORKSPACE_ID,
    role: 'agent',
    teamId: null,
    ...fromSlack(user),
  });
}

type UsersPage = Awaited<ReturnType<SlackGateway['listUsersPage']>>;

function page(members: SlackUser[], nextCursor = ''): UsersPage {
  return { ok: true, members, response_metadata: { next_cursor: nextCursor } };
}

describe('isPerson', () => {
  it('excludes Slackbot and bots', () => {
    expect(isPerson(slackUser('USLACKBOT'))).toBe(false);
    expect(isPerson(slackUser('B1', { is_bot: true }))).toBe(false);
  });

  it('includes members, deleted ones too', () => {
    expect(isPerson(slackUser('U1'))).toBe(true);
    expect(isPerson(slackUser('U2', { is_bot: false }))).toBe(true);
    expect(isPerson(slackUser('U3', { deleted: true }))).toBe(true);
  });
});

describe('fromSlack', () => {
  it('maps a Slack member', () => {
    expect(fromSlack(slackUser('U1'))).toEqual({
      slackUserId: 'U1',
      name: 'Display U1',
      realName: 'Real U1',
      email: 'u1@example.com',
      tz: 'Europe/Berlin',
      tzOffset: 3600,
      active: true,
    });
  });

  it('prefers display_name, then real_name, then name', () => {
    expect(fromSlack(slackUser('U1')).name).toBe('Display U1');
    expect(fromSlack(slackUser('U1', { profile: { display_name: '' } })).name).toBe('Real U1');
    expect(fromSlack(slackUser('U1', { profile: {} })).name).toBe('Real U1');
    expect(fromSlack(slackUser('U1', { profile: undefined, real_name: '' })).name).toBe('u1');
    expect(fromSlack(slackUser('U1', { profile: undefined, real_name: undefined })).name).toBe(
      'u1',
    );
  });

  it('takes the real name from the profile when the member has none', () => {
    const user = slackUser('U1', { real_name: undefined, profile: { real_name: 'Profile Name' } });
    expect(fromSlack(user).realName).toBe('Profile Name');
  });

  it('marks a deleted member inactive', () => {
    expect(fromSlack(slackUser('U1', { deleted: true })).active).toBe(false);
    expect(fromSlack(slackUser('U1', { deleted: false })).active).toBe(true);
  });

  it('defaults to UTC, offset 0, and no email or real name', () => {
    const bare: SlackUser = { id: 'U1', name: 'bare' };
    expect(fromSlack(bare)).toEqual({
      slackUserId: 'U1',
      name: 'bare',
      realName: null,
      email: null,
      tz: 'UTC',
      tzOffset: 0,
      active: true,
    });
  });
});

describe('PeopleService.syncFromSlack', () => {
  const workspace = Object.assign(new WorkspaceEntity(), {
    id: WORKSPACE_ID,
    botTokenEnc: 'v1.encrypted',
  });
  /** Transactions open now (the fake TransactionHost counts them). */
  let open = 0;
  /** Writes and their reads must happen inside the page's transaction. */
  const inTransaction = () => expect(open).toBe(1);

  let clock: TestClock;
  let stored: PersonEntity[];
  let people: {
    findManyBySlackUserIds: jest.Mock;
    insertMany: jest.Mock;
    updateFromSlack: jest.Mock;
  };
  let workspaces: { get: jest.Mock; botToken: jest.Mock };
  let slack: { listUsersPage: jest.Mock };
  let txHost: { withTransaction: jest.Mock };
  let gate: { paced: jest.Mock };
  let jobs: { send: jest.Mock };
  let service: PeopleService;

  beforeEach(() => {
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    clock = new TestClock('2026-11-25T09:00:00Z');
    stored = [];
    people = {
      findManyBySlackUserIds: jest.fn(async (_workspaceId: string, ids: string[]) => {
        inTransaction();
        return stored.filter((p) => ids.includes(p.slackUserId));
      }),
      insertMany: jest.fn(async () => inTransaction()),
      updateFromSlack: jest.fn(async () => inTransaction()),
    };
    workspaces = {
      get: jest.fn().mockResolvedValue(workspace),
      botToken: jest.fn().mockReturnValue(BOT_TOKEN),
    };
    slack = { listUsersPage: jest.fn() };
    // The pacer as the sync sees it: the call goes at once; a 429 becomes "retry at".
    gate = {
      paced: jest.fn(async (_ws: string, _methods: string[], call: () => Promise<unknown>) => {
        try {
          return await call();
        } catch (err) {
          if (!(err instanceof SlackCallError && err.kind === 'rate_limited')) throw err;
          const at = new Date(clock.now().getTime() + (err.retryAfterSeconds ?? 1) * 1000);
          throw new RetryAt(at, 'users.list rate limited');
        }
      }),
    };
    jobs = { send: jest.fn().mockResolvedValue('job-1') };
    open = 0;
    txHost = {
      withTransaction: jest.fn(async (fn: () => Promise<unknown>) => {
        open += 1;
        try {
          return await fn();
        } finally {
          open -= 1;
        }
      }),
    };
    service = new PeopleService(
      people as unknown as PeopleRepository,
      workspaces as unknown as WorkspacesService,
      {} as TeamsService,
      slack as unknown as SlackGateway,
      {} as TokenCipher,
      clock,
      txHost as unknown as TransactionHost<TransactionalAdapterTypeOrm>,
      gate as unknown as SlackRateGate,
      jobs as unknown as JobsService,
    );
  });

  afterEach(() => {
    jest.restoreAllMocks();
  });

  describe('over two pages', () => {
    const newcomer = slackUser('U_NEW');
    const same = slackUser('U_SAME');
    const moved = slackUser('U_MOVED', { tz: 'America/New_York', tz_offset: -18000 });
    const leaver = slackUser('U_LEFT', { deleted: true });
    const goneBeforeImport = slackUser('U_GONE', { deleted: true });
    const newcomer2 = slackUser('U_NEW2', { profile: undefined });

    beforeEach(() => {
      stored = [
        storedPerson(same),
        storedPerson(slackUser('U_MOVED')),
        storedPerson(slackUser('U_LEFT')),
      ];
      slack.listUsersPage
        .mockResolvedValueOnce(
          page([slackUser('USLACKBOT'), slackUser('B1', { is_bot: true }), newcomer, same], 'c2'),
        )
        .mockResolvedValueOnce(page([moved, leaver, goneBeforeImport, newcomer2]));
    });

    it('returns the counts', async () => {
      await expect(service.syncFromSlack(WORKSPACE_ID)).resolves.toEqual({
        pages: 2,
        created: 2,
        updated: 1,
        unchanged: 1,
        deactivated: 1,
        skipped: 3,
      });
    });

    it('uses the workspace bot token and follows next_cursor', async () => {
      await service.syncFromSlack(WORKSPACE_ID);
      expect(workspaces.get).toHaveBeenCalledWith(WORKSPACE_ID);
      expect(workspaces.botToken).toHaveBeenCalledWith(workspace);
      expect(slack.listUsersPage.mock.calls).toEqual([
        [BOT_TOKEN, undefined],
        [BOT_TOKEN, 'c2'],
      ]);
    });

    it('writes each page in its own transaction, looking up only people', async () => {
      await service.syncFromSlack(WORKSPACE_ID);
      expect(txHost.withTransaction).toHaveBeenCalledTimes(2);
      expect(people.findManyBySlackUserIds.mock.calls).toEqual([
        [WORKSPACE_ID, ['U_NEW', 'U_SAME']],
        [WORKSPACE_ID, ['U_MOVED', 'U_LEFT', 'U_GONE', 'U_NEW2']],
      ]);
    });

    it('inserts active newcomers only, with the sync time', async () => {
      await service.syncFromSlack(WORKSPACE_ID);
      expect(people.insertMany.mock.calls).toEqual([
        [WORKSPACE_ID, [fromSlack(newcomer)], clock.now()],
        [WORKSPACE_ID, [fromSlack(newcomer2)], clock.now()],
      ]);
    });

    it('updates only the fields that changed', async () => {
      await service.syncFromSlack(WORKSPACE_ID);
      expect(people.updateFromSlack.mock.calls).toEqual([
        ['p-U_MOVED', { tz: 'America/New_York', tzOffset: -18000 }, clock.now()],
        ['p-U_LEFT', { active: false }, clock.now()],
      ]);
    });

    it('gives nobody the admin role without an installer', async () => {
      await service.syncFromSlack(WORKSPACE_ID);
      const inserted = people.insertMany.mock.calls.flatMap((call) => call[1]);
      expect(inserted).toHaveLength(2);
      expect(inserted.filter((p: { role?: string }) => p.role === 'admin')).toEqual([]);
    });

    it('inserts the installer with role admin', async () => {
      await service.syncFromSlack(WORKSPACE_ID, { installer: 'U_NEW2' });
      expect(people.insertMany.mock.calls).toEqual([
        [WORKSPACE_ID, [fromSlack(newcomer)], clock.now()],
        [WORKSPACE_ID, [{ ...fromSlack(newcomer2), role: 'admin' }], clock.now()],
      ]);
    });
  });

  it('makes an installer who was already imported as an agent an admin', async () => {
    const installer = slackUser('U_INSTALLER');
    stored = [storedPerson(installer)];
    slack.listUsersPage.mockResolvedValueOnce(page([installer]));
    await service.syncFromSlack(WORKSPACE_ID, { installer: 'U_INSTALLER' });
    expect(people.updateFromSlack).toHaveBeenCalledWith(
      stored[0].id,
      { role: 'admin' },
      clock.now(),
    );
  });

  it('counts an inactive person who is back as updated, not deactivated', async () => {
    stored = [storedPerson(slackUser('U1', { deleted: true }))];
    slack.listUsersPage.mockResolvedValueOnce(page([slackUser('U1')]));
    await expect(service.syncFromSlack(WORKSPACE_ID)).resolves.toMatchObject({
      updated: 1,
      deactivated: 0,
    });
    expect(people.updateFromSlack).toHaveBeenCalledWith('p-U1', { active: true }, clock.now());
  });

  it('changes nothing on a second run over the same data', async () => {
    const members = [slackUser('U1'), slackUser('U2')];
    stored = members.map((m) => storedPerson(m));
    slack.listUsersPage.mockResolvedValueOnce(page(members));
    await expect(service.syncFromSlack(WORKSPACE_ID)).resolves.toEqual({
      pages: 1,
      created: 0,
      updated: 0,
      unchanged: 2,
      deactivated: 0,
      skipped: 0,
    });
    expect(people.updateFromSlack).not.toHaveBeenCalled();
    expect(people.insertMany.mock.calls.flatMap((call) => call[1])).toEqual([]);
  });

  it('paces every users.list page, and never sleeps out a Retry-After itself', async () => {
    const sleep = jest.spyOn(clock, 'sleep');
    slack.listUsersPage
      .mockResolvedValueOnce(page([slackUser('U1')], 'c2'))
      .mockResolvedValueOnce(page([slackUser('U2')]));
    await service.syncFromSlack(WORKSPACE_ID);
    expect(gate.paced.mock.calls.map((c) => c.slice(0, 2))).toEqual([
      [WORKSPACE_ID, ['users.list']],
      [WORKSPACE_ID, ['users.list']],
    ]);
    expect(sleep).not.toHaveBeenCalled();
  });

  it('stops at a rate limit, saying which page to resume from and when', async () => {
    const sleep = jest.spyOn(clock, 'sleep');
    slack.listUsersPage
      .mockResolvedValueOnce(page([slackUser('U1')], 'c2'))
      .mockRejectedValueOnce(new SlackCallError('users.list', 'rate_limited', undefined, 7));
    const error = await service.syncFromSlack(WORKSPACE_ID).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PeopleSyncInterrupted);
    const stopped = error as PeopleSyncInterrupted;
    expect(stopped.cursor).toBe('c2');
    expect(stopped.retry.at.getTime()).toBe(clock.now().getTime() + 7000);
    expect(stopped.counts).toMatchObject({ pages: 1, created: 1 });
    expect(people.insertMany).toHaveBeenCalledTimes(1);
    expect(sleep).not.toHaveBeenCalled();
  });

  it('resumes from the cursor it is given', async () => {
    slack.listUsersPage.mockResolvedValueOnce(page([slackUser('U2')]));
    await expect(service.syncFromSlack(WORKSPACE_ID, { cursor: 'c2' })).resolves.toMatchObject({
      pages: 1,
      created: 1,
    });
    expect(slack.listUsersPage.mock.calls).toEqual([[BOT_TOKEN, 'c2']]);
  });

  it('through the API: queues the rest of the import for after Retry-After and answers slack_unavailable', async () => {
    slack.listUsersPage
      .mockResolvedValueOnce(page([slackUser('U1')], 'c2'))
      .mockRejectedValueOnce(new SlackCallError('users.list', 'rate_limited', undefined, 30));
    const error = await service.syncNow(WORKSPACE_ID).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).code).toBe('slack_unavailable');
    expect((error as DomainError).message).toContain('1 page(s) imported');
    expect(jobs.send).toHaveBeenCalledWith(
      'people.sync',
      { workspaceId: WORKSPACE_ID, makeAdmin: null, cursor: 'c2' },
      {
        startAfter: new Date(clock.now().getTime() + 30_000),
        singletonKey: `people-sync:${WORKSPACE_ID}`,
      },
    );
    expect(txHost.withTransaction).toHaveBeenCalledTimes(1);
  });

  it('turns a platform error into slack_unavailable without retrying', async () => {
    slack.listUsersPage.mockRejectedValueOnce(
      new SlackCallError('users.list', 'platform', 'invalid_auth'),
    );
    const error = await service.syncFromSlack(WORKSPACE_ID).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).code).toBe('slack_unavailable');
    expect((error as DomainError).message).toContain('invalid_auth');
    expect(slack.listUsersPage).toHaveBeenCalledTimes(1);
    expect(txHost.withTransaction).not.toHaveBeenCalled();
  });

  it('keeps the pages written before a later page fails', async () => {
    slack.listUsersPage
      .mockResolvedValueOnce(page([slackUser('U1')], 'c2'))
      .mockRejectedValueOnce(new SlackCallError('users.list', 'platform', 'internal_error'));
    await expect(service.syncFromSlack(WORKSPACE_ID)).rejects.toMatchObject({
      code: 'slack_unavailable',
    });
    expect(people.insertMany).toHaveBeenCalledTimes(1);
  });

  it('refuses with slack_disabled when the workspace has no bot token', async () => {
    workspaces.botToken.mockReturnValue(undefined);
    const error = await service.syncFromSlack(WORKSPACE_ID).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).code).toBe('slack_disabled');
    expect(slack.listUsersPage).not.toHaveBeenCalled();
  });
});
