/**
 * The sync engine: at a block's start, keep the agent's status and set the focus status and a
 * DND snooze; at its end, end the snooze and put the kept status back — only if the status is
 * still the one Pulsedesk set (compare-and-set). Always the agent's own user token.
 *
 * - One sync at a time per block: the start and the end (and any replica) take the block's
 *   lease in turn, so "End now" pressed while the start is half-applied waits for it and then
 *   undoes all of it.
 * - Every step is recorded as it succeeds, so a retry resumes where it stopped and no call is
 *   made twice.
 * - Each call takes a slot under the method's Slack tier first (SlackRateGate.reserve); a job
 *   whose slot is more than a moment away is re-queued for it, carrying its slots. A call not
 *   made within the slot's allowance books again.
 * - A start job is due a moment before its block (START_AHEAD_MS): it books the first calls for
 *   the start and waits there, so the status goes out at the start.
 * - A 429 pauses that method for the whole workspace and re-queues the job for after
 *   Retry-After; while a pause runs, no job calls the method early. Other failures (5xx,
 *   network) fail the job and pg-boss retries it with backoff.
 */
import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { Clock } from '../common/clock';
import { JobsService } from '../jobs/jobs.service';
import { PeopleService } from '../people/people.service';
import { SlackCallError } from '../slack/slack-call.error';
import { SlackGateway } from '../slack/slack-gateway';
import { SlackRateGate } from '../slack/slack-rate-gate';
import { WorkspacesService } from '../workspaces/workspaces.service';
import { AppliedStatus, FocusBlockEntity, SlackStatus } from './focus-block.entity';
import { FOCUS_QUEUES, FocusJob, HeldSlot, START_AHEAD_MS } from './focus.queues';
import { FocusRepository } from './focus.repository';

/** A slot this close is waited for in the job; a later one re-queues the job. */
const MAX_SLOT_WAIT_MS = 1_500;
/** Re-queued jobs are due this much before their slot (the queue polls every 0.5 s). */
const WAKE_EARLY_MS = 600;
/**
 * Longer than any one sync run (at most four Slack calls of 10 s each, a 1.5 s slot wait);
 * a replica that dies mid-run leaves a lease that lapses after it. The job itself expires
 * after 90 s (FocusStartJob) and pg-boss retries it on another replica.
 */
const LEASE_MS = 60_000;
/** When the block's other sync holds the lease. */
const LEASE_RETRY_MS = 1_000;
/** A call whose slot keeps passing before it can be made is queued again after this many. */
const MAX_BOOKINGS_PER_CALL = 3;
/** A start job picked up earlier than this before its block is queued again for the block. */
const START_WAIT_MAX_MS = START_AHEAD_MS + 1_500;

/** The job stops here and is queued again for `until`, with the pacing slots it holds. */
class Deferred extends Error {
  readonly slots: HeldSlot[];

  constructor(
    readonly until: Date,
    held: Slots,
  ) {
    super(`deferred until ${until.toISOString()}`);
    this.slots = [...held.entries()].map(([method, slot]) => ({
      method,
      at: slot.at.toISOString(),
    }));
  }
}

@Injectable()
export class FocusSyncService {
  private readonly logger = new Logger(FocusSyncService.name);

  constructor(
    private readonly focus: FocusRepository,
    private readonly people: PeopleService,
    private readonly workspaces: WorkspacesService,
    private readonly slack: SlackGateway,
    private readonly gate: SlackRateGate,
    private readonly jobs: JobsService,
    private readonly clock: Clock,
  ) {}

