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
import { SyncStepRunner } from './sync-step-runner';

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
      reserve: jest.fn(async () => ({ at: clock.now(), epoch: 0 })),
      late: () => false,
      heldSlot: async () => ({ pausedUntil: null, stale: false }),
      send: async <T>(_w: string, _m: string, _e: number, call: () => Promise<T>) => ({
        done: await call(),
      }),
      pause: jest.fn(async (_w: string, _m: string, seconds: number) => {
        return new Date(clock.now().getTime() + seconds * 1000);
      }),
    };
    const people = {
      getById: async () => ({ id: 'p1', userTokenEnc: 'enc' }),
      userToken: () => 'xoxp-agent',
    };
    const jobs = { send: jest.fn(), requeueAt: jest.fn(async () => 'job') };
    const sync = new FocusSyncService(
      focus as unknown as FocusRepository,
      people as unknown as PeopleService,
      {} as WorkspacesService,
      slack as unknown as SlackGateway,
      new SyncStepRunner(
        focus as unknown as FocusRepository,
        gate as unknown as SlackRateGate,
        jobs as unknown as JobsService,
        clock,
      ),
      jobs as unknown as JobsService,
      clock,
    );
    /** The patch that ended the block, if one did. */
    const ending = () =>
      (focus.update.mock.calls as unknown as [string, Partial<FocusBlockEntity>][])
        .map(([, patch]) => patch)
        .find((patch) => patch.state === 'ended');
    return { sync, slack, ending, gate, clock, jobs };
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

  it('reports a 429 to the pacer with the refused slot, and re-queues the job for after Retry-After', async () => {
    const { sync, gate, clock, ending, jobs } = setup(async () => {
      throw new SlackCallError('dnd.endSnooze', 'rate_limited', 'ratelimited', 12);
    });
    const now = clock.now().getTime();
    await sync.end({ blockId: 'b1' });
    expect(gate.pause).toHaveBeenCalledWith('w1', 'dnd.endSnooze', 12, new Date(now));
    expect(jobs.requeueAt).toHaveBeenCalledWith(
      'focus.end',
      { blockId: 'b1' },
      new Date(now + 12_000),
      {
        singletonKey: 'b1',
        priority: 0,
      },
    );
    expect(ending()).toBeUndefined();
  });
});

