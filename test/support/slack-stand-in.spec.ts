import { createHmac } from 'node:crypto';
import { ErrorCode, WebClient } from '@slack/web-api';
import { quietSlackLogger as quietLogger } from './quiet-slack-logger';
import { SlackStandIn } from './slack-stand-in';
import {
  blockActionsPayload,
  eventBody,
  interactionBody,
  shortcutPayload,
  signSlackRequest,
  slashCommandBody,
  viewSubmissionPayload,
} from './slack-signing';

// Everything here drives the stand-in through the real WebClient so that what the app sees
// (errors, pagination, rate-limit handling) is what @slack/web-api makes of Slack's responses.

const T0 = Date.UTC(2025, 0, 15, 12, 0, 0);

interface SlackError {
  code: string;
  data?: { error?: string; response_metadata?: { messages?: string[] } };
  retryAfter?: number;
  statusCode?: number;
}

async function rejection(p: Promise<unknown>): Promise<SlackError> {
  try {
    await p;
  } catch (err) {
    return err as SlackError;
  }
  throw new Error('expected the call to fail');
}

describe('SlackStandIn', () => {
  let now: number;
  let slack: SlackStandIn;
  let botToken: string;
  let userToken: string;
  let botUserId: string;

  const client = (token?: string) =>
    new WebClient(token, {
      slackApiUrl: slack.apiUrl,
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
      logger: quietLogger,
    });
  const advance = (ms: number) => {
    now += ms;
  };

  beforeEach(async () => {
    now = T0;
    slack = await SlackStandIn.start({ now: () => now });
    slack.addTeam({ id: 'T1', name: 'Acme Support', domain: 'acme' });
    slack.addUser({
      id: 'U1',
      teamId: 'T1',
      name: 'ada',
      realName: 'Ada Lovelace',
      email: 'ada@acme.test',
      tz: 'Europe/London',
    });
    slack.addUser({ id: 'U2', teamId: 'T1', name: 'bob', email: 'bob@acme.test' });
    slack.addUser({ id: 'U3', teamId: 'T1', name: 'cy', isAdmin: true });
    slack.addUser({ id: 'U4', teamId: 'T1', name: 'gone', deleted: true });
    botToken = slack.issueBotToken('T1', { botUserId: 'UBOT1' });
    botUserId = 'UBOT1';
    userToken = slack.issueUserToken('T1', 'U1');
  });

  afterEach(async () => {
    await slack.stop();
  });

  describe('auth', () => {
    it('auth.test answers with Slack’s shape for bot and user tokens', async () => {
      const bot = await client(botToken).auth.test();
      expect(bot).toMatchObject({
        ok: true,
        url: 'https://acme.slack.com/',
        team: 'Acme Support',
        user: 'pulsedesk',
        team_id: 'T1',
        user_id: botUserId,
        bot_id: expect.stringMatching(/^B[A-Z0-9]+$/),
        is_enterprise_install: false,
      });
      // Scopes reach WebClient through X-OAuth-Scopes, not the body.
      expect(bot.response_metadata?.scopes).toContain('chat:write');

      const user = await client(userToken).auth.test();
      expect(user).toMatchObject({ ok: true, user: 'ada', user_id: 'U1', team_id: 'T1' });
      expect(user.bot_id).toBeUndefined();
    });

    it('surfaces not_authed, invalid_auth and token_revoked as platform errors', async () => {
      const none = await rejection(client().auth.test());
      expect(none.code).toBe(ErrorCode.PlatformError);
      expect(none.code).toBe('slack_webapi_platform_error');
      expect(none.data?.error).toBe('not_authed');

      const bad = await rejection(client('xoxb-1-2-nope').users.list({}));
      expect(bad.code).toBe('slack_webapi_platform_error');
      expect(bad.data?.error).toBe('invalid_auth');

      slack.revokeToken(botToken);
      const revoked = await rejection(client(botToken).auth.test());
      expect(revoked.data?.error).toBe('token_revoked');
    });

    it('ignores a token inside a JSON body, as Slack does, but takes the Bearer header', async () => {
      const post = (headers: Record<string, string>) =>
        fetch(`${slack.apiUrl}auth.test`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', ...headers },
          body: JSON.stringify({ token: botToken }),
        }).then(async (r) => ({
          status: r.status,
          type: r.headers.get('content-type'),
          body: await r.json(),
        }));

      expect((await post({})).body).toMatchObject({ ok: false, error: 'not_authed' });
      const ok = await post({ Authorization: `Bearer ${botToken}` });
      expect(ok.status).toBe(200);
      expect(ok.type).toBe('application/json; charset=utf-8');
      expect(ok.body).toMatchObject({ ok: true, user_id: botUserId, warning: 'missing_charset' });
    });

    it('answers unknown methods with HTTP 404 unknown_method', async () => {
      const res = await fetch(`${slack.apiUrl}nope.never`, { method: 'POST' });
      expect(res.status).toBe(404);
      expect(await res.json()).toMatchObject({ ok: false, error: 'unknown_method' });
    });
  });

  describe('users', () => {
    it('paginates users.list with opaque cursors, ending with an empty next_cursor', async () => {
      // 4 seeded people + the bot user + USLACKBOT = 6 members = 3 pages of 2.
      const pages: Array<{
        members?: Array<{ id?: string }>;
        response_metadata?: { next_cursor?: string };
      }> = [];
      for await (const page of client(botToken).paginate('users.list', { limit: 2 })) {
        pages.push(page);
      }
      expect(pages.map((p) => p.members?.length)).toEqual([2, 2, 2]);
      expect(pages.map((p) => p.response_metadata?.next_cursor === '')).toEqual([
        false,
        false,
        true,
      ]);
      const ids = pages.flatMap((p) => p.members!.map((m) => m.id));
      expect(ids).toEqual(expect.arrayContaining(['U1', 'U2', 'U3', 'U4', 'UBOT1', 'USLACKBOT']));
      expect(slack.calls('users.list')).toHaveLength(3);
      expect(slack.calls('users.list')[1].params).toMatchObject({ limit: '2' });
    });

    it('returns full user objects, hiding email without users:read.email', async () => {
      const { members } = await client(botToken).users.list({ limit: 100 });
      const ada = members!.find((m) => m.id === 'U1')!;
      expect(ada).toMatchObject({
        id: 'U1',
        team_id: 'T1',
        name: 'ada',
        deleted: false,
        real_name: 'Ada Lovelace',
        tz: 'Europe/London',
        tz_label: 'Greenwich Mean Time',
        tz_offset: 0,
        is_bot: false,
        is_admin: false,
        is_app_user: false,
        profile: {
          real_name: 'Ada Lovelace',
          display_name: '',
          email: 'ada@acme.test',
          status_text: '',
          status_emoji: '',
          status_expiration: 0,
          image_72: expect.stringMatching(/^https:\/\//),
        },
      });
      expect(members!.find((m) => m.id === 'U4')?.deleted).toBe(true);
      expect(members!.find((m) => m.id === 'USLACKBOT')).toMatchObject({
        is_bot: false,
        name: 'slackbot',
      });
      expect(members!.find((m) => m.id === 'UBOT1')?.is_bot).toBe(true);

      const narrow = slack.issueBotToken('T1', { scopes: ['users:read'] });
      const info = await client(narrow).users.info({ user: 'U1' });
      expect(info.user?.profile?.email).toBeUndefined();
    });

    it('rejects a forged cursor and an unknown user', async () => {
      const bad = await rejection(client(botToken).users.list({ cursor: 'bm9wZQ==' }));
      expect(bad.data?.error).toBe('invalid_cursor');
      const missing = await rejection(client(botToken).users.info({ user: 'UNOPE' }));
      expect(missing.data?.error).toBe('user_not_found');
    });

    it('needs the scope Slack needs', async () => {
      const token = slack.issueBotToken('T1', { scopes: ['chat:write'] });
      const err = await rejection(client(token).users.list({}));
      expect(err.data).toMatchObject({ error: 'missing_scope', needed: 'users:read' });
    });
  });

  describe('rate limits and faults', () => {
    it('rate-limits per method per workspace and clears after Retry-After', async () => {
      slack.addTeam({ id: 'T2', name: 'Other' });
      slack.addUser({ id: 'U9', teamId: 'T2', name: 'vic' });
      const otherBot = slack.issueBotToken('T2');
      slack.setRateLimit('chat.postMessage', { perMinute: 2 });
      const post = (token: string, channel: string) =>
        client(token).chat.postMessage({ channel, text: 'hi' });

      await post(botToken, 'U1');
      advance(10_000);
      await post(botToken, 'U2');
      const limited = await rejection(post(botToken, 'U1'));
      expect(limited.code).toBe(ErrorCode.RateLimitedError);
      expect(limited.code).toBe('slack_webapi_rate_limited_error');
      expect(limited.retryAfter).toBe(50); // the first call leaves the 60 s window in 50 s

      // Another workspace, and another method, have their own budgets.
      await expect(post(otherBot, 'U9')).resolves.toMatchObject({ ok: true });
      await expect(client(botToken).auth.test()).resolves.toMatchObject({ ok: true });
      expect(slack.rateLimitViolations()).toEqual([]);

      advance(50_000);
      await expect(post(botToken, 'U1')).resolves.toMatchObject({ ok: true });
      expect(slack.rateLimitViolations()).toEqual([]);
    });

    it('lists calls that ignored an announced Retry-After', async () => {
      slack.setRateLimit('users.info', { perMinute: 1, retryAfterSeconds: 30 });
      const info = () => client(botToken).users.info({ user: 'U1' });
      await info();
      expect((await rejection(info())).retryAfter).toBe(30);

      advance(29_000);
      const early = await rejection(info());
      expect(early.code).toBe('slack_webapi_rate_limited_error');
      expect(early.retryAfter).toBe(1);
      expect(slack.rateLimitViolations()).toEqual([
        expect.objectContaining({
          method: 'users.info',
          teamId: 'T1',
          at: T0 + 29_000,
          retryAfterUntil: T0 + 30_000,
        }),
      ]);

      advance(1_000);
      await expect(info()).resolves.toMatchObject({ ok: true });
      expect(slack.rateLimitViolations()).toHaveLength(1);
    });

    it('enforces a hidden token bucket: the burst at once, then its rate, with the Retry-After to the next token', async () => {
      slack.setHiddenLimit('users.info', { perMinute: 30, burst: 3 });
      const info = () => client(botToken).users.info({ user: 'U1' });
      for (let i = 0; i < 3; i++) await expect(info()).resolves.toMatchObject({ ok: true });
      const refused = await rejection(info());
      expect(refused.code).toBe('slack_webapi_rate_limited_error');
      expect(refused.retryAfter).toBe(2); // a token every 2 s
      advance(2_000);
      await expect(info()).resolves.toMatchObject({ ok: true });
      // Inside the next Retry-After, a call sent after the 429 was answered is a violation.
      expect((await rejection(info())).retryAfter).toBe(2);
      advance(1_000);
      await rejection(info());
      expect(slack.rateLimitViolations()).toEqual([
        expect.objectContaining({ method: 'users.info', at: T0 + 3_000 }),
      ]);
      advance(1_000);
      await expect(info()).resolves.toMatchObject({ ok: true });
    });

    it('does not count calls already on their way when the 429 was answered as violations', async () => {
      slack.setHiddenLimit('users.info', { perMinute: 60, burst: 2 });
      slack.setInFlightAllowance(1_000);
      const results = await Promise.allSettled(
        Array.from({ length: 8 }, () => client(botToken).users.info({ user: 'U1' })),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(2);
      expect(slack.calls('users.info').filter((c) => c.status === 429)).toHaveLength(6);
      expect(slack.rateLimitViolations()).toEqual([]);
      expect(slack.refusedWhileInFlight()).toHaveLength(5);
    });

    it('injects HTTP failures, platform errors and 429s for the next N calls', async () => {
      slack.failNext('users.info', { status: 500 });
      const http = await rejection(client(botToken).users.info({ user: 'U1' }));
      expect(http.code).toBe(ErrorCode.HTTPError);
      expect(http.code).toBe('slack_webapi_http_error');
      expect(http.statusCode).toBe(500);

      slack.failNext('users.info', { error: 'fatal_error' }, 2);
      for (let i = 0; i < 2; i++) {
        expect((await rejection(client(botToken).users.info({ user: 'U1' }))).data?.error).toBe(
          'fatal_error',
        );
      }

      slack.failNext('users.info', { retryAfter: 7 });
      expect((await rejection(client(botToken).users.info({ user: 'U1' }))).retryAfter).toBe(7);
      advance(7_000);
      await expect(client(botToken).users.info({ user: 'U1' })).resolves.toMatchObject({
        ok: true,
      });
      expect(slack.calls('users.info').map((c) => c.status)).toEqual([500, 200, 200, 429, 200]);
    });
  });

  describe('profile and DND (user-token features)', () => {
    it('round-trips a status through users.profile.set/get and expires it on Slack’s side', async () => {
      const expiration = T0 / 1000 + 3600;
      const set = await client(userToken).users.profile.set({
        profile: {
          status_text: 'Focus time',
          status_emoji: ':headphones:',
          status_expiration: expiration,
        },
      });
      expect(set.profile).toMatchObject({
        status_text: 'Focus time',
        status_emoji: ':headphones:',
      });
      const got = await client(userToken).users.profile.get({});
      expect(got.profile).toMatchObject({
        status_text: 'Focus time',
        status_emoji: ':headphones:',
        status_expiration: expiration,
        real_name: 'Ada Lovelace',
        email: 'ada@acme.test',
      });
      expect(slack.user('U1')?.profile.status_text).toBe('Focus time');

      advance(3600_000);
      expect(slack.user('U1')?.profile).toMatchObject({
        status_text: '',
        status_emoji: '',
        status_expiration: 0,
      });
    });

    it('refuses bot tokens, other users and over-long statuses', async () => {
      const asBot = await rejection(
        client(botToken).users.profile.set({ user: 'U1', profile: { status_text: 'x' } }),
      );
      expect(asBot.data?.error).toBe('not_allowed_token_type');
      const other = await rejection(
        client(userToken).users.profile.set({ user: 'U2', profile: { status_text: 'x' } }),
      );
      expect(other.data?.error).toBe('not_admin');
      const admin = slack.issueUserToken('T1', 'U3');
      await expect(
        client(admin).users.profile.set({ user: 'U2', profile: { status_text: 'set by admin' } }),
      ).resolves.toMatchObject({ ok: true });
      expect(slack.user('U2')?.profile.status_text).toBe('set by admin');
      const long = await rejection(
        client(userToken).users.profile.set({ profile: { status_text: 'x'.repeat(101) } }),
      );
      expect(long.data?.error).toBe('too_long');
    });

    it('snoozes and ends the snooze; bot tokens are not allowed', async () => {
      const set = await client(userToken).dnd.setSnooze({ num_minutes: 30 });
      expect(set).toMatchObject({
        ok: true,
        snooze_enabled: true,
        snooze_endtime: T0 / 1000 + 1800,
        snooze_remaining: 1800,
        snooze_is_indefinite: false,
      });
      advance(600_000);
      expect(await client(userToken).dnd.info({})).toMatchObject({
        snooze_enabled: true,
        snooze_remaining: 1200,
        dnd_enabled: true,
      });
      // Another caller sees the schedule but no snooze_* fields.
      const seenByBot = await client(botToken).dnd.info({ user: 'U1' });
      expect(seenByBot).not.toHaveProperty('snooze_enabled');
      expect(seenByBot).toMatchObject({ dnd_enabled: true, next_dnd_start_ts: expect.any(Number) });

      const ended = await client(userToken).dnd.endSnooze();
      expect(ended).toMatchObject({ ok: true, snooze_enabled: false, dnd_enabled: true });
      expect(slack.user('U1')?.dnd.snoozeEndtime).toBeNull();
      expect((await rejection(client(userToken).dnd.endSnooze())).data?.error).toBe(
        'snooze_not_active',
      );
      expect(
        (await rejection(client(botToken).dnd.setSnooze({ num_minutes: 5 }))).data?.error,
      ).toBe('not_allowed_token_type');
    });
  });

  describe('messages', () => {
    it('opens a stable DM, posts, updates and keeps the latest version', async () => {
      const web = client(botToken);
      const open1 = await web.conversations.open({ users: 'U1' });
      const open2 = await web.conversations.open({ users: 'U1' });
      expect(open1.channel?.id).toMatch(/^D/);
      expect(open2).toMatchObject({ channel: { id: open1.channel?.id }, already_open: true });

      const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: '*Pulse*' } }];
      const posted = await web.chat.postMessage({ channel: 'U1', text: 'Pulse', blocks });
      expect(posted).toMatchObject({
        ok: true,
        channel: open1.channel?.id,
        ts: expect.stringMatching(/^\d{10}\.\d{6}$/),
        message: { type: 'message', text: 'Pulse', user: botUserId, bot_id: expect.any(String) },
      });
      // Slack fills in block_ids it was not given.
      expect(posted.message?.blocks?.[0]).toMatchObject({
        ...blocks[0],
        block_id: expect.any(String),
      });

      const updated = await web.chat.update({
        channel: posted.channel!,
        ts: posted.ts!,
        text: 'Pulse (closed)',
      });
      expect(updated).toMatchObject({ ok: true, ts: posted.ts, text: 'Pulse (closed)' });
      expect(slack.messages(open1.channel?.id)).toEqual([
        expect.objectContaining({
          text: 'Pulse (closed)',
          blocks: [expect.objectContaining({ type: 'section' })],
        }),
      ]);

      const notFound = await rejection(
        web.chat.update({ channel: posted.channel!, ts: '1.000001', text: 'x' }),
      );
      expect(notFound.data?.error).toBe('message_not_found');
      const notMine = await rejection(
        client(slack.issueUserToken('T1', 'U1', ['chat:write'])).chat.update({
          channel: posted.channel!,
          ts: posted.ts!,
          text: 'x',
        }),
      );
      expect(notMine.data?.error).toBe('cant_update_message');

      // Deleted by a person in Slack: the message is gone, and updating it says so.
      expect(slack.deleteMessage(posted.channel!, posted.ts!)).toBe(true);
      expect(slack.messages(open1.channel?.id)).toEqual([]);
      const gone = await rejection(
        web.chat.update({ channel: posted.channel!, ts: posted.ts!, text: 'x' }),
      );
      expect(gone.data?.error).toBe('message_not_found');
    });

    it('rejects unknown channels and stores ephemerals', async () => {
      const web = client(botToken);
      expect(
        (await rejection(web.chat.postMessage({ channel: 'C404', text: 'x' }))).data?.error,
      ).toBe('channel_not_found');
      slack.addChannel('T1', 'C1', 'support');
      const res = await web.chat.postEphemeral({ channel: 'C1', user: 'U2', text: 'only you' });
      expect(res).toMatchObject({ ok: true, message_ts: expect.any(String) });
      expect(slack.ephemerals('C1')).toEqual([
        expect.objectContaining({ user: 'U2', text: 'only you', message_ts: res.message_ts }),
      ]);
    });
  });

  describe('views', () => {
    const modal = (title = 'Pulse survey') => ({
      type: 'modal' as const,
      callback_id: 'pulse',
      private_metadata: '{"surveyId":1}',
      title: { type: 'plain_text' as const, text: title },
      submit: { type: 'plain_text' as const, text: 'Send' },
      blocks: [
        {
          type: 'input',
          block_id: 'q1',
          label: { type: 'plain_text', text: 'How?' },
          element: { type: 'plain_text_input', action_id: 'a' },
        },
      ],
    });

    it('opens a modal with a fresh trigger, once; expired and unknown triggers fail', async () => {
      const web = client(botToken);
      const stale = slack.issueTriggerId();
      advance(4_000);
      expect(
        (await rejection(web.views.open({ trigger_id: stale, view: modal() }))).data?.error,
      ).toBe('expired_trigger_id');

      const trigger = slack.issueTriggerId({ userId: 'U1' });
      const opened = await web.views.open({ trigger_id: trigger, view: modal() });
      expect(opened.view).toMatchObject({
        id: expect.stringMatching(/^V/),
        team_id: 'T1',
        type: 'modal',
        title: { type: 'plain_text', text: 'Pulse survey' },
        callback_id: 'pulse',
        private_metadata: '{"surveyId":1}',
        state: { values: {} },
        hash: expect.any(String),
        blocks: [expect.objectContaining({ block_id: 'q1' })],
      });
      expect(slack.openedViews()).toEqual([expect.objectContaining({ userId: 'U1' })]);

      const again = await rejection(web.views.open({ trigger_id: trigger, view: modal() }));
      expect(again.data?.error).toBe('exchanged_trigger_id');
      const unknown = await rejection(web.views.open({ trigger_id: '1.2.abc', view: modal() }));
      expect(unknown.data?.error).toBe('invalid_trigger_id');
    });

    it('validates views like Slack and guards updates with the hash', async () => {
      const web = client(botToken);
      const tooLong = await rejection(
        web.views.open({
          trigger_id: slack.issueTriggerId(),
          view: modal('A title that is far too long'),
        }),
      );
      expect(tooLong.data?.error).toBe('invalid_arguments');
      expect(tooLong.data?.response_metadata?.messages?.[0]).toContain('/view/title/text');

      const { view } = await web.views.open({ trigger_id: slack.issueTriggerId(), view: modal() });
      const updated = await web.views.update({
        view_id: view!.id!,
        hash: view!.hash,
        view: modal('Thanks'),
      });
      expect(updated.view).toMatchObject({ id: view!.id, title: { text: 'Thanks' } });
      expect(updated.view?.hash).not.toBe(view!.hash);
      const conflict = await rejection(
        web.views.update({ view_id: view!.id!, hash: view!.hash, view: modal() }),
      );
      expect(conflict.data?.error).toBe('hash_conflict');
      expect(
        (await rejection(web.views.update({ view_id: 'VNOPE', view: modal() }))).data?.error,
      ).toBe('not_found');
    });

    it('publishes App Home per user', async () => {
      const home = {
        type: 'home' as const,
        blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'Hi' } }],
      };
      const res = await client(botToken).views.publish({ user_id: 'U2', view: home });
      expect(res.view).toMatchObject({ type: 'home', team_id: 'T1' });
      expect(slack.homeView('U2')).toMatchObject({ id: res.view?.id, type: 'home' });
    });
  });

  describe('OAuth v2', () => {
    const clientId = '1111.2222';
    const clientSecret = 'shh';
    const redirectUri = 'https://pulse.example/slack/oauth_redirect';

    const authorize = async (params: Record<string, string>) => {
      const res = await fetch(`${slack.authorizeUrl}?${new URLSearchParams(params)}`, {
        redirect: 'manual',
      });
      expect(res.status).toBe(302);
      return new URL(res.headers.get('location')!);
    };

    beforeEach(() => {
      slack.setOAuthApp({ clientId, clientSecret });
      slack.setAuthorizingUser('T1', 'U2');
    });

    it('redirects with a one-time code that oauth.v2.access exchanges for tokens', async () => {
      const back = await authorize({
        client_id: clientId,
        scope: 'chat:write,users:read',
        user_scope: 'users.profile:write,dnd:write',
        redirect_uri: redirectUri,
        state: 'st4te',
      });
      expect(`${back.origin}${back.pathname}`).toBe(redirectUri);
      expect(back.searchParams.get('state')).toBe('st4te');
      const code = back.searchParams.get('code')!;

      const res = await client().oauth.v2.access({
        client_id: clientId,
        client_secret: clientSecret,
        code,
        redirect_uri: redirectUri,
      });
      expect(res).toMatchObject({
        ok: true,
        app_id: expect.stringMatching(/^A/),
        access_token: expect.stringMatching(/^xoxb-/),
        token_type: 'bot',
        scope: expect.stringContaining('chat:write'),
        bot_user_id: botUserId,
        team: { id: 'T1', name: 'Acme Support' },
        enterprise: null,
        is_enterprise_install: false,
        authed_user: {
          id: 'U2',
          scope: 'users.profile:write,dnd:write',
          access_token: expect.stringMatching(/^xoxp-/),
          token_type: 'user',
        },
      });
      await expect(
        client(res.authed_user!.access_token).dnd.setSnooze({ num_minutes: 5 }),
      ).resolves.toMatchObject({
        ok: true,
      });

      const reused = await rejection(
        client().oauth.v2.access({
          client_id: clientId,
          client_secret: clientSecret,
          code,
          redirect_uri: redirectUri,
        }),
      );
      expect(reused.data?.error).toBe('invalid_code');
    });

    it('accepts HTTP Basic client credentials and omits user tokens when no user_scope was asked', async () => {
      const back = await authorize({
        client_id: clientId,
        scope: 'commands',
        redirect_uri: redirectUri,
      });
      const res = await fetch(`${slack.apiUrl}oauth.v2.access`, {
        method: 'POST',
        headers: {
          Authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`,
          'Content-Type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({
          code: back.searchParams.get('code')!,
          redirect_uri: redirectUri,
        }).toString(),
      });
      const body = (await res.json()) as {
        access_token: string;
        scope: string;
        authed_user: { access_token?: string };
      };
      expect(body).toMatchObject({ ok: true, token_type: 'bot', authed_user: { id: 'U2' } });
      expect(body.authed_user.access_token).toBeUndefined();
      // The workspace already had the bot installed: Slack hands back the same token, widened.
      expect(body.access_token).toBe(botToken);
      expect(body.scope.split(',')).toEqual(expect.arrayContaining(['commands', 'chat:write']));
    });

    it('reports bad client, secret, redirect_uri and expired codes', async () => {
      const unknown = await authorize({
        client_id: 'nope',
        scope: 'chat:write',
        redirect_uri: redirectUri,
        state: 's',
      });
      expect(unknown.searchParams.get('error')).toBe('invalid_client_id');
      slack.setAuthorizingUser('T1', 'U2', { approve: false });
      const cancelled = await authorize({
        client_id: clientId,
        scope: 'chat:write',
        redirect_uri: redirectUri,
      });
      expect(cancelled.searchParams.get('error')).toBe('access_denied');
      slack.setAuthorizingUser('T1', 'U2');

      const code = (
        await authorize({ client_id: clientId, scope: 'chat:write', redirect_uri: redirectUri })
      ).searchParams.get('code')!;
      const access = (params: {
        client_id: string;
        client_secret: string;
        redirect_uri?: string;
      }) => rejection(client().oauth.v2.access({ code, ...params }));
      expect((await access({ client_id: 'nope', client_secret: clientSecret })).data?.error).toBe(
        'invalid_client_id',
      );
      expect((await access({ client_id: clientId, client_secret: 'wrong' })).data?.error).toBe(
        'bad_client_secret',
      );
      expect(
        (
          await access({
            client_id: clientId,
            client_secret: clientSecret,
            redirect_uri: 'https://evil.example/',
          })
        ).data?.error,
      ).toBe('bad_redirect_uri');
      advance(10 * 60_000);
      expect(
        (
          await access({
            client_id: clientId,
            client_secret: clientSecret,
            redirect_uri: redirectUri,
          })
        ).data?.error,
      ).toBe('invalid_code');
    });
  });

  describe('response_url sink', () => {
    it('stores what is POSTed to a response_url', async () => {
      const url = slack.responseUrl();
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ text: 'Thanks!', response_type: 'ephemeral' }),
      });
      expect(res.status).toBe(200);
      const id = url.split('/').pop()!;
      expect(slack.responses(id)).toEqual([
        expect.objectContaining({ id, body: { text: 'Thanks!', response_type: 'ephemeral' } }),
      ]);
    });
  });
});

describe('slack-signing', () => {
  it('matches the signature example from Slack’s docs', () => {
    const body =
      'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
    expect(signSlackRequest(body, '8f742231b10e8888abcd99yyyzzz85a5', 1531420618)).toEqual({
      'x-slack-signature': 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503',
      'x-slack-request-timestamp': '1531420618',
    });
  });

  it('signs any body as an independent HMAC would', () => {
    const body = slashCommandBody({
      command: '/pulse',
      text: 'new survey',
      userId: 'U1',
      teamId: 'T1',
    });
    const expected = createHmac('sha256', 'secret').update(`v0:1700000000:${body}`).digest('hex');
    expect(signSlackRequest(body, 'secret', 1700000000)['x-slack-signature']).toBe(
      `v0=${expected}`,
    );
  });

  it('builds a slash command form body with Slack’s fields in Slack’s order', () => {
    const body = slashCommandBody({
      command: '/pulse',
      text: 'status 30m',
      userId: 'U1',
      teamId: 'T1',
      triggerId: '1.2.abc',
      responseUrl: 'http://127.0.0.1/response/x',
    });
    expect(body).toContain('command=%2Fpulse&text=status+30m');
    expect([...new URLSearchParams(body).keys()]).toEqual([
      'token',
      'team_id',
      'team_domain',
      'channel_id',
      'channel_name',
      'user_id',
      'user_name',
      'command',
      'text',
      'api_app_id',
      'is_enterprise_install',
      'response_url',
      'trigger_id',
    ]);
  });

  it('builds interaction payloads and event envelopes', () => {
    const actions = blockActionsPayload({
      userId: 'U1',
      teamId: 'T1',
      actionId: 'vote',
      value: '5',
    });
    const decoded = JSON.parse(new URLSearchParams(interactionBody(actions)).get('payload')!);
    expect(decoded).toMatchObject({
      type: 'block_actions',
      team: { id: 'T1' },
      user: { id: 'U1', team_id: 'T1' },
      actions: [{ action_id: 'vote', value: '5', type: 'button' }],
      container: { type: 'message' },
    });
    expect(
      viewSubmissionPayload({
        userId: 'U1',
        teamId: 'T1',
        callbackId: 'pulse',
        values: { q: { a: { type: 'plain_text_input', value: 'ok' } } },
      }),
    ).toMatchObject({
      type: 'view_submission',
      view: { callback_id: 'pulse', state: { values: { q: { a: { value: 'ok' } } } } },
    });
    expect(
      shortcutPayload({ userId: 'U1', teamId: 'T1', callbackId: 'go', triggerId: '1.2.3' }),
    ).toMatchObject({
      type: 'shortcut',
      callback_id: 'go',
      trigger_id: '1.2.3',
    });
    expect(
      JSON.parse(eventBody({ teamId: 'T1', event: { type: 'app_home_opened', user: 'U1' } })),
    ).toMatchObject({
      type: 'event_callback',
      team_id: 'T1',
      event: { type: 'app_home_opened' },
      event_id: expect.stringMatching(/^Ev/),
      authorizations: [{ team_id: 'T1', is_bot: true }],
    });
  });
});