  start(job: FocusJob): Promise<void> {
    return this.run(FOCUS_QUEUES.start, job, async (read, slots) => {
      let block = read;
      if (nothingToStart(block, this.clock.now())) return;
      const token = await this.userToken(block);
      if (!token) return; // Applied when the agent connects Slack (resumeAfterConnect).
      if (block.startsAt > this.clock.now()) {
        const atStart = await this.waitForStart(block, slots);
        if (!atStart || nothingToStart(atStart, this.clock.now())) return;
        block = atStart;
      }
      // Claimed before the first call: a cancel from here on ends the block (and waits for this
      // sync to finish) instead of leaving what this sync applies in place.
      if (block.state === 'scheduled' && !(await this.focus.leaveScheduled(block.id, 'active')))
        return;
      const endSeconds = Math.floor(block.endsAt.getTime() / 1000);
      let kept = block.keptStatus;
      if (!kept) {
        kept = await this.call(block, slots, 'users.profile.get', () =>
          this.slack.getProfileStatus(token),
        );
        await this.focus.update(block.id, { keptStatus: kept });
      }
      let applied = block.appliedStatus;
      if (!applied) {
        const settings = await this.workspaces.getSettings(block.workspaceId);
        const status: SlackStatus = {
          status_text: block.note
            ? `${settings.focusStatusText} (${block.note})`.slice(0, 100)
            : settings.focusStatusText,
          status_emoji: settings.focusStatusEmoji,
          status_expiration: endSeconds,
        };
        await this.call(block, slots, 'users.profile.set', () =>
          this.slack.setProfileStatus(token, status),
        );
        applied = { ...status, snoozed: false };
        await this.focus.update(block.id, {
          appliedStatus: applied,
          appliedAt: this.clock.now(),
          state: 'active',
        });
      } else if (applied.status_expiration !== endSeconds) {
        // The block grew (another /focus merged into it): the status and the snooze must last
        // to the new end — the status only if it is still the one Pulsedesk set.
        const current = await this.call(block, slots, 'users.profile.get', () =>
          this.slack.getProfileStatus(token),
        );
        const grown = { ...applied, status_expiration: endSeconds, snoozed: false };
        if (stillOurs(current, applied, this.clock.now())) {
          await this.call(block, slots, 'users.profile.set', () =>
            this.slack.setProfileStatus(token, {
              status_text: grown.status_text,
              status_emoji: grown.status_emoji,
              status_expiration: grown.status_expiration,
            }),
          );
        }
        applied = grown;
        await this.focus.update(block.id, { appliedStatus: applied });
      }
      await this.call(block, slots, 'dnd.setSnooze', () =>
        // Minutes left when the call is made (a paced call can come a little after the start).
        this.slack.setSnooze(
          token,
          Math.max(1, Math.ceil((block.endsAt.getTime() - this.clock.now().getTime()) / 60_000)),
        ),
      );
      await this.focus.update(block.id, { appliedStatus: { ...applied, snoozed: true } });
    });
  }

  /**
   * The end sync. The kept status is forgotten (kept_status cleared) as the block ends: once
   * restored, once the agent's own newer status is left in place, and once the restore is given
   * up — Slack refused for good (revoked token, missing scope), or the job's last attempt
   * (`lastAttempt`) failed. Nothing is then kept to restore later: the agent's status has stayed
   * Pulsedesk's until its expiration at the block's end cleared it.
   */
  end(job: FocusJob, { lastAttempt = false }: { lastAttempt?: boolean } = {}): Promise<void> {
    return this.run(FOCUS_QUEUES.end, job, async (block, slots) => {
      if (block.state === 'cancelled' || block.state === 'ended') return;
      // Before the end: the queue, on the database's clock, ran the job a moment early, or the
      // block's end moved later (a merge; "End now" moves it earlier, never later). Either way
      // the job is due again at the end; a second end job due then finds the block ended.
      if (block.endsAt > this.clock.now()) throw new Deferred(block.endsAt, slots);
      const token = await this.userToken(block);
      if (!token || !block.appliedStatus) {
        await this.focus.update(block.id, { state: 'ended', keptStatus: null });
        return;
      }
      try {
        await this.undo(block, token, slots);
      } catch (err) {
        if (err instanceof Deferred) throw err;
        const refused = err instanceof SlackCallError && !err.retryable;
        if (!refused && !lastAttempt) throw err; // retried with backoff
        await this.focus.update(block.id, { state: 'ended', keptStatus: null });
        this.logger.warn({
          msg: 'focus restore given up',
          blockId: block.id,
          workspaceId: block.workspaceId,
          err: (err as Error).message,
        });
        return;
      }
      await this.focus.update(block.id, {
        state: 'ended',
        restoredAt: this.clock.now(),
        keptStatus: null,
      });
    });
  }

