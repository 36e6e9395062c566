/**
 * Stories in Slack: `/story` and the "Share a story" shortcut open the modal; its submission
 * shares; the HR channel's Approve / Reject (Restore / Remove) buttons review; the reaction and
 * Report buttons of messages (digest, HR channel) react and report. Each handler acks first,
 * parses, calls one service method and renders the outcome.
 */
import { Injectable } from '@nestjs/common';
import type {
  AllMiddlewareArgs,
  App,
  BlockAction,
  ButtonAction,
  SlackActionMiddlewareArgs,
  SlackCommandMiddlewareArgs,
  SlackShortcutMiddlewareArgs,
  SlackViewMiddlewareArgs,
  ViewSubmitAction,
} from '@slack/bolt';
import { DomainError } from '../../common/errors';
import { SlackGateway } from '../../slack/slack-gateway';
import { SlackListener, SlackListeners } from '../../slack/slack-listener.decorator';
import { StoriesService } from '../stories.service';
import type { ReactionKind } from '../stories.types';
import { parseShareSubmission, reactionNotice, shareModal, sharedView } from './stories.blocks';
import { StoriesNotifier } from './stories.notifier';
import {
  DIGEST_BLOCK_PREFIX,
  kindFromActionId,
  REACT_ACTION_PATTERN,
  STORY_ACTIONS,
  STORY_COMMAND,
  STORY_FIELDS,
  STORY_SHORTCUT,
  STORY_VIEWS,
} from './stories.slack-ids';

type ActionArgs = SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** What a refused action says to the person who pressed it (never a stack trace). */
function refusal(err: unknown): string {
  if (err instanceof DomainError) return err.message;
  throw err;
}

@Injectable()
@SlackListeners()
export class StoriesSlackListener implements SlackListener {
  constructor(
    private readonly stories: StoriesService,
    private readonly notifier: StoriesNotifier,
    private readonly slack: SlackGateway,
  ) {}

  register(app: App): void {
    app.command(STORY_COMMAND, this.onCommand);
    app.shortcut(STORY_SHORTCUT, this.onShortcut);
    app.action<BlockAction<ButtonAction>>(STORY_ACTIONS.share, this.onShareButton);
    app.view<ViewSubmitAction>(STORY_VIEWS.share, this.onSubmit);
    app.action<BlockAction<ButtonAction>>(STORY_ACTIONS.approve, this.onReview);
    app.action<BlockAction<ButtonAction>>(STORY_ACTIONS.reject, this.onReview);
    app.action<BlockAction<ButtonAction>>(STORY_ACTIONS.report, this.onReport);
    app.action<BlockAction<ButtonAction>>({ action_id: REACT_ACTION_PATTERN }, this.onReact);
  }

  private readonly onCommand = async ({
    ack,
    command,
    context,
  }: SlackCommandMiddlewareArgs & AllMiddlewareArgs): Promise<void> => {
    await ack();
    if (!context.botToken) return;
    await this.slack.openView(context.botToken, command.trigger_id, shareModal());
  };

  private readonly onShortcut = async ({
    ack,
    shortcut,
    context,
  }: SlackShortcutMiddlewareArgs & AllMiddlewareArgs): Promise<void> => {
    await ack();
    if (!context.botToken) return;
    await this.slack.openView(context.botToken, shortcut.trigger_id, shareModal());
  };

  /** "Share a story" on App Home, or on a weekly prompt (its value then holds the question). */
  private readonly onShareButton = async ({ ack, body, action, context }: ActionArgs) => {
    await ack();
    if (!context.botToken) return;
    const prefill = action.value && action.value !== 'home' ? action.value : undefined;
    await this.slack.openView(
      context.botToken,
      body.trigger_id,
      shareModal({ prefillTitle: prefill }),
    );
  };

  private readonly onSubmit = async ({
    ack,
    body,
    view,
  }: SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs): Promise<void> => {
    const parsed = parseShareSubmission(view.state.values as never);
    if (!parsed.ok) {
      await ack({ response_action: 'errors', errors: parsed.errors });
      return;
    }
    const teamId = body.team?.id ?? view.team_id;
    try {
      const outcome = await this.stories.share(teamId, body.user.id, parsed.story);
      await ack({ response_action: 'update', view: sharedView(outcome) });
    } catch (err) {
      const known = err instanceof DomainError;
      const message = known
        ? err.message
        : 'Pulsedesk could not save your story just now. Please try again in a moment.';
      await ack({ response_action: 'errors', errors: { [STORY_FIELDS.body.block]: message } });
      if (!known) throw err;
    }
  };

  private readonly onReview = async ({ ack, body, action, context }: ActionArgs): Promise<void> => {
    await ack();
    const channel = body.channel?.id;
    const ts = body.message?.ts;
    if (!body.team || !context.botToken || !channel || !ts || !UUID.test(action.value ?? ''))
      return;
    const decision = action.action_id === STORY_ACTIONS.approve ? 'approve' : 'reject';
    try {
      const { workspace, person } = await this.stories.personFor(body.team.id, body.user.id);
      this.stories.assertReviewer(person);
      const { story, outcome } = await this.stories.decide(
        { workspaceId: workspace.id, slackUserId: body.user.id, via: 'slack' },
        action.value!,
        decision,
      );
      await this.notifier.markReviewed(
        context.botToken,
        { channel, ts },
        {
          story,
          author: await this.stories.authorOf(story),
          counts: await this.stories.countsOf(story.id),
          decision: { by: body.user.id, outcome },
        },
      );
    } catch (err) {
      await this.notifier.ephemeral(context.botToken, channel, body.user.id, refusal(err));
    }
  };

  private readonly onReport = async ({ ack, body, action, context }: ActionArgs): Promise<void> => {
    await ack();
    const channel = body.channel?.id;
    if (!body.team || !context.botToken || !UUID.test(action.value ?? '')) return;
    let text: string;
    try {
      const { workspace } = await this.stories.personFor(body.team.id, body.user.id);
      await this.stories.report(workspace.id, action.value!);
      text = 'Thank you: the story is hidden until an HR lead reviews it.';
    } catch (err) {
      text = refusal(err);
    }
    if (channel) await this.notifier.ephemeral(context.botToken, channel, body.user.id, text);
  };

  /** A reaction button on a message: toggles, then says so (a digest is re-rendered with the counts). */
  private readonly onReact = async ({ ack, body, action, context }: ActionArgs): Promise<void> => {
    await ack();
    const kind = kindFromActionId(action.action_id) as ReactionKind | null;
    const channel = body.channel?.id;
    if (!kind || !body.team || !context.botToken || !UUID.test(action.value ?? '')) return;
    let text: string;
    try {
      const { workspace, person } = await this.stories.personFor(body.team.id, body.user.id);
      const result = await this.stories.react(workspace.id, person.id, action.value!, kind);
      text = reactionNotice(kind, result.added, result.count);
      const week = action.block_id?.startsWith(DIGEST_BLOCK_PREFIX)
        ? action.block_id.slice(DIGEST_BLOCK_PREFIX.length).split(':')[0]
        : null;
      const ts = body.message?.ts;
      if (week && /^\d{4}-W\d{2}$/.test(week) && channel && ts) {
        const items = await this.stories.digestItems(workspace.id, week);
        await this.notifier.updateDigest(context.botToken, { channel, ts }, week, items);
      }
    } catch (err) {
      text = refusal(err);
    }
    if (channel) await this.notifier.ephemeral(context.botToken, channel, body.user.id, text);
  };
}
