/**
 * The story feature's outgoing Slack messages: renders with stories.blocks and sends through the
 * gateway. Services decide when and to whom; this decides only how it looks.
 */
import { Injectable } from '@nestjs/common';
import { SlackGateway } from '../../slack/slack-gateway';
import type { Story, StoryCounts } from '../stories.types';
import {
  digestMessage,
  DigestItem,
  HrDecision,
  hrReviewMessage,
  outcomeDm,
} from './stories.blocks';

@Injectable()
export class StoriesNotifier {
  constructor(private readonly slack: SlackGateway) {}

  async postForReview(
    botToken: string,
    channel: string,
    story: Story,
    author: { slackUserId: string } | null,
  ): Promise<{ channel: string; ts: string }> {
    const posted = await this.slack.postMessage(botToken, {
      channel,
      ...hrReviewMessage({ story, author, counts: { clap: 0, heart: 0, raised_hands: 0 } }),
    });
    return { channel: posted.channel, ts: posted.ts };
  }

  /** The review message, once decided: it says who decided and offers no more review buttons. */
  async markReviewed(
    botToken: string,
    message: { channel: string; ts: string },
    input: {
      story: Story;
      author: { slackUserId: string } | null;
      counts: StoryCounts;
      decision: HrDecision;
    },
  ): Promise<void> {
    await this.slack.updateMessage(botToken, { ...message, ...hrReviewMessage(input) });
  }

  async tellAuthor(
    botToken: string,
    slackUserId: string,
    story: Story,
    outcome: 'published' | 'rejected',
  ): Promise<void> {
    const channel = await this.slack.openDm(botToken, slackUserId);
    await this.slack.postMessage(botToken, { channel, ...outcomeDm(story, outcome) });
  }

  async postDigest(
    botToken: string,
    channel: string,
    week: string,
    items: DigestItem[],
  ): Promise<string> {
    const posted = await this.slack.postMessage(botToken, {
      channel,
      ...digestMessage({ week, items }),
    });
    return posted.ts;
  }

  async updateDigest(
    botToken: string,
    message: { channel: string; ts: string },
    week: string,
    items: DigestItem[],
  ): Promise<void> {
    await this.slack.updateMessage(botToken, { ...message, ...digestMessage({ week, items }) });
  }

  async ephemeral(botToken: string, channel: string, user: string, text: string): Promise<void> {
    await this.slack.postEphemeral(botToken, { channel, user, text });
  }
}
