/**
 * `/focus` and its "End now" button. Parses the command in the agent's time zone, asks the
 * focus service, and replies ephemerally; Slack sync runs afterwards in jobs.
 */
import { Inject, Injectable, Logger } from '@nestjs/common';
import type {
  AllMiddlewareArgs,
  App,
  BlockAction,
  ButtonAction,
  SlackActionMiddlewareArgs,
  SlackCommandMiddlewareArgs,
  SlashCommand,
} from '@slack/bolt';
import { Clock } from '../../common/clock';
import { DomainError } from '../../common/errors';
import type { AppConfig } from '../../config/config';
import { APP_CONFIG } from '../../config/config.module';
import { replyWithin } from '../../slack/ack-within';
import { SlackGateway } from '../../slack/slack-gateway';
import { slackConnectUrl } from '../../slack/slack-urls';
import { SlackListener, SlackListeners } from '../../slack/slack-listener.decorator';
import { parseFocusCommand } from '../focus-parser';
import { FocusService } from '../focus.service';
import {
  blockCreatedMessage,
  focusStatusMessage,
  plainMessage,
  recurringMessage,
  refusedMessage,
  SlackMessage,
} from './focus.blocks';
import { FOCUS_ACTIONS, FOCUS_COMMAND } from './focus.slack-ids';

@Injectable()
@SlackListeners()
export class FocusSlackListener implements SlackListener {
  private readonly logger = new Logger(FocusSlackListener.name);

  constructor(
    private readonly focusService: FocusService,
    private readonly slack: SlackGateway,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  register(app: App): void {
    app.command(FOCUS_COMMAND, this.onCommand);
    app.action<BlockAction<ButtonAction>>(FOCUS_ACTIONS.endNow, this.onEndNow);
    app.action<BlockAction<ButtonAction>>(FOCUS_ACTIONS.connect, async ({ ack }) => ack());
  }

  private get connectUrl(): string {
    return slackConnectUrl(this.config.publicUrl);
  }

  private readonly onCommand = async ({
    ack,
    respond,
    command,
  }: SlackCommandMiddlewareArgs & AllMiddlewareArgs): Promise<void> => {
    await replyWithin(ack, respond, this.commandReply(command), (err: unknown) => {
      this.logger.error({
        msg: 'focus command failed after the acknowledgement',
        err: String(err),
      });
      return plainMessage('Something went wrong saving that focus block. Please try again.');
    });
  };

  /** What /focus answers: parsing and rendering here, every decision in FocusService. */
  private async commandReply(command: SlashCommand): Promise<SlackMessage> {
    let person;
    try {
      person = await this.focusService.personFor(command.team_id, command.user_id);
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      return plainMessage(err.message);
    }
    const now = this.clock.now();
    const parsed = parseFocusCommand(command.text, now, person.tz);
    const connect = person.userTokenEnc ? null : this.connectUrl;
    if (!parsed.ok) {
      return plainMessage(`${parsed.error} Try: ${parsed.example}`);
    }
    const cmd = parsed.command;
    if (cmd.kind === 'status') {
      return focusStatusMessage(await this.focusService.upcoming(person), person.tz, now, connect);
    }
    if (cmd.kind === 'off') {
      const ended = await this.focusService.endCurrent(person);
      return plainMessage(
        ended
          ? 'Focus ended. Your status and notifications are being put back.'
          : 'No focus block is running.',
      );
    }
    if (cmd.kind === 'recurring') {
      const { created, refused } = await this.focusService.createRecurring(person, cmd);
      return recurringMessage(cmd, created, refused, person.tz, connect);
    }
    const outcome = await this.focusService.create(person, {
      start: cmd.start,
      end: cmd.end,
      note: cmd.note,
      source: 'command',
    });
    return outcome.status === 'created'
      ? blockCreatedMessage(
          outcome.block,
          person.tz,
          now,
          outcome.connected ? null : this.connectUrl,
          outcome.merged,
        )
      : refusedMessage(outcome.nextFit, outcome.minOnDuty, person.tz, now);
  }

  private readonly onEndNow = async ({
    ack,
    body,
    action,
    context,
  }: SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    if (!body.team || !action.value) return;
    let text: string;
    try {
      const person = await this.focusService.personFor(body.team.id, body.user.id);
      const block = await this.focusService.end(person, action.value);
      text =
        block.state === 'cancelled'
          ? 'Focus block cancelled.'
          : 'Focus ended. Your status and notifications are being put back.';
    } catch (err) {
      // A person not imported, a block that is not theirs: said to them, not an app failure.
      if (!(err instanceof DomainError)) throw err;
      text = err.message;
    }
    const channel = body.channel?.id;
    if (!channel || !context.botToken) return;
    await this.slack.postEphemeral(context.botToken, { channel, user: body.user.id, text });
  };
}
