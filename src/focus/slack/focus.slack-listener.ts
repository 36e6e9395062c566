/**
 * `/focus` and its "End now" button. Parses the command in the agent's time zone, asks the
 * focus service, and replies ephemerally; Slack sync runs afterwards in jobs.
 */
import { Inject, Injectable } from '@nestjs/common';
import type {
  AllMiddlewareArgs,
  App,
  BlockAction,
  ButtonAction,
  SlackActionMiddlewareArgs,
  SlackCommandMiddlewareArgs,
} from '@slack/bolt';
import { Clock } from '../../common/clock';
import { DomainError } from '../../common/errors';
import type { AppConfig } from '../../config/config';
import { APP_CONFIG } from '../../config/config.module';
import { SlackGateway } from '../../slack/slack-gateway';
import { SlackListener, SlackListeners } from '../../slack/slack-listener.decorator';
import { parseFocusCommand } from '../focus-parser';
import { FocusService } from '../focus.service';
import {
  blockCreatedMessage,
  focusStatusMessage,
  plainMessage,
  recurringMessage,
  refusedMessage,
} from './focus.blocks';
import { FOCUS_ACTIONS, FOCUS_COMMAND } from './focus.slack-ids';

@Injectable()
@SlackListeners()
export class FocusSlackListener implements SlackListener {
  constructor(
    private readonly focus: FocusService,
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
    return `${this.config.publicUrl}/slack/connect`;
  }

  private readonly onCommand = async ({
    ack,
    command,
  }: SlackCommandMiddlewareArgs & AllMiddlewareArgs): Promise<void> => {
    let person;
    try {
      person = await this.focus.personFor(command.team_id, command.user_id);
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      await ack({ response_type: 'ephemeral', ...plainMessage(err.message) });
      return;
    }
    const now = this.clock.now();
    const parsed = parseFocusCommand(command.text, now, person.tz);
    const connect = person.userTokenEnc ? null : this.connectUrl;
    if (!parsed.ok) {
      await ack({
        response_type: 'ephemeral',
        ...plainMessage(`${parsed.error} Try: ${parsed.example}`),
      });
      return;
    }
    const cmd = parsed.command;
    if (cmd.kind === 'status') {
      await ack({
        response_type: 'ephemeral',
        ...focusStatusMessage(await this.focus.upcoming(person), person.tz, now, connect),
      });
      return;
    }
    if (cmd.kind === 'off') {
      const ended = await this.focus.endCurrent(person);
      await ack({
        response_type: 'ephemeral',
        ...plainMessage(
          ended
            ? 'Focus ended. Your status and notifications are being put back.'
            : 'No focus block is running.',
        ),
      });
      return;
    }
    if (cmd.kind === 'recurring') {
      const { created, refused } = await this.focus.createRecurring(person, cmd);
      await ack({
        response_type: 'ephemeral',
        ...recurringMessage(cmd, created, refused, person.tz, connect),
      });
      return;
    }
    const outcome = await this.focus.create(person, {
      start: cmd.start,
      end: cmd.end,
      note: cmd.note,
      source: 'command',
    });
    const message =
      outcome.status === 'created'
        ? blockCreatedMessage(
            outcome.block,
            person.tz,
            now,
            outcome.connected ? null : this.connectUrl,
            outcome.merged,
          )
        : refusedMessage(outcome.nextFit, outcome.minOnDuty, person.tz, now);
    await ack({ response_type: 'ephemeral', ...message });
  };

  private readonly onEndNow = async ({
    ack,
    body,
    action,
    context,
  }: SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    if (!body.team || !action.value) return;
    const person = await this.focus.personFor(body.team.id, body.user.id);
    const block = await this.focus.end(person, action.value);
    const channel = body.channel?.id;
    if (!channel || !context.botToken) return;
    const text =
      block.state === 'cancelled'
        ? 'Focus block cancelled.'
        : 'Focus ended. Your status and notifications are being put back.';
    await this.slack.postEphemeral(context.botToken, { channel, user: body.user.id, text });
  };
}
