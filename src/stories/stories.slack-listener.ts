/**
 * `/story` and the "Share a story" shortcut are declared in the Slack manifest (PRODUCT.md §2),
 * but the story feed is not built yet. Rather than leave Slack to time out on them ("dispatch
 * failed"), they answer plainly that stories are not available in this version.
 */
import { Injectable } from '@nestjs/common';
import type { AllMiddlewareArgs, App, SlackCommandMiddlewareArgs } from '@slack/bolt';
import type { SlackShortcutMiddlewareArgs } from '@slack/bolt';
import { SlackGateway } from '../slack/slack-gateway';
import { SlackListener, SlackListeners } from '../slack/slack-listener.decorator';

export const STORY_COMMAND = '/story';
export const STORY_SHORTCUT = 'story_share';
export const STORIES_UNAVAILABLE =
  'Sharing stories is not available in this version of Pulsedesk yet. Pulse checks (`/pulse`) and focus time (`/focus`) are.';

@Injectable()
@SlackListeners()
export class StoriesSlackListener implements SlackListener {
  constructor(private readonly slack: SlackGateway) {}

  register(app: App): void {
    app.command(STORY_COMMAND, this.onCommand);
    app.shortcut(STORY_SHORTCUT, this.onShortcut);
  }

  private readonly onCommand = async ({
    ack,
  }: SlackCommandMiddlewareArgs & AllMiddlewareArgs): Promise<void> => {
    await ack({ response_type: 'ephemeral', text: STORIES_UNAVAILABLE });
  };

  /** A shortcut has no channel to answer in: a small modal says it. */
  private readonly onShortcut = async ({
    ack,
    shortcut,
    context,
  }: SlackShortcutMiddlewareArgs & AllMiddlewareArgs): Promise<void> => {
    await ack();
    if (!context.botToken) return;
    await this.slack.openView(context.botToken, shortcut.trigger_id, {
      type: 'modal',
      title: { type: 'plain_text', text: 'Share a story' },
      close: { type: 'plain_text', text: 'Close' },
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: STORIES_UNAVAILABLE } }],
    });
  };
}