  /** Ends the snooze and puts the kept status back if the status is still Pulsedesk's. */
  private async undo(block: FocusBlockEntity, token: string, slots: Slots): Promise<void> {
    const applied = block.appliedStatus!;
    if (applied.snoozed) {
      try {
        await this.call(block, slots, 'dnd.endSnooze', () => this.slack.endSnooze(token));
      } catch (err) {
        // The agent ended the snooze themselves: nothing to undo.
        if (!(err instanceof SlackCallError && err.slackError === 'snooze_not_active')) throw err;
      }
      await this.focus.update(block.id, { appliedStatus: { ...applied, snoozed: false } });
    }
    const current = await this.call(block, slots, 'users.profile.get', () =>
      this.slack.getProfileStatus(token),
    );
    if (stillOurs(current, applied, this.clock.now()) && block.keptStatus) {
      await this.call(block, slots, 'users.profile.set', () =>
        this.slack.setProfileStatus(token, restorable(block.keptStatus!, this.clock.now())),
      );
    }
  }

  /**
   * A start job picked up ahead of its block: books the first calls (the status read and write)
   * for the block's start, waits for the start, then reads the block once more — cancelled or
   * merged meanwhile — and checks that no 429 paused the booked methods since.
   */
  private async waitForStart(
    block: FocusBlockEntity,
    slots: Slots,
  ): Promise<FocusBlockEntity | null> {
    const startsIn = block.startsAt.getTime() - this.clock.now().getTime();
    if (startsIn > START_WAIT_MAX_MS) {
      throw new Deferred(new Date(block.startsAt.getTime() - START_AHEAD_MS), slots);
    }
    const first = [
      ...(block.keptStatus ? [] : ['users.profile.get']),
      ...(block.appliedStatus ? [] : ['users.profile.set']),
    ];
    for (const method of first) {
      if (slots.has(method)) continue;
      const booked = await this.gate.reserve(block.workspaceId, method, block.startsAt);
      if (booked.pausedUntil) throw new Deferred(booked.pausedUntil, slots);
      slots.set(method, { at: booked.at, checked: true });
    }
    const wait = block.startsAt.getTime() - this.clock.now().getTime();
    if (wait > 0) await this.clock.sleep(wait);
    const [atStart, pausedUntil] = await Promise.all([
      this.focus.findById(block.id),
      this.gate.pausedUntil(block.workspaceId, [...slots.keys()]),
    ]);
    if (pausedUntil) throw new Deferred(pausedUntil, slots);
    return atStart;
  }

  /** After /slack/connect: the agent's running blocks get their status and snooze now. */
  async resumeAfterConnect(job: { personId: string }): Promise<void> {
    for (const block of await this.focus.upcomingFor(job.personId, this.clock.now())) {
      if (block.startsAt <= this.clock.now() && !block.appliedStatus?.snoozed) {
        await this.jobs.send<FocusJob>(FOCUS_QUEUES.start, { blockId: block.id });
      }
    }
  }

  /**
   * Runs one sync of a block under its lease, or re-queues the job: when the block's other sync
   * holds the lease, when a method is paused by a 429, or when its pacing slot is later.
   */
  private async run(
    queue: string,
    job: FocusJob,
    steps: (block: FocusBlockEntity, slots: Slots) => Promise<void>,
  ): Promise<void> {
    const leaseId = randomUUID();
    const now = this.clock.now();
    // Carried from an earlier run: a 429 pause since then is checked before each is used.
    const slots: Slots = new Map(
      (job.slots ?? []).map((held) => [held.method, { at: new Date(held.at), checked: false }]),
    );
    try {
      // The lease, and the block as it is under it.
      const block = await this.focus.acquireSyncLease(
        job.blockId,
        leaseId,
        now,
        new Date(now.getTime() + LEASE_MS),
      );
      if (!block) {
        if (!(await this.focus.findById(job.blockId))) return; // deleted with its workspace
        throw new Deferred(new Date(now.getTime() + LEASE_RETRY_MS), slots);
      }
      try {
        await steps(block, slots);
      } finally {
        await this.focus.releaseSyncLease(job.blockId, leaseId);
      }
    } catch (err) {
      if (!(err instanceof Deferred)) throw err;
      const held = err.slots.length > 0;
      await this.jobs.send<FocusJob>(
        queue,
        { blockId: job.blockId, ...(held ? { slots: err.slots } : {}) },
        // A job holding a booked slot goes ahead of fresh jobs due at the same time: pg-boss
        // fetches oldest first, and a wave's fresh jobs would each be fetched (and deferred)
        // before the slots booked a minute earlier are used.
        { startAfter: err.until, singletonKey: job.blockId, priority: held ? 1 : 0 },
      );
    }
  }

