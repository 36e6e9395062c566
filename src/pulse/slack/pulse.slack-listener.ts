/**
 * Pulse in Slack: `/pulse`, the one-tap score buttons, the "Answer" button and the answer
 * modal. Each handler acks first, parses, calls one service method and renders the outcome.
 * Payloads are never logged (they hold answers).
 */
import { Injectable, Logger } from '@nestjs/common';
import type {
  AllMiddlewareArgs,
  App,
  BlockAction,
  ButtonAction,
  SlashCommand,
  SlackActionMiddlewareArgs,
  SlackCommandMiddlewareArgs,
  SlackViewMiddlewareArgs,
  ViewSubmitAction,
} from '@slack/bolt';
import { replyWithin } from '../../slack/ack-within';
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
  private readonly logger = new Logger(PulseSlackListener.name);

  constructor(
    private readonly pulse: PulseService,
    private readonly responsesService: ResponsesService,
    private readonly workspacesService: WorkspacesService,
    private readonly slack: SlackGateway,
    private readonly sessions: SessionsService,
  ) {}

  register(app: App): void {
    app.command(PULSE_COMMAND, this.onCommand);
    app.action<BlockAction<ButtonAction>>({ action_id: SCORE_ACTION_PATTERN }, this.onScore);
    app.action<BlockAction<ButtonAction>>(PULSE_ACTIONS.openModal, this.onOpenModal);
    app.view<ViewSubmitAction>(PULSE_VIEWS.answer, this.onSubmit);
  }

  /**
   * /pulse, /pulse help, /pulse dashboard. Each reads the database, so the reply goes in the
   * acknowledgement when ready within the ack budget, else through response_url (ack-within.ts):
   * a busy machine once took more than Slack's 3 s to make a dashboard link.
   */
  private readonly onCommand = async ({
    ack,
    respond,
    command,
  }: SlackCommandMiddlewareArgs & AllMiddlewareArgs): Promise<void> => {
    await replyWithin(ack, respond, this.commandReply(command), (err: unknown) => {
      this.logger.error({
        msg: 'pulse command failed after the acknowledgement',
        err: String(err),
      });
      return { text: 'Pulsedesk could not answer that just now. Please try again in a moment.' };
    });
  };

  private async commandReply(command: SlashCommand): Promise<{ text: string }> {
    const subcommand = command.text.trim().toLowerCase();
    if (subcommand === 'help') return pulseHelpMessage(await this.threshold(command.team_id));
    if (subcommand === 'dashboard') {
      const outcome = await this.sessions.linkForSlackUser(command.team_id, command.user_id);
      return outcome.status === 'link'
        ? dashboardLinkMessage(outcome.url, LINK_TTL_MS / 60_000)
        : dashboardRefusedMessage(outcome.reason);
    }
    if (subcommand !== '') return unknownPulseCommand(command.text.trim());
    const status = await this.pulse.statusFor(command.team_id, command.user_id);
    if (!status) return pulseHelpMessage(await this.threshold(command.team_id));
    return pulseStatusMessage(status);
  }

  /**
   * One tap on a score button of a one-question pulse: the whole answer. Acknowledged once it
   * is recorded, as a modal answer is: a tap that could not be (the database away) gets no ack,
   * so Slack marks the button failed and the agent taps again, instead of a tap that looked
   * taken and was lost.
   */
  private readonly onScore = async ({ ack, body, action, context }: ActionArgs): Promise<void> => {
    const score = scoreFromActionId(action.action_id);
    const roundId = action.value;
    if (score === null || !roundId || !body.team) {
      await ack();
      return;
    }
    const round = await this.responsesService.roundToAnswer(body.team.id, roundId);
    const question = round?.questions.length === 1 ? round.questions[0] : undefined;
    const outcome: SubmitOutcome =
      round && question
        ? await this.responsesService.answer(round, body.user.id, [
            { questionId: question.id, value: String(score) },
          ])
        : { status: 'not_invited' };
    await ack();
    // A redelivery (Socket Mode, its first ack lost) finds its own answer: nothing to explain.
    if (outcome.status === 'already_answered' && (context.retryNum ?? 0) > 0) return;
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
    const invitation = await this.responsesService.invitationFor(
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
    context,
  }: SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs): Promise<void> => {
    const teamId = body.team?.id ?? view.team_id;
    const roundId = roundIdOf(view.private_metadata);
    if (!roundId) {
      await ack();
      return;
    }
    const round = await this.responsesService.roundToAnswer(teamId, roundId);
    if (!round) {
      await ack();
      return;
    }
    const parsed = parseModalSubmission(round.questions, view.state.values as never);
    if (!parsed.ok) {
      await ack({ response_action: 'errors', errors: parsed.errors });
      return;
    }
    const outcome = await this.responsesService.answer(round, body.user.id, parsed.answers);
    // Not invited: nothing to say to a modal that was never offered to them. A redelivery
    // (Socket Mode sends an envelope again when its ack was lost) finds the answer its first
    // delivery recorded: that is the same submission, so it closes the modal as that one would.
    const redelivered = outcome.status === 'already_answered' && (context.retryNum ?? 0) > 0;
    if (outcome.status === 'recorded' || outcome.status === 'not_invited' || redelivered) {
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
    const workspace = await this.workspacesService.findBySlackTeamId(slackTeamId);
    return workspace
      ? this.workspacesService.settingsOf(workspace).anonymityThreshold
      : this.workspacesService.defaultAnonymityThreshold;
  }
}

/**
 * The round a modal answers, from its private_metadata: `{"roundId": "..."}` as the app wrote
 * it, or undefined for anything else (the fuzz suite sent `null`, which crashed the listener).
 */
function roundIdOf(privateMetadata: string | undefined): string | undefined {
  try {
    const metadata = JSON.parse(privateMetadata ?? '') as Partial<PulseModalMetadata> | null;
    return typeof metadata?.roundId === 'string' ? metadata.roundId : undefined;
  } catch {
    return undefined;
  }
}
