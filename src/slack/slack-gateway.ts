/**
 * The one place that calls the Slack Web API. Everything outgoing (bot messages, views, the
 * agents' own status and DND, OAuth exchanges) goes through here, at SLACK_API_URL.
 *
 * The WebClient's own retries are off: a 429 or 5xx becomes a SlackCallError at once, and the
 * caller decides. Jobs reschedule through the queue (which replicas share), so one process
 * never sits on a retry another replica could not see.
 */
import { Inject, Injectable } from '@nestjs/common';
import { ErrorCode, LogLevel, WebAPICallResult, WebClient } from '@slack/web-api';
import type { AppConfig } from '../config/config';
import { APP_CONFIG } from '../config/config.module';
import { SlackCallError } from './slack-call.error';

export interface SlackUser {
  id: string;
  team_id?: string;
  name: string;
  deleted?: boolean;
  is_bot?: boolean;
  is_app_user?: boolean;
  real_name?: string;
  tz?: string;
  tz_offset?: number;
  profile?: { real_name?: string; display_name?: string; email?: string };
}

export interface SlackProfileStatus {
  status_text: string;
  status_emoji: string;
  status_expiration: number;
}

export interface OAuthAccessResult {
  team: { id: string; name: string };
  access_token?: string;
  bot_user_id?: string;
  scope?: string;
  authed_user: { id: string; access_token?: string; scope?: string };
}

/** Calls in flight at once through the gateway (thousands of focus syncs can start at 9:00). */
const MAX_CONCURRENT_CALLS = 256;

@Injectable()
export class SlackGateway {
  /**
   * One client for every token: the token goes with each call. A client per token (each with
   * its own request queue) was thrashed by thousands of agents' user tokens.
   */
  private readonly client: WebClient;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.client = new WebClient(undefined, {
      ...this.clientOptions(),
      maxRequestConcurrency: MAX_CONCURRENT_CALLS,
    });
  }

  /** Options every WebClient of the app uses, Bolt's included. */
  clientOptions() {
    return {
      slackApiUrl: this.config.slack.apiUrl,
      rejectRateLimitedCalls: true,
      retryConfig: { retries: 0 },
      timeout: 10_000,
      logLevel: LogLevel.ERROR,
    };
  }

  async call<T extends WebAPICallResult>(
    token: string | undefined,
    method: string,
    params: Record<string, unknown> = {},
  ): Promise<T> {
    try {
      return (await this.client.apiCall(method, token ? { ...params, token } : params)) as T;
    } catch (err) {
      throw toSlackCallError(method, err);
    }
  }

  authTest(token: string) {
    return this.call<
      WebAPICallResult & { team_id: string; team: string; user_id: string; bot_id?: string }
    >(token, 'auth.test');
  }

  listUsersPage(botToken: string, cursor: string | undefined, limit = 200) {
    return this.call<
      WebAPICallResult & { members: SlackUser[]; response_metadata?: { next_cursor?: string } }
    >(botToken, 'users.list', { limit, ...(cursor ? { cursor } : {}) });
  }

  async userInfo(botToken: string, slackUserId: string): Promise<SlackUser> {
    const result = await this.call<WebAPICallResult & { user: SlackUser }>(botToken, 'users.info', {
      user: slackUserId,
    });
    return result.user;
  }

  async openDm(botToken: string, slackUserId: string): Promise<string> {
    const result = await this.call<WebAPICallResult & { channel: { id: string } }>(
      botToken,
      'conversations.open',
      { users: slackUserId },
    );
    return result.channel.id;
  }

  postMessage(botToken: string, message: { channel: string; text: string; blocks?: unknown[] }) {
    return this.call<WebAPICallResult & { channel: string; ts: string }>(
      botToken,
      'chat.postMessage',
      message,
    );
  }

  updateMessage(
    botToken: string,
    message: { channel: string; ts: string; text: string; blocks?: unknown[] },
  ) {
    return this.call(botToken, 'chat.update', message);
  }

  postEphemeral(
    botToken: string,
    message: { channel: string; user: string; text: string; blocks?: unknown[] },
  ) {
    return this.call(botToken, 'chat.postEphemeral', message);
  }

  openView(botToken: string, triggerId: string, view: object) {
    return this.call<WebAPICallResult & { view: { id: string } }>(botToken, 'views.open', {
      trigger_id: triggerId,
      view,
    });
  }

  publishHome(botToken: string, slackUserId: string, view: object) {
    return this.call(botToken, 'views.publish', { user_id: slackUserId, view });
  }

  async getProfileStatus(userToken: string): Promise<SlackProfileStatus> {
    const result = await this.call<WebAPICallResult & { profile: Partial<SlackProfileStatus> }>(
      userToken,
      'users.profile.get',
    );
    return {
      status_text: result.profile.status_text ?? '',
      status_emoji: result.profile.status_emoji ?? '',
      status_expiration: result.profile.status_expiration ?? 0,
    };
  }

  setProfileStatus(userToken: string, status: SlackProfileStatus) {
    return this.call(userToken, 'users.profile.set', { profile: status });
  }

  setSnooze(userToken: string, minutes: number) {
    return this.call(userToken, 'dnd.setSnooze', { num_minutes: minutes });
  }

  endSnooze(userToken: string) {
    return this.call(userToken, 'dnd.endSnooze');
  }

  oauthAccess(input: {
    clientId: string;
    clientSecret: string;
    code: string;
    redirectUri: string;
  }) {
    return this.call<WebAPICallResult & OAuthAccessResult>(undefined, 'oauth.v2.access', {
      client_id: input.clientId,
      client_secret: input.clientSecret,
      code: input.code,
      redirect_uri: input.redirectUri,
    });
  }
}

export function toSlackCallError(method: string, err: unknown): SlackCallError {
  const e = err as {
    code?: string;
    retryAfter?: number;
    data?: { error?: string };
    statusCode?: number;
  };
  switch (e.code) {
    case ErrorCode.RateLimitedError:
      return new SlackCallError(method, 'rate_limited', 'ratelimited', e.retryAfter ?? 1);
    case ErrorCode.PlatformError:
      return new SlackCallError(method, 'platform', e.data?.error ?? 'unknown_error');
    case ErrorCode.HTTPError:
      return new SlackCallError(method, 'transient', 'http_error', undefined, e.statusCode);
    default:
      return new SlackCallError(method, 'transient', (err as Error)?.message ?? 'request_failed');
  }
}