  /**
   * One Slack call at its pacing slot. A slot more than a moment away defers the job to it; a
   * slot whose allowance passed is booked again; a 429 pauses the method for the workspace and
   * defers the job to Retry-After.
   */
  private async call<T>(
    block: FocusBlockEntity,
    slots: Slots,
    method: string,
    fn: () => Promise<T>,
  ): Promise<T> {
    let held = slots.get(method);
    if (held && !held.checked) {
      // Booked on an earlier run; a 429 pause since then still comes first.
      const pausedUntil = await this.gate.pausedUntil(block.workspaceId, [method]);
      if (pausedUntil) throw new Deferred(pausedUntil, slots);
    }
    for (let attempt = 1; ; attempt++) {
      if (!held || this.gate.late(held.at)) {
        const booked = await this.gate.reserve(block.workspaceId, method);
        if (booked.pausedUntil) throw new Deferred(booked.pausedUntil, slots);
        held = { at: booked.at, checked: true };
      }
      slots.set(method, held);
      const wait = held.at.getTime() - this.clock.now().getTime();
      if (wait > MAX_SLOT_WAIT_MS) {
        // Due a little early; the rest of the wait is the short one below.
        throw new Deferred(new Date(held.at.getTime() - WAKE_EARLY_MS), slots);
      }
      if (wait > 0) await this.clock.sleep(wait);
      // Woken past the slot's allowance (a starved event loop): book again, a few times at most.
      if (!this.gate.late(held.at)) break;
      if (attempt === MAX_BOOKINGS_PER_CALL) {
        throw new Deferred(new Date(this.clock.now().getTime() + LEASE_RETRY_MS), slots);
      }
    }
    // This replica's own 429 on the method since the slot was booked.
    const paused = this.gate.pausedHere(block.workspaceId, method);
    if (paused) throw new Deferred(paused, slots);
    slots.delete(method);
    try {
      return await fn();
    } catch (err) {
      if (err instanceof SlackCallError && err.kind === 'rate_limited') {
        const until = await this.gate.pause(block.workspaceId, method, err.retryAfterSeconds ?? 1);
        this.logger.warn({
          msg: 'slack rate limited',
          method,
          workspaceId: block.workspaceId,
          until: until.toISOString(),
        });
        throw new Deferred(until, slots);
      }
      throw err;
    }
  }

  private async userToken(block: FocusBlockEntity): Promise<string | undefined> {
    const person = await this.people.getById(block.personId);
    return this.people.userToken(person);
  }
}

/**
 * Pacing slots a run holds by method, until the call they were booked for uses them: carried
 * from the job's last run (not `checked` for 429 pauses since), or booked ahead in this run.
 */
type Slots = Map<string, { at: Date; checked: boolean }>;

/** Cancelled, ended or already over; or applied for this end already (a duplicate job). */
function nothingToStart(block: FocusBlockEntity, now: Date): boolean {
  if (block.state === 'cancelled' || block.state === 'ended' || block.endsAt <= now) return true;
  const endSeconds = Math.floor(block.endsAt.getTime() / 1000);
  return !!block.appliedStatus?.snoozed && block.appliedStatus.status_expiration === endSeconds;
}

/**
 * Compare-and-set: the status is still the one Pulsedesk set — or empty because Slack expired
 * it at the block's end (status_expiration), which is how a block usually ends.
 */
function stillOurs(current: SlackStatus, applied: AppliedStatus, now: Date): boolean {
  if (current.status_text === applied.status_text && current.status_emoji === applied.status_emoji)
    return true;
  const expired =
    applied.status_expiration > 0 && applied.status_expiration * 1000 <= now.getTime() + 1_000;
  return expired && current.status_text === '' && current.status_emoji === '';
}

/** A kept status whose own expiry has passed comes back empty rather than already expired. */
function restorable(kept: SlackStatus, now: Date): SlackStatus {
  if (kept.status_expiration && kept.status_expiration * 1000 <= now.getTime()) {
    return { status_text: '', status_emoji: '', status_expiration: 0 };
  }
  return kept;
}
