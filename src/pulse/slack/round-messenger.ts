/**
 * What every Slack message about a round needs, in one place: the bot token, the survey, the k
 * in force, and the invitee. Services decide whether a message is due; this gathers what it
 * says and sends it paced (SlackRateGate.paced: a 429 re-queues the job for after Retry-After).
 */
import { Injectable } from '@nestjs/common';
import { PeopleService } from '../../people/people.service';
import { SlackRateGate } from '../../slack/slack-rate-gate';
import { WorkspacesService } from '../../workspaces/workspaces.service';
import { effectiveK } from '../effective-k';
import { RoundEntity } from '../entities/round.entity';
import { SurveysRepository } from '../surveys.repository';
import { PulseNotifier } from './pulse.notifier';

/** What an invitation (or its reminder) calls at Slack. */
const DM_METHODS = ['conversations.open', 'chat.postMessage'];

@Injectable()
export class RoundMessenger {
  constructor(
    private readonly workspacesService: WorkspacesService,
    private readonly surveysRepository: SurveysRepository,
    private readonly peopleService: PeopleService,
    private readonly notifier: PulseNotifier,
    private readonly gate: SlackRateGate,
  ) {}

  /** The bot token, the survey and the k in force; null when the workspace cannot be messaged. */
  async context(round: RoundEntity) {
    const workspace = await this.workspacesService.get(round.workspaceId);
    const botToken = this.workspacesService.botToken(workspace);
    const survey = await this.surveysRepository.findInWorkspace(round.workspaceId, round.surveyId);
    if (!botToken || !survey) return null;
    return {
      workspace,
      botToken,
      survey,
      k: effectiveK(round, this.workspacesService.settingsOf(workspace)),
    };
  }

  /**
   * The invitation DM (or its reminder) to one person: where it was posted, or null when nothing
   * was sent (no bot token, the survey is gone, or the person is no longer active).
   */
  async sendInvitation(
    round: RoundEntity,
    personId: string,
    options: { reminder?: boolean } = {},
  ): Promise<{ channel: string; ts: string } | null> {
    const context = await this.context(round);
    const person = await this.peopleService.getById(personId);
    if (!context || !person.active) return null;
    const dm = {
      botToken: context.botToken,
      slackUserId: person.slackUserId,
      roundId: round.id,
      title: context.survey.title,
      questions: round.questions,
      closesAt: round.closesAt,
      timeZone: person.tz,
      k: context.k,
    };
    return this.gate.paced(round.workspaceId, DM_METHODS, () =>
      this.notifier.sendInvitation(dm, options),
    );
  }

  /** The invitation DM stops offering buttons and says the answer was recorded (never what). */
  async markAnswered(round: RoundEntity, dm: { channel: string; ts: string }): Promise<void> {
    const context = await this.context(round);
    if (!context) return;
    await this.gate.paced(round.workspaceId, ['chat.update'], () =>
      this.notifier.markAnswered(context.botToken, dm, context.survey.title, context.k),
    );
  }
}
