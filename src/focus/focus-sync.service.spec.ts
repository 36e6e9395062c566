import { Logger } from '@nestjs/common';
import { TestClock } from '../../test/support/test-clock';
import type { JobsService } from '../jobs/jobs.service';
import type { PeopleService } from '../people/people.service';
import { SlackCallError } from '../slack/slack-call.error';
import type { SlackGateway } from '../slack/slack-gateway';
import type { SlackRateGate } from '../slack/slack-rate-gate';
import type { WorkspacesService } from '../workspaces/workspaces.service';
import type { FocusBlockEntity, SlackStatus } from './focus-block.entity';
import { FocusSyncService } from './focus-sync.service';
import type { FocusRepository } from './focus.repository';

/** The end sync forgets the kept status whichever way the block ends: restored or given up. */
describe('FocusSyncService.end — the kept status', () => {
  const SICK: SlackStatus = {
    status_text: 'Out sick',
    status_emoji: ':face_with_thermometer:',
    status_expiration: 0,
  };
  const FOCUS = { status_text: 'Heads-down', status_emoji: ':no_bell:' };
  let warn: jest.SpyInstance;

  beforeEach(() => {
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });

  afterEach(() => warn.mockRestore());

  function setup(endSnooze: () => Promise<void>) {
    const clock = new TestClock('2026-11-25T10:00:00Z');
    const block = {
      id: 'b1',
      workspaceId: 'w1',
      personId: 'p1',
      state: 'active',
      startsAt: new Date('2026-11-25T09:00:00Z'),
      endsAt: new Date('2026-11-25T09:30:00Z'),
      keptStatus: SICK,
      appliedStatus: { ...FOCUS, status_expiration: 1_795_000_000, snoozed: true },
    } as unknown as FocusBlockEntity;
    const focus = {
      acquireSyncLease: jest.fn(async () => block),
      releaseSyncLease: jest.fn(async () => undefined),
      findById: jest.fn(async () => block),
      update: jest.fn(async () => undefined),
    };
    const slack = {
      endSnooze: jest.fn(endSnooze),
      getProfileStatus: jest.fn(async () => ({ ...FOCUS, status_expiration: 0 })),
      setProfileStatus: jest.fn(async () => undefined),
    };
    const gate = {
      reserve: jest.fn(async () => ({ at: clock.now() })),
      late: () => false,
      pausedHere: () => null,
      pausedUntil: async () => null,
    };
    const people = {
      getById: async () => ({ id: 'p1', userTokenEnc: 'enc' }),
      userToken: () => 'xoxp-agent',
    };
    const sync = new FocusSyncService(
      focus as unknown as FocusRepository,
      people as unknown as PeopleService,
      {} as WorkspacesService,
      slack as unknown as SlackGateway,
      gate as unknown as SlackRateGate,
      { send: jest.fn() } as unknown as JobsService,
      clock,
    );
    /** The patch that ended the block, if one did. */
    const ending = () =>
      (focus.update.mock.calls as unknown as [string, Partial<FocusBlockEntity>][])
        .map(([, patch]) => patch)
        .find((patch) => patch.state === 'ended');
    return { sync, slack, ending };
  }

  it('restores it, then forgets it', async () => {
    const { sync, slack, ending } = setup(async () => undefined);
    await sync.end({ blockId: 'b1' });
    expect(slack.setProfileStatus).toHaveBeenCalledWith('xoxp-agent', SICK);
    expect(ending()).toMatchObject({ state: 'ended', keptStatus: null });
    expect(ending()!.restoredAt).toBeInstanceOf(Date);
  });

  it('keeps it for the retry when Slack fails and attempts are left', async () => {
    const { sync, ending } = setup(async () => {
      throw new SlackCallError('dnd.endSnooze', 'transient', 'http_error', undefined, 503);
    });
    await expect(sync.end({ blockId: 'b1' })).rejects.toThrow(/HTTP 503/);
    expect(ending()).toBeUndefined();
  });

  it('gives up on the last attempt and forgets it', async () => {
    const { sync, slack, ending } = setup(async () => {
      throw new SlackCallError('dnd.endSnooze', 'transient', 'http_error', undefined, 503);
    });
    await sync.end({ blockId: 'b1' }, { lastAttempt: true });
    expect(slack.setProfileStatus).not.toHaveBeenCalled();
    expect(ending()).toEqual({ state: 'ended', keptStatus: null });
  });

  it('gives up at once when Slack refuses for good, and forgets it', async () => {
    const { sync, slack, ending } = setup(async () => {
      throw new SlackCallError('dnd.endSnooze', 'platform', 'token_revoked');
    });
    await sync.end({ blockId: 'b1' });
    expect(slack.setProfileStatus).not.toHaveBeenCalled();
    expect(ending()).toEqual({ state: 'ended', keptStatus: null });
    // Logged once, without the status it gave up restoring.
    expect(warn).toHaveBeenCalledTimes(1);
    expect(JSON.stringify(warn.mock.calls)).toContain('focus restore given up');
    expect(JSON.stringify(warn.mock.calls)).not.toContain('Out sick');
  });
});
