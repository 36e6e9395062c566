/**
 * Installations and connections: the OAuth v2 exchanges for a workspace install and for an
 * agent's own user token, and single-workspace mode from SLACK_BOT_TOKEN. An install queues a
 * people import in the same transaction that records the installation.
 */
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { AppConfig } from '../config/config';
import { APP_CONFIG } from '../config/config.module';
import { Clock } from '../common/clock';
import { DomainError } from '../common/errors';
import { PeopleService } from '../people/people.service';
import type { WorkspaceEntity } from '../workspaces/workspace.entity';
import { WorkspacesService } from '../workspaces/workspaces.service';
import { createState, OAuthFlow, verifyState } from './oauth-state';
import { SlackCallError } from './slack-call.error';
import { SlackGateway } from './slack-gateway';
import { BOT_SCOPES, USER_SCOPES } from './slack-scopes';
import { TransactionHost, TransactionalAdapterTypeOrm } from '../database/transactions';

export interface AuthorizeRedirect {
  url: string;
  nonce: string;
}

export type OAuthOutcome =
  | { flow: 'install'; workspace: WorkspaceEntity }
  | { flow: 'connect'; workspace: WorkspaceEntity; slackUserId: string };

@Injectable()
export class SlackInstallationService {
  private readonly logger = new Logger('SlackInstall');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly gateway: SlackGateway,
    private readonly workspaces: WorkspacesService,
    private readonly people: PeopleService,
    private readonly clock: Clock,
    private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>,
  ) {}

  get redirectUri(): string {
    return `${this.config.publicUrl}/slack/oauth_redirect`;
  }

  /** Where /slack/install and /slack/connect send the browser. */
  authorizeRedirect(flow: OAuthFlow): AuthorizeRedirect {
    const oauth = this.requireOAuth();
    const { state, nonce } = createState(oauth.stateSecret, flow, this.clock.now());
    const url = new URL(this.config.slack.authorizeUrl);
    url.searchParams.set('client_id', oauth.clientId);
    url.searchParams.set('scope', flow === 'install' ? BOT_SCOPES.join(',') : '');
    url.searchParams.set('user_scope', flow === 'connect' ? USER_SCOPES.join(',') : '');
    url.searchParams.set('redirect_uri', this.redirectUri);
    url.searchParams.set('state', state);
    return { url: url.href, nonce };
  }

  /** The OAuth callback: checks state and browser binding, exchanges the code, stores tokens. */
  async completeOAuth(input: {
    code?: string;
    state?: string;
    error?: string;
    cookieNonce?: string;
  }): Promise<OAuthOutcome> {
    const oauth = this.requireOAuth();
    if (input.error)
      throw new DomainError('oauth_failed', `Slack did not authorize Pulsedesk: ${input.error}`);
    if (!input.code || !input.state)
      throw new DomainError('oauth_failed', 'The Slack callback is missing code or state');
    const state = verifyState(oauth.stateSecret, input.state, this.clock.now());
    if (typeof state === 'string')
      throw new DomainError(
        'oauth_failed',
        `The sign-in link is not valid (${state}); start again`,
      );
    if (!input.cookieNonce || input.cookieNonce !== state.nonce) {
      throw new DomainError(
        'oauth_failed',
        'This sign-in was started in another browser; start again from this one',
      );
    }
    let access;
    try {
      access = await this.gateway.oauthAccess({
        clientId: oauth.clientId,
        clientSecret: oauth.clientSecret,
        code: input.code,
        redirectUri: this.redirectUri,
      });
    } catch (err) {
      const reason =
        err instanceof SlackCallError ? (err.slackError ?? err.message) : 'Slack unreachable';
      throw new DomainError('oauth_failed', `Slack refused the sign-in (${reason}); start again`);
    }
    if (state.flow === 'install') {
      const allowed = this.config.slack.allowedTeams;
      if (allowed && !allowed.includes(access.team.id)) {
        throw new DomainError(
          'oauth_failed',
          'This Pulsedesk does not serve that Slack workspace (SLACK_ALLOWED_TEAMS); ask its operator',
        );
      }
      if (!access.access_token)
        throw new DomainError('oauth_failed', 'Slack returned no bot token');
      const workspace = await this.recordInstallation({
        slackTeamId: access.team.id,
        name: access.team.name,
        botToken: access.access_token,
        botUserId: access.bot_user_id ?? null,
        botScopes: access.scope ?? null,
        installedBySlackUserId: access.authed_user.id,
      });
      return { flow: 'install', workspace };
    }
    const userToken = access.authed_user.access_token;
    if (!userToken) throw new DomainError('oauth_failed', 'Slack returned no user token');
    const workspace = await this.workspaces.findBySlackTeamId(access.team.id);
    if (!workspace) {
      throw new DomainError(
        'oauth_failed',
        'Pulsedesk is not installed in this Slack workspace yet: ask an admin to install it first',
      );
    }
    await this.people.connectUserToken(
      workspace.id,
      access.authed_user.id,
      userToken,
      access.authed_user.scope ?? null,
    );
    return { flow: 'connect', workspace, slackUserId: access.authed_user.id };
  }

  /** Single-workspace mode: SLACK_BOT_TOKEN names the workspace through auth.test at boot. */
  async bootstrapSingleWorkspace(): Promise<WorkspaceEntity | undefined> {
    const botToken = this.config.slack.botToken;
    if (!this.config.slack.enabled || !botToken) return undefined;
    let identity;
    try {
      identity = await this.gateway.authTest(botToken);
    } catch (err) {
      if (err instanceof SlackCallError && err.kind === 'platform') {
        throw new Error(
          `SLACK_BOT_TOKEN was refused by Slack (${err.slackError}): check the token`,
        );
      }
      this.logger.warn(
        `Could not reach Slack to check SLACK_BOT_TOKEN (${(err as Error).message}); continuing with the stored installation`,
      );
      return undefined;
    }
    const existing = await this.workspaces.findBySlackTeamId(identity.team_id);
    if (existing && this.workspaces.botToken(existing) === botToken) return existing;
    return this.recordInstallation({
      slackTeamId: identity.team_id,
      name: identity.team,
      botToken,
      botUserId: identity.user_id,
      botScopes: null,
      installedBySlackUserId: null,
    });
  }

  /**
   * Stores the workspace's installation. Only the person who installs Pulsedesk into a workspace
   * for the first time becomes its admin: installing again (new scopes, a new token) refreshes
   * the token and imports people, and promotes nobody, whoever clicked Allow.
   */
  private async recordInstallation(
    installation: Parameters<WorkspacesService['saveInstallation']>[0],
  ): Promise<WorkspaceEntity> {
    const workspace = await this.txHost.withTransaction(async () => {
      const firstInstall = !(await this.workspaces.existsForSlackTeam(installation.slackTeamId));
      const saved = await this.workspaces.saveInstallation(installation);
      await this.people.queueSync(
        saved.id,
        firstInstall ? installation.installedBySlackUserId : null,
      );
      return saved;
    });
    this.logger.log({
      msg: 'workspace installed',
      workspaceId: workspace.id,
      team: workspace.slackTeamId,
    });
    return workspace;
  }

  private requireOAuth() {
    const oauth = this.config.slack.oauth;
    if (!oauth) {
      throw new DomainError(
        'slack_disabled',
        'Slack OAuth is off: set SLACK_CLIENT_ID, SLACK_CLIENT_SECRET and SLACK_STATE_SECRET',
      );
    }
    return oauth;
  }
}
