/**
 * Mounts Bolt inside Nest's HTTP server at POST /slack/events: one request URL for commands,
 * interactivity and events. Every request's v0 signature (5-minute window) is checked before
 * Bolt sees it (slack-signature.ts); unsigned, badly signed or stale requests get 401 and touch
 * nothing.
 */
import { Inject, Injectable, Logger } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import {
  App,
  Authorize,
  ExpressReceiver,
  LogLevel as BoltLogLevel,
  Logger as BoltLogger,
} from '@slack/bolt';
import type { Express, Request, Response } from 'express';
import type { AppConfig } from '../config/config';
import { APP_CONFIG } from '../config/config.module';
import { WorkspacesService } from '../workspaces/workspaces.service';
import { SlackGateway } from './slack-gateway';
import { SlackListener, SlackListeners } from './slack-listener.decorator';
import { slackSignatureVerifier } from './slack-signature';

export const SLACK_OFF_MESSAGE =
  'Slack delivery is off: set SLACK_SIGNING_SECRET and either SLACK_BOT_TOKEN (one workspace) or ' +
  'SLACK_CLIENT_ID, SLACK_CLIENT_SECRET and SLACK_STATE_SECRET (install through OAuth) to turn it on';

@Injectable()
export class SlackBoltService {
  private readonly logger = new Logger('Slack');
  private app?: App;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly workspaces: WorkspacesService,
    private readonly gateway: SlackGateway,
    private readonly discovery: DiscoveryService,
  ) {}

  /** Must run before Nest's init(): Bolt reads the raw body itself, ahead of Nest's parsers. */
  mount(server: Express): void {
    if (!this.config.slack.enabled) {
      this.logger.warn(SLACK_OFF_MESSAGE);
      server.post('/slack/events', (_req: Request, res: Response) => {
        res
          .status(503)
          .json({ statusCode: 503, error: 'Service Unavailable', message: SLACK_OFF_MESSAGE });
      });
      return;
    }
    server.post(
      '/slack/events',
      slackSignatureVerifier(this.config.slack.signingSecret!, (why) =>
        this.logger.warn({ msg: 'slack request refused', why }),
      ),
    );
    const receiver = new ExpressReceiver({
      signingSecret: this.config.slack.signingSecret!,
      // Checked just above, once; the receiver parses the raw body it leaves.
      signatureVerification: false,
      endpoints: '/slack/events',
      processBeforeResponse: false,
      logger: this.boltLogger(),
    });
    this.app = new App({
      receiver,
      authorize: this.authorize,
      clientOptions: this.gateway.clientOptions(),
      logger: this.boltLogger(),
      // Bolt would otherwise skip listeners for events the bot itself caused.
      ignoreSelf: true,
      // No listener reads context.conversation: skip its store on every request.
      convoStore: false,
    });
    this.app.error(async (error) => {
      this.logger.error({ msg: 'slack listener failed', err: error.message, code: error.code });
    });
    for (const wrapper of this.discovery.getProviders({ metadataKey: SlackListeners.KEY })) {
      (wrapper.instance as SlackListener).register(this.app);
    }
    server.use(receiver.router);
  }

  private readonly authorize: Authorize<boolean> = async ({ teamId }) => {
    const workspace = teamId ? await this.workspaces.findBySlackTeamId(teamId) : null;
    const botToken = workspace ? this.workspaces.botToken(workspace) : undefined;
    if (!workspace || !botToken) throw new Error(`Workspace ${teamId} is not installed`);
    return { botToken, botUserId: workspace.botUserId ?? undefined, teamId };
  };

  /** Bolt's logs go through Nest's logger (and so pino). Payloads are never passed to it. */
  private boltLogger(): BoltLogger {
    const logger = this.logger;
    let level = BoltLogLevel.INFO;
    return {
      debug: () => undefined,
      info: (...msg) => logger.log(msg.map(String).join(' ')),
      warn: (...msg) => logger.warn(msg.map(String).join(' ')),
      error: (...msg) => logger.error(msg.map(String).join(' ')),
      setLevel: (l) => {
        level = l;
      },
      getLevel: () => level,
      setName: () => undefined,
    };
  }
}
