/**
 * The sync engine: at a block's start, keep the agent's status and set the focus status and a
 * DND snooze; at its end, end the snooze and put the kept status back — only if the status is
 * still the one Pulsedesk set (compare-and-set). Always the agent's own user token.
 *
 * `start` and `end` are short lists of Slack steps. Each runs through SyncStepRunner, which owns
 * what surrounds them (see sync-step-runner.ts): the block's lease (one sync of a block at a
 * time, so "End now" pressed while the start is half-applied waits for it and then undoes all
 * of it), a pacing slot per call (carried across runs), and re-queuing the job (RetryAt) when a
 * slot is later, a 429 pauses the method, or the lease is held elsewhere.
 *
 * - Every step is recorded as it succeeds, so a retry resumes where it stopped and no call is
 *   made twice.
 * - A start job is due a moment before its block (START_AHEAD_MS): it books the first calls for
 *   the start and waits there, so the status goes out at the start.
 * - Failures other than a 429 (5xx, network) fail the job and pg-boss retries it with backoff.
 */
import { Injectable, Logger } from '@nestjs/common';
import { Clock } from '../common/clock';
import { JobsService } from '../jobs/jobs.service';
import { RetryAt } from '../jobs/retry-at';
import { PeopleService } from '../people/people.service';
import { SlackCallError } from '../slack/slack-call.error';
import { SlackGateway } from '../slack/slack-gateway';
import { WorkspacesService } from '../workspaces/workspaces.service';
import { AppliedStatus, FocusBlockEntity, SlackStatus } from './focus-block.entity';
import { FOCUS_QUEUES, FocusJobData, START_AHEAD_MS } from './focus.queues';
import { FocusRepository } from './focus.repository';
import { SyncRun, SyncStepRunner } from './sync-step-runner';

/** A start job picked up earlier than this before its block is queued again for the block. */
const START_WAIT_MAX_MS = START_AHEAD_MS + 1_500;

@Injectable()
export class FocusSyncService {
  private readonly logger = new Logger(FocusSyncService.name);

  constructor(
    private readonly focusRepository: FocusRepository,
    private readonly people: PeopleService,
    private readonly workspaces: WorkspacesService,
    private readonly slack: SlackGateway,
    private readonly runner: SyncStepRunner,
    private readonly jobs: JobsService,
    private readonly clock: Clock,
  ) {}

  /** The start sync: keep the status, set the focus status (or make it last longer), snooze. */
  start(job: FocusJobData): Promise<void> {
    return this.runner.run(FOCUS_QUEUES.start, job, async (run) => {
      const ready = await this.readyToStart(run);
      if (!ready) return;
      const { block, token } = ready;
      await this.keepStatus(run, block, token);
      const applied = await this.applyStatus(run, block, token);
      await this.snooze(run, block, token, applied);
    });
  }

  /**
   * The end sync. The kept status is forgotten (kept_status cleared) as the block ends: once
   * restored, once the agent's own newer status is left in place, and once the restore is given
   * up — Slack refused for good (revoked token, missing scope), or the job's last attempt
   * (`lastAttempt`) failed. Nothing is then kept to restore later: the agent's status has stayed
   * Pulsedesk's until its expiration at the block's end cleared it.
   */
  end(job: FocusJobData, { lastAttempt = false }: { lastAttempt?: boolean } = {}): Promise<void> {
    return this.runner.run(FOCUS_QUEUES.end, job, async (run) => {
      const block = run.block;
      if (block.state === 'cancelled' || block.state === 'ended') return;
      // Before the end: the queue, on the database's clock, ran the job a moment early, or the
      // block's end moved later (a merge; "End now" moves it earlier, never later). Either way
      // the job is due again at the end; a second end job due then finds the block ended.
      if (block.endsAt > this.clock.now()) throw run.retryAt(block.endsAt, 'before the end');
      const token = await this.userToken(block);
      if (!token || !block.appliedStatus) return this.ended(block, {});
      const undone = await this.orGiveUp(block, lastAttempt, async () => {
        await this.endSnooze(run, block, token);
        await this.restoreStatus(run, block, token);
      });
      if (undone) await this.ended(block, { restoredAt: this.clock.now() });
    });
  }

