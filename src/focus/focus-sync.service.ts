/**
 * The sync engine: at a block's start, keep the agent's status and set the focus status and a
 * DND snooze; at its end, end the snooze and put the kept status back — only if the status is
 * still the one Pulsedesk set (compare-and-set). Always the agent's own user token.
 *
 * Every step is recorded as it succeeds, so a retry resumes where it stopped and no call is
 * made twice. A 429 pauses that method for the whole workspace (SlackRateGate) and re-queues
 * the job for after Retry-After; while a pause runs, no job calls the method early.
 */
import { Injectable, Logger } from '@nestjs/common';
import { Clock } from '../common/clock';
import { JobsService } from '../jobs/jobs.service';
import { PeopleService } from '../people/people.service';
import { SlackCallError } from '../slack/slack-call.error';
import { SlackGateway } from '../slack/slack-gateway';
import { SlackRateGate } from '../slack/slack-rate-gate';
import { WorkspacesService } from '../workspaces/workspaces.service';
import { AppliedStatus, FocusBlockEntity, SlackStatus } from './focus-block.entity';
import { FOCUS_QUEUES, FocusJob } from './focus.queues';
import { FocusRepository } from './focus.repository';

const START_METHODS = ['users.profile.get', 'users.profile.set', 'dnd.setSnooze'] as const;
const END_METHODS = ['dnd.endSnooze', 'users.profile.get', 'users.profile.set'] as const;

class Paused extends Error {
  constructor(readonly until: Date) {
    super(`paused until ${until.toISOString()}`);
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

  async start(job: FocusJob): Promise<void> {
    const block = await this.focus.findById(job.blockId);
    const now = this.clock.now();
    // Cancelled, ended, or already over before it could start: nothing to apply.
    if (!block || block.state === 'cancelled' || block.state === 'ended' || block.endsAt <= now)
      return;
    if (block.appliedStatus?.snoozed) return;
    const token = await this.userToken(block);
    if (!token) return; // Applied when the agent connects Slack (resumeAfterConnect).
    await this.guarded(FOCUS_QUEUES.start, block, START_METHODS, async () => {
      let kept = block.keptStatus;
      if (!kept) {
        kept = await this.call(block, 'users.profile.get', () =>
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
          status_expiration: Math.floor(block.endsAt.getTime() / 1000),
        };
        await this.call(block, 'users.profile.set', () =>
          this.slack.setProfileStatus(token, status),
        );
        applied = { ...status, snoozed: false };
        await this.focus.update(block.id, {
          appliedStatus: applied,
          appliedAt: this.clock.now(),
          state: 'active',
        });
      }
      const minutes = Math.max(
        1,
        Math.ceil((block.endsAt.getTime() - this.clock.now().getTime()) / 60_000),
      );
      await this.call(block, 'dnd.setSnooze', () => this.slack.setSnooze(token, minutes));
      await this.focus.update(block.id, { appliedStatus: { ...applied, snoozed: true } });
    });
  }

  async end(job: FocusJob): Promise<void> {
    const block = await this.focus.findById(job.blockId);
    if (!block || block.state === 'cancelled' || block.state === 'ended') return;
    // The end job of a block whose end moved later ("End now" moves it earlier, never later).
    if (block.endsAt > this.clock.now()) return;
    const token = await this.userToken(block);
    if (!token || !block.appliedStatus) {
      await this.focus.update(block.id, { state: 'ended' });
      return;
    }
    const applied = block.appliedStatus;
    await this.guarded(FOCUS_QUEUES.end, block, END_METHODS, async () => {
      if (applied.snoozed) {
        try {
          await this.call(block, 'dnd.endSnooze', () => this.slack.endSnooze(token));
        } catch (err) {
          // The agent ended the snooze themselves: nothing to undo.
          if (!(err instanceof SlackCallError && err.slackError === 'snooze_not_active')) throw err;
        }
        await this.focus.update(block.id, { appliedStatus: { ...applied, snoozed: false } });
      }
      const current = await this.call(block, 'users.profile.get', () =>
        this.slack.getProfileStatus(token),
      );
      if (sameStatus(current, applied) && block.keptStatus) {
        await this.call(block, 'users.profile.set', () =>
          this.slack.setProfileStatus(token, restorable(block.keptStatus!, this.clock.now())),
        );
      }
      await this.focus.update(block.id, { state: 'ended', restoredAt: this.clock.now() });
    });
  }

  /** After /slack/connect: the agent's running blocks get their status and snooze now. */
  async resumeAfterConnect(job: { personId: string }): Promise<void> {
    for (const block of await this.focus.upcomingFor(job.personId, this.clock.now())) {
      if (block.startsAt <= this.clock.now() && !block.appliedStatus?.snoozed) {
        await this.jobs.send<FocusJob>(
          FOCUS_QUEUES.start,
          { blockId: block.id },
          { singletonKey: block.id },
        );
      }
    }
  }

  /** Runs a sync step, or re-queues the job when Slack asked to wait. */
  private async guarded(
    queue: string,
    block: FocusBlockEntity,
    methods: readonly string[],
    steps: () => Promise<void>,
  ): Promise<void> {
    try {
      const pausedUntil = await this.gate.pausedUntil(block.workspaceId, methods);
      if (pausedUntil) throw new Paused(pausedUntil);
      await steps();
    } catch (err) {
      if (!(err instanceof Paused)) throw err;
      // Same singleton key as the running job: a stately queue keeps one waiting job per block.
      await this.jobs.send<FocusJob>(
        queue,
        { blockId: block.id },
        { startAfter: err.until, singletonKey: block.id },
      );
    }
  }

  /** One Slack call; a 429 pauses the method for the workspace and stops the job here. */
  private async call<T>(block: FocusBlockEntity, method: string, fn: () => Promise<T>): Promise<T> {
    const pausedUntil = await this.gate.pausedUntil(block.workspaceId, [method]);
    if (pausedUntil) throw new Paused(pausedUntil);
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
        throw new Paused(until);
      }
      throw err;
    }
  }

  private async userToken(block: FocusBlockEntity): Promise<string | undefined> {
    const person = await this.people.getById(block.personId);
    return this.people.userToken(person);
  }
}

function sameStatus(a: SlackStatus, b: AppliedStatus): boolean {
  return a.status_text === b.status_text && a.status_emoji === b.status_emoji;
}

/** A kept status whose own expiry has passed comes back empty rather than already expired. */
function restorable(kept: SlackStatus, now: Date): SlackStatus {
  if (kept.status_expiration && kept.status_expiration * 1000 <= now.getTime()) {
    return { status_text: '', status_emoji: '', status_expiration: 0 };
  }
  return kept;
}
