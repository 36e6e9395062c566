/**
 * Receives Slack's commands, interactivity and events, one of two ways, into the same Bolt
 * listeners:
 * - HTTP (the default): Bolt inside Nest's HTTP server at POST /slack/events, one request URL for
 *   all three. Every request's v0 signature (5-minute window) is checked before Bolt sees it
 *   (slack-signature.ts); unsigned, badly signed or stale requests get 401 and touch nothing.
 * - Socket Mode (SLACK_APP_TOKEN set): Bolt's SocketModeReceiver over a WebSocket Pulsedesk
 *   opens to Slack, kept open by SocketModeSupervisor; POST /slack/events then answers 404.
 */
import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import {
  App,
  Authorize,
  ErrorCode,
  ExpressReceiver,
  LogLevel as BoltLogLevel,
  Logger as BoltLogger,
  SocketModeReceiver,
} from '@slack/bolt';
import type { Express, Request, Response } from 'express';
import type { AppConfig } from '../config/config';
import { APP_CONFIG } from '../config/config.module';
import { WorkspacesService } from '../workspaces/workspaces.service';
import { SlackGateway } from './slack-gateway';
import { SlackListener, SlackListeners } from './slack-listener.decorator';
import { SlackRoutes, slackRoutingGuard } from './slack-routing';
import { slackSignatureVerifier } from './slack-signature';
import { SlackSocketStatus } from './slack-socket-status';
import { SocketClient, SocketModeSupervisor } from './socket-mode-supervisor';
import { ClsServiceManager } from 'nestjs-cls';

export const SLACK_OFF_MESSAGE =
  'Slack delivery is off: set SLACK_SIGNING_SECRET (HTTP) or SLACK_APP_TOKEN (Socket Mode), and ' +
  'either SLACK_BOT_TOKEN (one workspace) or SLACK_CLIENT_ID, SLACK_CLIENT_SECRET and ' +
  'SLACK_STATE_SECRET (install through OAuth) to turn it on';

export const SOCKET_MODE_EVENTS_OFF_MESSAGE =
  'Slack reaches Pulsedesk over Socket Mode (SLACK_APP_TOKEN is set): /slack/events is off';

@Injectable()
export class SlackBoltService implements OnModuleDestroy {
  private readonly logger = new Logger('Slack');
  private app?: App;
  private supervisor?: SocketModeSupervisor;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly workspaces: WorkspacesService,
    private readonly gateway: SlackGateway,
    private readonly discovery: DiscoveryService,
    private readonly socketStatus: SlackSocketStatus,
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
    if (this.config.slack.appToken) {
      this.mountSocketMode(server, this.config.slack.appToken);
      return;
    }
    server.post(
      '/slack/events',
      slackSignatureVerifier(this.config.slack.signingSecret!, (why) =>
        this.logger.warn({ msg: 'slack request refused', why }),
      ),
    );
    // Filled by the listeners' registrations below, before the first request arrives.
    const routes = new SlackRoutes();
    server.post(
      '/slack/events',
      slackRoutingGuard(routes, (what) =>
        this.logger.warn({ msg: 'slack request without a listener', ...what }),
      ),
    );
    const receiver = new ExpressReceiver({
      signingSecret: this.config.slack.signingSecret!,
      // Checked just above, once; the receiver parses the raw body it leaves.
      signatureVerification: false,
      endpoints: '/slack/events',
      processBeforeResponse: false,
      logger: this.boltLogger(),
      processEventErrorHandler: async ({ error, response }) => {
        if (response.headersSent) return false;
        // An installation no longer known (uninstalled, or a team that never installed).
        const unauthorized = (error as { code?: string }).code === ErrorCode.AuthorizationError;
        const status = unauthorized ? 401 : 500;
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end(
          JSON.stringify({
            statusCode: status,
            error: unauthorized ? 'Unauthorized' : 'Internal Server Error',
            message: unauthorized
              ? 'This Slack workspace has not installed Pulsedesk'
              : 'Internal server error',
          }),
        );
        return true;
      },
      unhandledRequestHandler: ({ response }) => {
        // A listener matched and returned without ack(): a bug to fix in that listener.
        this.logger.warn({ msg: 'slack request not acknowledged by its listener' });
        if (response.headersSent) return;
        response.writeHead(404, { 'content-type': 'application/json' });
        response.end(
          JSON.stringify({
            statusCode: 404,
            error: 'Not Found',
            message: 'No Pulsedesk listener acknowledged this Slack request',
          }),
        );
      },
    });
    this.app = this.boltApp(receiver, routes);
    server.use(receiver.router);
  }

  /**
   * Socket Mode: the listeners are registered now; the connection opens in startSocketMode(),
   * once the app (and a SLACK_BOT_TOKEN's workspace) is ready to answer what arrives.
   */
  private mountSocketMode(server: Express, appToken: string): void {
    server.post('/slack/events', (_req: Request, res: Response) => {
      res.status(404).json({
        statusCode: 404,
        error: 'Not Found',
        message: SOCKET_MODE_EVENTS_OFF_MESSAGE,
      });
    });
    const receiver = new SocketModeReceiver({
      appToken,
      logger: this.boltLogger(),
      // SocketModeSupervisor reconnects, with backoff and jitter (see why there).
      autoReconnectEnabled: false,
      // apps.connections.open goes to SLACK_API_URL like every other call; a fresh object,
      // because the client writes its own defaults into the one it is given.
      installerOptions: { clientOptions: this.gateway.clientOptions() },
    });
    this.app = this.boltApp(receiver);
    this.supervisor = new SocketModeSupervisor(
      receiver.client as unknown as SocketClient,
      {
        info: (msg) => this.logger.log(msg),
        warn: (msg) => this.logger.warn(msg),
        error: (msg) => this.logger.error(msg),
      },
      (state) => this.socketStatus.set(state),
    );
    this.socketStatus.set('disconnected');
  }

  /**
   * Opens the Socket Mode connection, when configured. Resolves once Slack accepted the app
   * token, or could not be reached (the connection keeps being retried); a refused token
   * stops the boot.
   */
  async startSocketMode(): Promise<void> {
    await this.supervisor?.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.supervisor?.stop();
  }

  /**
   * The Bolt app both receivers drive. Over HTTP, `routes` records what the listeners register
   * (slack-routing.ts answers what none owns) and a listener's error goes on to the receiver's
   * processEventErrorHandler, which answers if nobody has.
   */
  private boltApp(receiver: ExpressReceiver | SocketModeReceiver, routes?: SlackRoutes): App {
    const app = new App({
      receiver,
      authorize: this.authorize,
      clientOptions: this.gateway.clientOptions(),
      logger: this.boltLogger(),
      // Bolt would otherwise skip listeners for events the bot itself caused.
      ignoreSelf: true,
      // No listener reads context.conversation: skip its store on every request.
      convoStore: false,
    });
    // Each Slack request in a CLS context of its own (the ambient transaction: database/transactions.ts).
    app.use(({ next }) => ClsServiceManager.getClsService().run(() => next()));
    app.error(async (error) => {
      if (error.code === ErrorCode.AuthorizationError) {
        this.logger.warn({ msg: 'slack request from a workspace not installed' });
      } else {
        this.logger.error({ msg: 'slack listener failed', err: error.message, code: error.code });
      }
      if (routes) throw error;
    });
    const target = routes ? routes.recording(app) : app;
    for (const wrapper of this.discovery.getProviders({ metadataKey: SlackListeners.KEY })) {
      (wrapper.instance as SlackListener).register(target);
    }
    return app;
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