  /** After /slack/connect: the agent's running blocks get their status and snooze now. */
  async resumeAfterConnect(job: { personId: string }): Promise<void> {
    for (const block of await this.focusRepository.upcomingFor(job.personId, this.clock.now())) {
      if (block.startsAt <= this.clock.now() && !block.appliedStatus?.snoozed) {
        await this.jobs.send<FocusJobData>(FOCUS_QUEUES.start, { blockId: block.id });
      }
    }
  }

  // The start's steps.

  /**
   * The block to start and the agent's token, at the block's start, the block claimed; or none
   * when there is nothing to start, or the agent has not connected Slack (applied when they do:
   * resumeAfterConnect).
   */
  private async readyToStart(
    run: SyncRun,
  ): Promise<{ block: FocusBlockEntity; token: string } | null> {
    let block = run.block;
    if (nothingToStart(block, this.clock.now())) return null;
    const token = await this.userToken(block);
    if (!token) return null;
    if (block.startsAt > this.clock.now()) {
      const atStart = await this.waitForStart(run, block);
      if (!atStart || nothingToStart(atStart, this.clock.now())) return null;
      block = atStart;
    }
    // Claimed before the first call: a cancel from here on ends the block (and waits for this
    // sync to finish) instead of leaving what this sync applies in place.
    if (
      block.state === 'scheduled' &&
      !(await this.focusRepository.leaveScheduled(block.id, 'active'))
    )
      return null;
    return { block, token };
  }

  /**
   * A start job picked up ahead of its block: books the first calls (the status read and write)
   * for the block's start, waits for the start, then reads the block once more — cancelled or
   * merged meanwhile. A 429 since the booking is checked by each call, right before it is made.
   */
  private async waitForStart(
    run: SyncRun,
    block: FocusBlockEntity,
  ): Promise<FocusBlockEntity | null> {
    const startsIn = block.startsAt.getTime() - this.clock.now().getTime();
    if (startsIn > START_WAIT_MAX_MS) {
      throw run.retryAt(new Date(block.startsAt.getTime() - START_AHEAD_MS), 'before the start');
    }
    await run.bookAhead(
      [
        ...(block.keptStatus ? [] : ['users.profile.get']),
        ...(block.appliedStatus ? [] : ['users.profile.set']),
      ],
      block.startsAt,
    );
    const wait = block.startsAt.getTime() - this.clock.now().getTime();
    if (wait > 0) await this.clock.sleep(wait);
    return this.focusRepository.findById(block.id);
  }

  /** Reads the agent's status once, to put back at the end. */
  private async keepStatus(run: SyncRun, block: FocusBlockEntity, token: string): Promise<void> {
    if (block.keptStatus) return;
    const kept = await run.call('users.profile.get', () => this.slack.getProfileStatus(token));
    await this.focusRepository.update(block.id, { keptStatus: kept });
  }

  /**
   * Sets the focus status, expiring at the block's end; or, when the block grew (another /focus
   * merged into it), makes it last to the new end — only if it is still the one Pulsedesk set.
   */
  private async applyStatus(
    run: SyncRun,
    block: FocusBlockEntity,
    token: string,
  ): Promise<AppliedStatus> {
    const endSeconds = Math.floor(block.endsAt.getTime() / 1000);
    const applied = block.appliedStatus;
    if (!applied) return this.setFocusStatus(run, block, token, endSeconds);
    if (applied.status_expiration === endSeconds) return applied;
    const current = await run.call('users.profile.get', () => this.slack.getProfileStatus(token));
    const grown = { ...applied, status_expiration: endSeconds, snoozed: false };
    if (stillOurs(current, applied, this.clock.now())) {
      await run.call('users.profile.set', () =>
        this.slack.setProfileStatus(token, {
          status_text: grown.status_text,
          status_emoji: grown.status_emoji,
          status_expiration: grown.status_expiration,
        }),
      );
    }
    await this.focusRepository.update(block.id, { appliedStatus: grown });
    return grown;
  }