/** The order of the Slack calls and the recorded steps: each call once, each step after it. */
describe('FocusSyncService — step order', () => {
  const KEPT: SlackStatus = { status_text: 'Lunch', status_emoji: ':taco:', status_expiration: 0 };
  const END_S = Math.floor(new Date('2026-11-25T11:00:00Z').getTime() / 1000);

  function setup(overrides: Partial<FocusBlockEntity>, now = '2026-11-25T10:00:00Z') {
    const clock = new TestClock(now);
    const log: string[] = [];
    let block = {
      id: 'b1',
      workspaceId: 'w1',
      personId: 'p1',
      state: 'scheduled',
      note: null,
      startsAt: new Date('2026-11-25T10:00:00Z'),
      endsAt: new Date('2026-11-25T11:00:00Z'),
      keptStatus: null,
      appliedStatus: null,
      ...overrides,
    } as unknown as FocusBlockEntity;
    const focus = {
      acquireSyncLease: jest.fn(async () => block),
      releaseSyncLease: jest.fn(async () => void log.push('release')),
      findById: jest.fn(async () => block),
      leaveScheduled: jest.fn(async () => {
        log.push('claim');
        return true;
      }),
      update: jest.fn(async (_id: string, patch: Partial<FocusBlockEntity>) => {
        log.push(`record ${Object.keys(patch).join(',')}`);
        block = { ...block, ...patch } as FocusBlockEntity;
      }),
    };
    const slack = {
      getProfileStatus: jest.fn(async () => {
        log.push('users.profile.get');
        return block.appliedStatus
          ? { ...block.appliedStatus, status_expiration: 0 }
          : { ...KEPT, status_expiration: 0 };
      }),
      setProfileStatus: jest.fn(async (_t: string, s: SlackStatus) => {
        log.push(`users.profile.set ${s.status_text}`);
      }),
      setSnooze: jest.fn(async (_t: string, minutes: number) => {
        log.push(`dnd.setSnooze ${minutes}`);
      }),
      endSnooze: jest.fn(async () => void log.push('dnd.endSnooze')),
    };
    const gate = {
      reserve: jest.fn(async (_w: string, method: string, notBefore?: Date) => {
        log.push(`book ${method}${notBefore ? ` for ${notBefore.toISOString()}` : ''}`);
        return { at: notBefore ?? clock.now(), epoch: 0 };
      }),
      late: () => false,
      heldSlot: async () => ({ pausedUntil: null, stale: false }),
      send: async <T>(_w: string, _m: string, _e: number, call: () => Promise<T>) => ({
        done: await call(),
      }),
      pause: jest.fn(),
    };
    const people = {
      getById: async () => ({ id: 'p1', userTokenEnc: 'enc' }),
      userToken: () => 'xoxp-agent',
    };
    const workspaces = {
      getSettings: async () => ({ focusStatusText: 'Heads-down', focusStatusEmoji: ':no_bell:' }),
    };
    const jobs = { send: jest.fn(), requeueAt: jest.fn(async () => 'job') };
    const sync = new FocusSyncService(
      focus as unknown as FocusRepository,
      people as unknown as PeopleService,
      workspaces as unknown as WorkspacesService,
      slack as unknown as SlackGateway,
      new SyncStepRunner(
        focus as unknown as FocusRepository,
        gate as unknown as SlackRateGate,
        jobs as unknown as JobsService,
        clock,
      ),
      jobs as unknown as JobsService,
      clock,
    );
    return { sync, log, jobs, clock, current: () => block };
  }

  it('start: claims the block, keeps the status, sets the focus status, snoozes', async () => {
    const { sync, log, jobs, current } = setup({});
    await sync.start({ blockId: 'b1' });
    expect(log).toEqual([
      'claim',
      'book users.profile.get',
      'users.profile.get',
      'record keptStatus',
      'book users.profile.set',
      'users.profile.set Heads-down',
      'record appliedStatus,appliedAt,state',
      'book dnd.setSnooze',
      'dnd.setSnooze 60',
      'record appliedStatus',
      'release',
    ]);
    expect(current().appliedStatus).toEqual({
      status_text: 'Heads-down',
      status_emoji: ':no_bell:',
      status_expiration: END_S,
      snoozed: true,
    });
    expect(jobs.requeueAt).not.toHaveBeenCalled();
  });

  it('start ahead of the block: books the status read and write for the start, waits, then syncs', async () => {
    const { sync, log, clock } = setup({}, '2026-11-25T09:59:58Z');
    await sync.start({ blockId: 'b1' });
    expect(log.slice(0, 5)).toEqual([
      'book users.profile.get for 2026-11-25T10:00:00.000Z',
      'book users.profile.set for 2026-11-25T10:00:00.000Z',
      'claim',
      'users.profile.get',
      'record keptStatus',
    ]);
    expect(log).toContain('users.profile.set Heads-down');
    expect(clock.now().getTime()).toBeGreaterThanOrEqual(Date.parse('2026-11-25T10:00:00Z'));
  });

  it('start of a block that grew: checks the status is still ours, makes it last, snoozes again', async () => {
    const { sync, log } = setup({
      state: 'active',
      keptStatus: KEPT,
      appliedStatus: {
        status_text: 'Heads-down',
        status_emoji: ':no_bell:',
        status_expiration: END_S - 1800,
        snoozed: true,
      },
    });
    await sync.start({ blockId: 'b1' });
    expect(log).toEqual([
      'book users.profile.get',
      'users.profile.get',
      'book users.profile.set',
      'users.profile.set Heads-down',
      'record appliedStatus',
      'book dnd.setSnooze',
      'dnd.setSnooze 60',
      'record appliedStatus',
      'release',
    ]);
  });

  it('end: ends the snooze, reads the status, puts the kept one back, ends the block', async () => {
    const { sync, log, current } = setup(
      {
        state: 'active',
        keptStatus: KEPT,
        appliedStatus: {
          status_text: 'Heads-down',
          status_emoji: ':no_bell:',
          status_expiration: END_S,
          snoozed: true,
        },
      },
      '2026-11-25T11:00:00Z',
    );
    await sync.end({ blockId: 'b1' });
    expect(log).toEqual([
      'book dnd.endSnooze',
      'dnd.endSnooze',
      'record appliedStatus',
      'book users.profile.get',
      'users.profile.get',
      'book users.profile.set',
      'users.profile.set Lunch',
      'record state,restoredAt,keptStatus',
      'release',
    ]);
    expect(current().state).toBe('ended');
  });

  it('end before the block ends: no call, re-queued for the end', async () => {
    const { sync, log, jobs } = setup({ state: 'active' }, '2026-11-25T10:30:00Z');
    await sync.end({ blockId: 'b1' });
    expect(log).toEqual(['release']);
    expect(jobs.requeueAt).toHaveBeenCalledWith(
      'focus.end',
      { blockId: 'b1' },
      new Date('2026-11-25T11:00:00Z'),
      { singletonKey: 'b1', priority: 0 },
    );
  });
});
