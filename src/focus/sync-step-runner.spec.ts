import { TestClock } from '../../test/support/test-clock';
import type { JobsService } from '../jobs/jobs.service';
import { SlackCallError } from '../slack/slack-call.error';
import type { SlackRateGate } from '../slack/slack-rate-gate';
import type { FocusBlockEntity } from './focus-block.entity';
import type { FocusJobData } from './focus.queues';
import type { FocusRepository } from './focus.repository';
import { SyncRun, SyncStepRunner } from './sync-step-runner';

/** The runner around a sync's Slack steps: the lease, the pacing slots, the re-queue. */
describe('SyncStepRunner', () => {
  const NOW = '2026-11-25T10:00:00.000Z';
  const at = (ms: number) => new Date(new Date(NOW).getTime() + ms);

  function setup() {
    const clock = new TestClock(NOW);
    const block = { id: 'b1', workspaceId: 'w1' } as FocusBlockEntity;
    const focus = {
      acquireSyncLease: jest.fn(async (): Promise<FocusBlockEntity | null> => block),
      releaseSyncLease: jest.fn(async () => undefined),
      findById: jest.fn(async (): Promise<FocusBlockEntity | null> => block),
    };
    const gate = {
      // By default a slot now, at epoch 3.
      reserve: jest.fn(
        async (
          _w: string,
          _m: string,
          notBefore?: Date,
        ): Promise<{ at: Date; epoch: number; pausedUntil?: Date }> => ({
          at: notBefore ?? clock.now(),
          epoch: 3,
        }),
      ),
      late: (slot: Date) => clock.now().getTime() > slot.getTime() + 1_000,
      heldSlot: jest.fn(async () => ({ pausedUntil: null as Date | null, stale: false })),
      send: jest.fn(async <T>(_w: string, _m: string, _e: number, call: () => Promise<T>) => ({
        done: await call(),
      })),
      pause: jest.fn(async (_w: string, _m: string, seconds: number) => {
        return new Date(clock.now().getTime() + seconds * 1000);
      }),
    };
    const jobs = { requeueAt: jest.fn(async () => 'job') };
    const runner = new SyncStepRunner(
      focus as unknown as FocusRepository,
      gate as unknown as SlackRateGate,
      jobs as unknown as JobsService,
      clock,
    );
    const run = (job: FocusJobData, steps: (run: SyncRun) => Promise<void>) =>
      runner.run('focus.start', job, steps);
    return { clock, focus, gate, jobs, run };
  }

  it('runs the steps under the lease and gives it back', async () => {
    const { focus, jobs, run } = setup();
    const seen: string[] = [];
    await run({ blockId: 'b1' }, async (r) => {
      seen.push(r.block.id);
      expect(focus.releaseSyncLease).not.toHaveBeenCalled();
    });
    expect(seen).toEqual(['b1']);
    expect(focus.acquireSyncLease).toHaveBeenCalledWith(
      'b1',
      expect.any(String),
      at(0),
      at(60_000),
    );
    const leaseId = (focus.acquireSyncLease.mock.calls[0] as unknown[])[1];
    expect(focus.releaseSyncLease).toHaveBeenCalledWith('b1', leaseId);
    expect(jobs.requeueAt).not.toHaveBeenCalled();
  });

  it('re-queues a job whose block’s lease is held elsewhere for the lease retry, keeping its slots', async () => {
    const { focus, jobs, run } = setup();
    focus.acquireSyncLease.mockResolvedValue(null);
    const steps = jest.fn(async () => undefined);
    const slots = [{ method: 'users.profile.get', at: at(5_000).toISOString(), epoch: 2 }];
    await run({ blockId: 'b1', slots }, steps);
    expect(steps).not.toHaveBeenCalled();
    expect(focus.releaseSyncLease).not.toHaveBeenCalled();
    expect(jobs.requeueAt).toHaveBeenCalledWith(
      'focus.start',
      { blockId: 'b1', slots },
      at(1_000),
      {
        singletonKey: 'b1',
        priority: 1,
      },
    );
  });

  it('ends the job when the block was deleted meanwhile', async () => {
    const { focus, jobs, run } = setup();
    focus.acquireSyncLease.mockResolvedValue(null);
    focus.findById.mockResolvedValue(null);
    await run({ blockId: 'b1' }, async () => undefined);
    expect(jobs.requeueAt).not.toHaveBeenCalled();
  });

  it('makes a call at a slot within the wait, once', async () => {
    const { clock, gate, jobs, run } = setup();
    gate.reserve.mockResolvedValueOnce({ at: at(1_200), epoch: 3 });
    const call = jest.fn(async () => 'read');
    let result: string | undefined;
    await run({ blockId: 'b1' }, async (r) => {
      result = await r.call('users.profile.get', call);
    });
    expect(result).toBe('read');
    expect(call).toHaveBeenCalledTimes(1);
    expect(clock.now()).toEqual(at(1_200)); // waited for the slot
    expect(gate.heldSlot).toHaveBeenCalledWith('w1', 'users.profile.get', 3);
    expect(jobs.requeueAt).not.toHaveBeenCalled();
  });

  it('re-queues for just before a slot later than it waits for, carrying the slot', async () => {
    const { focus, gate, jobs, run } = setup();
    gate.reserve.mockResolvedValueOnce({ at: at(20_000), epoch: 3 });
    const call = jest.fn(async () => undefined);
    const after = jest.fn();
    await run({ blockId: 'b1' }, async (r) => {
      await r.call('users.profile.set', call);
      after();
    });
    expect(call).not.toHaveBeenCalled();
    expect(after).not.toHaveBeenCalled();
    expect(focus.releaseSyncLease).toHaveBeenCalled();
    expect(jobs.requeueAt).toHaveBeenCalledWith(
      'focus.start',
      {
        blockId: 'b1',
        slots: [{ method: 'users.profile.set', at: at(20_000).toISOString(), epoch: 3 }],
      },
      at(20_000 - 600),
      { singletonKey: 'b1', priority: 1 },
    );
  });

  it('uses a slot carried from the last run instead of booking again', async () => {
    const { clock, gate, jobs, run } = setup();
    clock.set(at(19_400));
    const call = jest.fn(async () => undefined);
    await run(
      {
        blockId: 'b1',
        slots: [{ method: 'users.profile.set', at: at(20_000).toISOString(), epoch: 7 }],
      },
      (r) => r.call('users.profile.set', call),
    );
    expect(gate.reserve).not.toHaveBeenCalled();
    expect(gate.heldSlot).toHaveBeenCalledWith('w1', 'users.profile.set', 7);
    expect(gate.send).toHaveBeenCalledWith('w1', 'users.profile.set', 7, call);
    expect(call).toHaveBeenCalledTimes(1);
    expect(clock.now()).toEqual(at(20_000));
    expect(jobs.requeueAt).not.toHaveBeenCalled();
  });

  it('books again when a carried slot was voided by a 429 since (stale)', async () => {
    const { clock, gate, run } = setup();
    clock.set(at(19_400));
    gate.heldSlot.mockResolvedValueOnce({ pausedUntil: null, stale: true });
    const call = jest.fn(async () => undefined);
    await run(
      {
        blockId: 'b1',
        slots: [{ method: 'users.profile.set', at: at(20_000).toISOString(), epoch: 7 }],
      },
      (r) => r.call('users.profile.set', call),
    );
    expect(gate.reserve).toHaveBeenCalledTimes(1);
    expect(gate.send).toHaveBeenCalledWith('w1', 'users.profile.set', 3, call);
    expect(call).toHaveBeenCalledTimes(1);
  });

  it('re-queues for the pause when a method is paused at booking, keeping the other slots', async () => {
    const { gate, jobs, run } = setup();
    gate.reserve.mockResolvedValueOnce({ at: at(0), epoch: 3, pausedUntil: at(9_000) });
    const call = jest.fn(async () => undefined);
    const carried = { method: 'dnd.setSnooze', at: at(500).toISOString(), epoch: 3 };
    await run({ blockId: 'b1', slots: [carried] }, (r) => r.call('users.profile.get', call));
    expect(call).not.toHaveBeenCalled();
    expect(jobs.requeueAt).toHaveBeenCalledWith(
      'focus.start',
      { blockId: 'b1', slots: [carried] },
      at(9_000),
      { singletonKey: 'b1', priority: 1 },
    );
  });

  it('on a 429 pauses the method with the refused slot and re-queues for Retry-After', async () => {
    const { gate, jobs, run } = setup();
    const call = jest.fn(async () => {
      throw new SlackCallError('dnd.setSnooze', 'rate_limited', 'ratelimited', 30);
    });
    const after = jest.fn();
    await run({ blockId: 'b1' }, async (r) => {
      await r.call('dnd.setSnooze', call);
      after();
    });
    expect(call).toHaveBeenCalledTimes(1);
    expect(after).not.toHaveBeenCalled();
    expect(gate.pause).toHaveBeenCalledWith('w1', 'dnd.setSnooze', 30, at(0));
    // The refused slot is used up: nothing is carried.
    expect(jobs.requeueAt).toHaveBeenCalledWith('focus.start', { blockId: 'b1' }, at(30_000), {
      singletonKey: 'b1',
      priority: 0,
    });
  });

  it('books ahead for a given time, only the methods it holds no slot for', async () => {
    const { gate, jobs, run } = setup();
    const carried = { method: 'users.profile.get', at: at(2_000).toISOString(), epoch: 1 };
    await run({ blockId: 'b1', slots: [carried] }, async (r) => {
      await r.bookAhead(['users.profile.get', 'users.profile.set'], at(2_000));
      throw r.retryAt(at(5_000), 'test');
    });
    expect(gate.reserve).toHaveBeenCalledTimes(1);
    expect(gate.reserve).toHaveBeenCalledWith('w1', 'users.profile.set', at(2_000));
    expect(jobs.requeueAt).toHaveBeenCalledWith(
      'focus.start',
      {
        blockId: 'b1',
        slots: [carried, { method: 'users.profile.set', at: at(2_000).toISOString(), epoch: 3 }],
      },
      at(5_000),
      { singletonKey: 'b1', priority: 1 },
    );
  });

  it('lets other failures through, the lease given back', async () => {
    const { focus, jobs, run } = setup();
    const failing = run({ blockId: 'b1' }, (r) =>
      r.call('dnd.endSnooze', async () => {
        throw new SlackCallError('dnd.endSnooze', 'transient', 'http_error', undefined, 503);
      }),
    );
    await expect(failing).rejects.toThrow(/HTTP 503/);
    expect(focus.releaseSyncLease).toHaveBeenCalled();
    expect(jobs.requeueAt).not.toHaveBeenCalled();
  });
});
