/**
 * The opt-in weekly story prompt: on Fridays at the workspace's prompt hour (17:00 by default),
 * local to each agent who opted in, one first-person question from the rotating bank, by DM
 * with a Share button. Never during a focus block: the DM waits until the block ends.
 */
import { Injectable, Logger } from '@nestjs/common';
import { DateTime } from 'luxon';
import { Clock } from '../common/clock';
import { FocusService } from '../focus/focus.service';
import { JobsService } from '../jobs/jobs.service';
import type { PersonEntity } from '../people/person.entity';
import { PeopleService } from '../people/people.service';
import { SlackGateway } from '../slack/slack-gateway';
import { WorkspacesService } from '../workspaces/workspaces.service';
import { promptAt } from './prompt-bank';
import { promptDm } from './slack/stories.blocks';
import { PromptJobData, STORIES_QUEUES } from './stories.queues';
import { StoryPromptsRepository } from './story-prompts.repository';
import { TransactionHost, TransactionalAdapterTypeOrm } from '../database/transactions';

/** The weekday of the prompt (ISO: 5 = Friday), the end of an agent's working week. */
export const PROMPT_WEEKDAY = 5;
/** A tick claims a prompt this long before it is due, and queues it for the exact time. */
const CLAIM_LEAD_MINUTES = 15;

@Injectable()
export class StoryPromptsService {
  private readonly logger = new Logger(StoryPromptsService.name);

  constructor(
    private readonly prompts: StoryPromptsRepository,
    private readonly people: PeopleService,
    private readonly workspaces: WorkspacesService,
    private readonly focusService: FocusService,
    private readonly jobs: JobsService,
    private readonly slack: SlackGateway,
    private readonly clock: Clock,
    private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>,
  ) {}

  async setOptIn(person: PersonEntity, on: boolean): Promise<void> {
    if (on) await this.prompts.subscribe(person.workspaceId, person.id);
    else await this.prompts.unsubscribe(person.id);
  }

  isOptedIn(personId: string): Promise<boolean> {
    return this.prompts.isSubscribed(personId);
  }

  /**
   * When a subscriber's prompt of the week containing `now` is due, in their zone: Friday at the
   * prompt hour. A zone luxon does not know counts as UTC.
   */
  static dueAt(now: Date, tz: string, hour: number): { due: DateTime; week: string } {
    let local = DateTime.fromJSDate(now, { zone: tz });
    if (!local.isValid) local = DateTime.fromJSDate(now, { zone: 'UTC' });
    const due = local.set({ weekday: PROMPT_WEEKDAY, hour, minute: 0, second: 0, millisecond: 0 });
    return { due, week: local.toFormat("kkkk-'W'WW") };
  }

  /**
   * stories.prompt-tick: claims, once per subscriber and local week, each prompt due within the
   * next few minutes (or due earlier that same day and missed), and queues its DM for the due
   * time, in the claim's transaction.
   */
  async tick(): Promise<number> {
    const now = this.clock.now();
    let queued = 0;
    for (const s of await this.prompts.subscribers()) {
      const { due, week } = StoryPromptsService.dueAt(now, s.tz, s.hour);
      if (s.lastWeek === week) continue;
      const opensAt = due.minus({ minutes: CLAIM_LEAD_MINUTES }).toMillis();
      if (now.getTime() < opensAt || now.getTime() > due.endOf('day').toMillis()) continue;
      const claimed = await this.txHost.withTransaction(async () => {
        const position = await this.prompts.claimWeek(s.personId, week);
        if (position === null) return false;
        await this.jobs.send<PromptJobData>(
          STORIES_QUEUES.prompt,
          { personId: s.personId, week, question: promptAt(position), dueAt: due.toUTC().toISO()! },
          { singletonKey: `${s.personId}:${week}`, startAfter: due.toJSDate() },
        );
        return true;
      });
      if (claimed) queued++;
    }
    return queued;
  }

  /** stories.prompt: the DM, unless it is not due yet or the person is in a focus block. */
  async deliver(job: PromptJobData): Promise<void> {
    if (!(await this.prompts.isSubscribed(job.personId))) return;
    const dueAt = new Date(job.dueAt);
    if (this.clock.now() < dueAt) {
      await this.jobs.send<PromptJobData>(STORIES_QUEUES.prompt, job, { startAfter: dueAt });
      return;
    }
    const busyUntil = await this.focusService.busyUntil(job.personId);
    if (busyUntil) {
      await this.jobs.send<PromptJobData>(STORIES_QUEUES.prompt, job, { startAfter: busyUntil });
      return;
    }
    const person = await this.people.getById(job.personId);
    const botToken = this.workspaces.botToken(await this.workspaces.get(person.workspaceId));
    if (!botToken) return;
    const channel = await this.slack.openDm(botToken, person.slackUserId);
    await this.slack.postMessage(botToken, { channel, ...promptDm(job.question) });
    this.logger.log({ msg: 'story prompt sent', week: job.week });
  }
}
