/**
 * What a focus sync run needs around its Slack steps, kept out of the steps themselves:
 *
 * - the block's lease: one sync of a block at a time (the start and the end, on any replica,
 *   take it in turn); a run that finds it held is re-queued for a moment later;
 * - a pacing slot for each call (SlackRateGate.reserve: the method's tier, or the pace it learnt
 *   from 429s), including the slots the job carries from its last run; a slot more than a moment
 *   away re-queues the job for it, carrying its slots, and a slot whose allowance passed, or
 *   that a 429 voided since, is booked again;
 * - a 429: reported to the pacer (a pause for the method in the whole workspace, a lower pace),
 *   and the job re-queued for after Retry-After.
 *
 * Every "not now" is a RetryAt (the queue's one retry-at mechanism). The runner catches it once
 * the lease is given back and re-queues the job itself (JobsService.requeueAt) under the block's
 * singleton key, since the sync is also called outside the queue.
 */
import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { Clock } from '../common/clock';
import { JobsService } from '../jobs/jobs.service';
import { RetryAt } from '../jobs/retry-at';
import { SlackCallError } from '../slack/slack-call.error';
import { SlackRateGate } from '../slack/slack-rate-gate';
import { FocusBlockEntity } from './focus-block.entity';
import { FocusJobData, HeldSlot } from './focus.queues';
import { FocusRepository } from './focus.repository';

/** A slot this close is waited for in the job; a later one re-queues the job. */
export const MAX_SLOT_WAIT_MS = 1_500;
/** Re-queued jobs are due this much before their slot (the queue polls every 0.5 s). */
export const WAKE_EARLY_MS = 600;
/**
 * Longer than any one sync run (at most four Slack calls of 10 s each, a 1.5 s slot wait);
 * a replica that dies mid-run leaves a lease that lapses after it. The job itself expires
 * after 90 s (FocusStartJob) and pg-boss retries it on another replica.
 */
const LEASE_MS = 60_000;
/** When the block's other sync holds the lease. */
export const LEASE_RETRY_MS = 1_000;
/** A call whose slot keeps passing before it can be made is queued again after this many. */
const MAX_BOOKINGS_PER_CALL = 3;

/**
 * Pacing slots a run holds by method, until the call they were booked for uses them: carried
 * from the job's last run, or booked ahead in this run; each with the pace epoch it was booked
 * at (a 429 since voids it).
 */
type Slots = Map<string, { at: Date; epoch: number }>;

/** One run of a block's sync, under its lease: the block as read under it, and its slots. */
export class SyncRun {
  constructor(
    /** The block as it was when the lease was taken. */
    readonly block: FocusBlockEntity,
    private readonly slots: Slots,
    private readonly gate: SlackRateGate,
    private readonly clock: Clock,
  ) {}

  /** "Not now": the job stops and is queued again for `until`, with the slots it holds. */
  retryAt(until: Date, reason: string): RetryAt {
    return retryWith(this.block.id, until, reason, this.slots);
  }

  /**
   * Books, for `at`, a slot for each method this run holds none for (a start job picked up ahead
   * of its block books its first calls for the start). A method paused by a 429 re-queues the job
   * for the pause's end. Each call checks for a 429 since, right before it is made.
   */
  async bookAhead(methods: string[], at: Date): Promise<void> {
    for (const method of methods) {
      if (this.slots.has(method)) continue;
      const booked = await this.gate.reserve(this.block.workspaceId, method, at);
      if (booked.pausedUntil) throw this.retryAt(booked.pausedUntil, `${method} paused`);
      this.slots.set(method, { at: booked.at, epoch: booked.epoch });
    }
  }

  /**
   * One Slack call at its pacing slot. A slot more than a moment away re-queues the job for it; a
   * slot whose allowance passed is booked again; a 429 pauses the method for the workspace and
   * re-queues the job for Retry-After.
   */
  async call<T>(method: string, fn: () => Promise<T>): Promise<T> {
    const held = await this.slotFor(method);
    this.slots.delete(method);
    try {
      const sent = await this.gate.send(this.block.workspaceId, method, held.epoch, fn);
      if ('done' in sent) return sent.done;
      // This process drew a 429 for the method while the call waited for its turn.
      throw this.retryAt(sent.held.pausedUntil ?? this.clock.now(), `${method} rate limited`);
    } catch (err) {
      if (err instanceof SlackCallError && err.kind === 'rate_limited') {
        const until = await this.gate.pause(
          this.block.workspaceId,
          method,
          err.retryAfterSeconds ?? 1,
          held.at,
        );
        // Logged by the pacer when the pace it learns changes, not here for every 429.
        throw this.retryAt(until, `${method} rate limited`);
      }
      throw err;
    }
  }