  private async setFocusStatus(
    run: SyncRun,
    block: FocusBlockEntity,
    token: string,
    endSeconds: number,
  ): Promise<AppliedStatus> {
    const settings = await this.workspaces.getSettings(block.workspaceId);
    const status: SlackStatus = {
      status_text: block.note
        ? `${settings.focusStatusText} (${block.note})`.slice(0, 100)
        : settings.focusStatusText,
      status_emoji: settings.focusStatusEmoji,
      status_expiration: endSeconds,
    };
    await run.call('users.profile.set', () => this.slack.setProfileStatus(token, status));
    const applied = { ...status, snoozed: false };
    await this.focusRepository.update(block.id, {
      appliedStatus: applied,
      appliedAt: this.clock.now(),
      state: 'active',
    });
    return applied;
  }

  /**
   * Snoozes notifications for the minutes left when the call is made (a paced call can come a
   * little after the start).
   */
  private async snooze(
    run: SyncRun,
    block: FocusBlockEntity,
    token: string,
    applied: AppliedStatus,
  ): Promise<void> {
    await run.call('dnd.setSnooze', () =>
      this.slack.setSnooze(
        token,
        Math.max(1, Math.ceil((block.endsAt.getTime() - this.clock.now().getTime()) / 60_000)),
      ),
    );
    await this.focusRepository.update(block.id, { appliedStatus: { ...applied, snoozed: true } });
  }

  // The end's steps.

  /** Ends the snooze, unless the agent ended it themselves. */
  private async endSnooze(run: SyncRun, block: FocusBlockEntity, token: string): Promise<void> {
    const applied = block.appliedStatus!;
    if (!applied.snoozed) return;
    try {
      await run.call('dnd.endSnooze', () => this.slack.endSnooze(token));
    } catch (err) {
      // The agent ended the snooze themselves: nothing to undo.
      if (!(err instanceof SlackCallError && err.slackError === 'snooze_not_active')) throw err;
    }
    await this.focusRepository.update(block.id, { appliedStatus: { ...applied, snoozed: false } });
  }

  /** Puts the kept status back if the status is still Pulsedesk's. */
  private async restoreStatus(run: SyncRun, block: FocusBlockEntity, token: string): Promise<void> {
    const current = await run.call('users.profile.get', () => this.slack.getProfileStatus(token));
    if (stillOurs(current, block.appliedStatus!, this.clock.now()) && block.keptStatus) {
      await run.call('users.profile.set', () =>
        this.slack.setProfileStatus(token, restorable(block.keptStatus!, this.clock.now())),
      );
    }
  }

  /**
   * Runs the end's undo steps; true once done. Slack refusing for good, or any failure on the
   * job's last attempt, gives the restore up: the block ends, its kept status forgotten, and
   * false. Other failures are thrown (retried with backoff), and so is RetryAt (re-queued).
   */
  private async orGiveUp(
    block: FocusBlockEntity,
    lastAttempt: boolean,
    undo: () => Promise<void>,
  ): Promise<boolean> {
    try {
      await undo();
      return true;
    } catch (err) {
      if (err instanceof RetryAt) throw err;
      const refused = err instanceof SlackCallError && !err.retryable;
      if (!refused && !lastAttempt) throw err;
      await this.ended(block, {});
      this.logger.warn({
        msg: 'focus restore given up',
        blockId: block.id,
        workspaceId: block.workspaceId,
        err: (err as Error).message,
      });
      return false;
    }
  }

  /** The block ended, its kept status forgotten. */
  private async ended(block: FocusBlockEntity, patch: { restoredAt?: Date }): Promise<void> {
    await this.focusRepository.update(block.id, { state: 'ended', ...patch, keptStatus: null });
  }

  private async userToken(block: FocusBlockEntity): Promise<string | undefined> {
    const person = await this.people.getById(block.personId);
    return this.people.userToken(person);
  }
}

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
