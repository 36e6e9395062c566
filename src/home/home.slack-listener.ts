import { Injectable } from '@nestjs/common';
import type { AllMiddlewareArgs, App, SlackEventMiddlewareArgs } from '@slack/bolt';
import { SlackGateway } from '../slack/slack-gateway';
import { SlackListener, SlackListeners } from '../slack/slack-listener.decorator';
import { homeView } from './home.blocks';
import { HomeService } from './home.service';

/** The App Home tab: published whenever the person opens it. */
@Injectable()
@SlackListeners()
export class HomeSlackListener implements SlackListener {
  constructor(
    private readonly home: HomeService,
    private readonly slack: SlackGateway,
  ) {}

  register(app: App): void {
    app.event('app_home_opened', this.onHomeOpened);
  }

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
