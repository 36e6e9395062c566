/**
 * The pulse feature's outgoing Slack messages: renders with pulse.blocks and sends through the
 * gateway. Services decide *when* (and to whom); this decides only *how it looks*.
 */
import { Injectable } from '@nestjs/common';
import { SlackGateway } from '../../slack/slack-gateway';
import {
  hrSummaryMessage,
  pulseAnsweredMessage,
  pulseDmMessage,
  type PulseDmInput,
} from './pulse.blocks';

export type InvitationDm = Omit<PulseDmInput, 'reminder'> & {
  botToken: string;
  slackUserId: string;
};

@Injectable()
export class PulseNotifier {
  constructor(private readonly slack: SlackGateway) {}

  async sendInvitation(
    dm: InvitationDm,
    options: { reminder?: boolean } = {},
  ): Promise<{ channel: string; ts: string }> {
    const channel = await this.slack.openDm(dm.botToken, dm.slackUserId);
    const message = pulseDmMessage({ ...dm, reminder: options.reminder });
    const posted = await this.slack.postMessage(dm.botToken, { channel, ...message });
    return { channel, ts: posted.ts };
  }

  /** Replaces the invitation so it no longer offers buttons; it never states the answer. */
  async markAnswered(
    botToken: string,
    dm: { channel: string; ts: string },
    title: string,
    k: number,
  ): Promise<void> {
    await this.slack.updateMessage(botToken, { ...dm, ...pulseAnsweredMessage({ title, k }) });
  }

  async postHrSummary(
    botToken: string,
    channel: string,
    summary: Parameters<typeof hrSummaryMessage>[0],
  ): Promise<void> {
    await this.slack.postMessage(botToken, { channel, ...hrSummaryMessage(summary) });
  }
}
