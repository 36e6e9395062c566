import { Injectable } from '@nestjs/common';
import type {
  AllMiddlewareArgs,
  App,
  BlockAction,
  ButtonAction,
  SlackActionMiddlewareArgs,
  SlackEventMiddlewareArgs,
} from '@slack/bolt';
import { SlackGateway } from '../slack/slack-gateway';
import { SlackListener, SlackListeners } from '../slack/slack-listener.decorator';
import type { ReactionKind } from '../stories/stories.types';
import {
  HOME_ACTIONS,
  HOME_REACT_PATTERN,
  HOME_STORY_PROMPT_ACTION,
  homeView,
  QUICK_FOCUS_MINUTES,
} from './home.blocks';
import { HomeService } from './home.service';

/** Every button of the tab (their ids are plain snake_case words). */
const HOME_BUTTONS = new RegExp(`^(${Object.values(HOME_ACTIONS).join('|')})$`);

/** The App Home tab: published whenever the person opens it, and again after each of its buttons. */
@Injectable()
@SlackListeners()
export class HomeSlackListener implements SlackListener {
  constructor(
    private readonly home: HomeService,
    private readonly slack: SlackGateway,
  ) {}

  register(app: App): void {
    app.event('app_home_opened', this.onHomeOpened);
    // One listener for the tab's buttons: Bolt runs every listener's matchers on every request.
    app.action<BlockAction<ButtonAction>>({ action_id: HOME_BUTTONS }, this.onFocusButton);
    app.action<BlockAction<ButtonAction>>({ action_id: HOME_REACT_PATTERN }, this.onReaction);
    app.action<BlockAction<ButtonAction>>(HOME_STORY_PROMPT_ACTION, this.onStoryPrompt);
  }

  private readonly onStoryPrompt = async ({
    ack,
    body,
    action,
    context,
  }: SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    if (!body.team || !context.botToken || (action.value !== 'on' && action.value !== 'off'))
      return;
    const data = await this.home.setStoryPrompt(body.team.id, body.user.id, action.value === 'on');
    if (data) await this.slack.publishHome(context.botToken, body.user.id, homeView(data));
  };

  private readonly onReaction = async ({
    ack,
    body,
    action,
    context,
  }: SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    const kind = HOME_REACT_PATTERN.exec(action.action_id)?.[1] as ReactionKind | undefined;
    const storyId = action.value ?? '';
    if (!body.team || !kind || !context.botToken || !/^[0-9a-f-]{36}$/i.test(storyId)) return;
    const data = await this.home.storyReaction(body.team.id, body.user.id, storyId, kind);
    if (data) await this.slack.publishHome(context.botToken, body.user.id, homeView(data));
  };

  private readonly onFocusButton = async ({
    ack,
    body,
    action,
    context,
  }: SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    if (!body.team || !action.value || !context.botToken) return;
    let request: Parameters<HomeService['focusAction']>[2];
    if (action.action_id === HOME_ACTIONS.quickFocus) {
      const minutes = Number(action.value);
      // Only the lengths the tab offers: the value comes back from Slack as sent, but is input.
      if (!(QUICK_FOCUS_MINUTES as readonly number[]).includes(minutes)) return;
      request = { kind: 'quick', minutes };
    } else {
      const kind = action.action_id === HOME_ACTIONS.startNow ? 'start' : 'end';
      request = { kind, blockId: action.value };
    }
    const data = await this.home.focusAction(body.team.id, body.user.id, request);
    if (data) await this.slack.publishHome(context.botToken, body.user.id, homeView(data));
  };

  private readonly onHomeOpened = async ({
    event,
    body,
    context,
  }: SlackEventMiddlewareArgs<'app_home_opened'> & AllMiddlewareArgs): Promise<void> => {
    if (event.tab !== 'home' || !context.botToken) return;
    const data = await this.home.homeFor(body.team_id, event.user);
    if (!data) return;
    await this.slack.publishHome(context.botToken, event.user, homeView(data));
  };
}
