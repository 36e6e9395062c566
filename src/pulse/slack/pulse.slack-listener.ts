/**
 * Pulse in Slack: `/pulse`, the one-tap score buttons, the "Answer" button and the answer
 * modal. Each handler acks first, parses, calls one service method and renders the outcome.
 * Payloads are never logged (they hold answers).
 */
import { Injectable } from '@nestjs/common';
import type {
  AllMiddlewareArgs,
  App,
  BlockAction,
  ButtonAction,
  SlackActionMiddlewareArgs,
  SlackCommandMiddlewareArgs,
  SlackViewMiddlewareArgs,
  ViewSubmitAction,
} from '@slack/bolt';
import { SlackGateway } from '../../slack/slack-gateway';
import { SlackListener, SlackListeners } from '../../slack/slack-listener.decorator';
import { LINK_TTL_MS, SessionsService } from '../../auth/sessions/sessions.service';
import { WorkspacesService } from '../../workspaces/workspaces.service';
import { PulseService } from '../pulse.service';
import { ResponsesService, SubmitOutcome } from '../responses.service';
import {
  alreadyAnsweredText,
  dashboardLinkMessage,
  dashboardRefusedMessage,
  notInvitedText,
  parseModalSubmission,
  PulseModalMetadata,
  pulseHelpMessage,
  pulseModalView,
  pulseStatusMessage,
  roundClosedText,
  unknownPulseCommand,
} from './pulse.blocks';
import {
  PULSE_ACTIONS,
  PULSE_COMMAND,
  PULSE_VIEWS,
  questionBlockId,
  SCORE_ACTION_PATTERN,
  scoreFromActionId,
} from './pulse.slack-ids';

type ActionArgs = SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs;
type Refusal = Exclude<SubmitOutcome['status'], 'recorded'>;

@Injectable()
@SlackListeners()
export class PulseSlackListener implements SlackListener {
  constructor(
    private readonly pulse: PulseService,
    private readonly responses: ResponsesService,
    private readonly workspaces: WorkspacesService,
    private readonly slack: SlackGateway,
    private readonly sessions: SessionsService,
  ) {}

  register(app: App): void {
    app.command(PULSE_COMMAND, this.onCommand);
    app.action<BlockAction<ButtonAction>>({ action_id: SCORE_ACTION_PATTERN }, this.onScore);
    app.action<BlockAction<ButtonAction>>(PULSE_ACTIONS.openModal, this.onOpenModal);
    app.view<ViewSubmitAction>(PULSE_VIEWS.answer, this.onSubmit);
  }

  private readonly onCommand = async ({
    ack,
    command,
  }: SlackCommandMiddlewareArgs & AllMiddlewareArgs): Promise<void> => {
    const subcommand = command.text.trim().toLowerCase();
    if (subcommand === 'help') {
      await ack({
        response_type: 'ephemeral',
        ...pulseHelpMessage(await this.threshold(command.team_id)),
      });
      return;
    }
    if (subcommand === 'dashboard') {
      const outcome = await this.sessions.linkForSlackUser(command.team_id, command.user_id);
      await ack({
        response_type: 'ephemeral',
        ...(outcome.status === 'link'
          ? dashboardLinkMessage(outcome.url, LINK_TTL_MS / 60_000)
          : dashboardRefusedMessage(outcome.reason)),
      });
      return;
    }
    if (subcommand !== '') {
      await ack({ response_type: 'ephemeral', ...unknownPulseCommand(command.text.trim()) });
      return;
    }
    const status = await this.pulse.statusFor(command.team_id, command.user_id);
    if (!status) {
      await ack({
        response_type: 'ephemeral',
        ...pulseHelpMessage(await this.threshold(command.team_id)),
      });
      return;
    }
    await ack({ response_type: 'ephemeral', ...pulseStatusMessage(status) });
  };

  /** One tap on a score button of a one-question pulse: the whole answer. */
  private readonly onScore = async ({ ack, body, action, context }: ActionArgs): Promise<void> => {
    await ack();
    const score = scoreFromActionId(action.action_id);
    const roundId = action.value;
    if (score === null || !roundId || !body.team) return;
    const round = await this.responses.roundToAnswer(body.team.id, roundId);
    const question = round?.questions.length === 1 ? round.questions[0] : undefined;
    const outcome: SubmitOutcome =
      round && question
        ? await this.responses.answer(round, body.user.id, [
            { questionId: question.id, value: String(score) },
          ])
        : { status: 'not_invited' };
    await this.explainRefusal(outcome.status, context.botToken, body.channel?.id, body.user.id);
  };

  private readonly onOpenModal = async ({
    ack,
    body,
    action,
    context,
  }: ActionArgs): Promise<void> => {
    await ack();
    if (!body.team || !context.botToken) return;
    const invitation = await this.responses.invitationFor(
      body.team.id,
      body.user.id,
      action.value ?? '',
    );
    const refusal: Refusal | null = !invitation
      ? 'not_invited'
      : !invitation.open
        ? 'closed'
        : invitation.responded
          ? 'already_answered'
          : null;
    if (refusal || !invitation) {
      await this.explainRefusal(
        refusal ?? 'not_invited',
        context.botToken,
        body.channel?.id,
        body.user.id,
      );
      return;
    }
    const { round, title, k } = invitation;
    await this.slack.openView(
      context.botToken,
      body.trigger_id,
      pulseModalView({ roundId: round.id, title, questions: round.questions, k }),
    );
  };

  private readonly onSubmit = async ({
    ack,
    body,
    view,
  }: SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs): Promise<void> => {
    const teamId = body.team?.id ?? view.team_id;
    let metadata: PulseModalMetadata;
    try {
      metadata = JSON.parse(view.private_metadata) as PulseModalMetadata;
    } catch {
      await ack();
      return;
    }
    const round = await this.responses.roundToAnswer(teamId, metadata.roundId);
    if (!round) {
      await ack();
      return;
    }
    const parsed = parseModalSubmission(round.questions, view.state.values as never);
    if (!parsed.ok) {
      await ack({ response_action: 'errors', errors: parsed.errors });
      return;
    }
    const outcome = await this.responses.answer(round, body.user.id, parsed.answers);
    // Not invited: nothing to say to a modal that was never offered to them.
    if (outcome.status === 'recorded' || outcome.status === 'not_invited') {
      await ack();
      return;
    }
    const firstBlock = questionBlockId(round.questions[0].id);
    const message =
      outcome.status === 'already_answered'
        ? alreadyAnsweredText(round.title)
        : roundClosedText(round.title);
    await ack({ response_action: 'errors', errors: { [firstBlock]: message } });
  };

  private async explainRefusal(
    status: SubmitOutcome['status'],
    botToken: string | undefined,
    channel: string | undefined,
    user: string,
  ): Promise<void> {
    if (status === 'recorded' || !botToken || !channel) return;
    const text =
      status === 'already_answered'
        ? alreadyAnsweredText('this pulse')
        : status === 'closed'
          ? roundClosedText('This pulse')
          : notInvitedText();
    await this.slack.postEphemeral(botToken, { channel, user, text });
  }

  private async threshold(slackTeamId: string): Promise<number> {
    const workspace = await this.workspaces.findBySlackTeamId(slackTeamId);
    return workspace
      ? this.workspaces.settingsOf(workspace).anonymityThreshold
      : this.workspaces.defaultAnonymityThreshold;
  }
}