  /** The slot the call is made at, waited for; or RetryAt when it is not near or not usable. */
  private async slotFor(method: string): Promise<{ at: Date; epoch: number }> {
    let held = this.slots.get(method);
    for (let attempt = 1; ; attempt++) {
      if (!held || this.gate.late(held.at)) {
        const booked = await this.gate.reserve(this.block.workspaceId, method);
        if (booked.pausedUntil) throw this.retryAt(booked.pausedUntil, `${method} paused`);
        held = { at: booked.at, epoch: booked.epoch };
      }
      this.slots.set(method, held);
      const wait = held.at.getTime() - this.clock.now().getTime();
      if (wait > MAX_SLOT_WAIT_MS) {
        // Due a little early; the rest of the wait is the short one below.
        throw this.retryAt(new Date(held.at.getTime() - WAKE_EARLY_MS), `${method} slot later`);
      }
      if (wait > 0) await this.clock.sleep(wait);
      // A 429 since the slot was booked (on any replica): wait out its pause, or book again
      // at the pace it taught.
      const check = await this.gate.heldSlot(this.block.workspaceId, method, held.epoch);
      if (check.pausedUntil) {
        this.slots.delete(method);
        throw this.retryAt(check.pausedUntil, `${method} paused`);
      }
      if (check.stale) {
        held = undefined;
      } else if (!this.gate.late(held.at)) {
        return held;
      }
      // Woken past the slot's allowance (a starved event loop): book again, a few times at most.
      if (attempt === MAX_BOOKINGS_PER_CALL) {
        this.slots.delete(method);
        throw this.retryAt(
          new Date(this.clock.now().getTime() + LEASE_RETRY_MS),
          `${method} slot kept passing`,
        );
      }
    }
  }
}

@Injectable()
export class SyncStepRunner {
  constructor(
    private readonly focusRepository: FocusRepository,
    private readonly gate: SlackRateGate,
    private readonly jobs: JobsService,
    private readonly clock: Clock,
  ) {}

  /**
   * Runs one sync of a block under its lease, or re-queues the job: when the block's other sync
   * holds the lease, or when the steps throw RetryAt (a paused method, a later slot).
   * A block deleted meanwhile (with its workspace) ends the job.
   */
  async run(
    queue: string,
    job: FocusJobData,
    steps: (run: SyncRun) => Promise<void>,
  ): Promise<void> {
    const leaseId = randomUUID();
    const now = this.clock.now();
    // Carried from an earlier run: a 429 pause since then is checked before each is used.
    const slots: Slots = new Map(
      (job.slots ?? []).map((held) => [
        held.method,
        { at: new Date(held.at), epoch: held.epoch ?? 0 },
      ]),
    );
    try {
      // The lease, and the block as it is under it.
      const block = await this.focusRepository.acquireSyncLease(
        job.blockId,
        leaseId,
        now,
        new Date(now.getTime() + LEASE_MS),
      );
      if (!block) {
        if (!(await this.focusRepository.findById(job.blockId))) return; // deleted with its workspace
        throw retryWith(
          job.blockId,
          new Date(now.getTime() + LEASE_RETRY_MS),
          'lease held by the block’s other sync',
          slots,
        );
      }
      try {
        await steps(new SyncRun(block, slots, this.gate, this.clock));
      } finally {
        await this.focusRepository.releaseSyncLease(job.blockId, leaseId);
      }
    } catch (err) {
      if (!(err instanceof RetryAt)) throw err;
      // A job holding a booked slot goes ahead of fresh jobs due at the same time: pg-boss
      // fetches oldest first, and a wave's fresh jobs would each be fetched (and deferred)
      // before the slots booked a minute earlier are used.
      await this.jobs.requeueAt<object>(queue, err.next.data ?? { blockId: job.blockId }, err.at, {
        singletonKey: job.blockId,
        priority: err.next.priority ?? 0,
      });
    }
  }
}

/** RetryAt for a block's job: the next run's data carries the slots held now, if any. */
function retryWith(blockId: string, until: Date, reason: string, held: Slots): RetryAt {
  const slots: HeldSlot[] = [...held.entries()].map(([method, slot]) => ({
    method,
    at: slot.at.toISOString(),
    epoch: slot.epoch,
  }));
  const next: FocusJobData = { blockId, ...(slots.length > 0 ? { slots } : {}) };
  return new RetryAt(until, reason, { data: next, priority: slots.length > 0 ? 1 : 0 });
}
