import { SocketModeClient } from '@slack/socket-mode';
import { WebClient } from '@slack/web-api';
import WebSocket from 'ws';
import { eventually } from './eventually';
import { quietSlackLogger as quiet } from './quiet-slack-logger';
import { SlackStandIn } from './slack-stand-in';
import { blockActionsPayload, TEST_APP_ID } from './slack-signing';

// The Socket Mode side of the stand-in, driven by a bare WebSocket where a test needs to hold
// an ack back, and by @slack/socket-mode's own client to show it understands what is sent.

const TEAM = 'T0SOCKET1';

interface Frame {
  type: string;
  envelope_id?: string;
  payload?: Record<string, unknown>;
  accepts_response_payload?: boolean;
  retry_attempt?: number;
  retry_reason?: string;
  reason?: string;
  num_connections?: number;
  connection_info?: { app_id: string };
}

/** A bare client: every frame it receives, in order. */
async function connect(url: string): Promise<{ ws: WebSocket; frames: Frame[] }> {
  const ws = new WebSocket(url);
  const frames: Frame[] = [];
  ws.on('message', (data) => frames.push(JSON.parse(String(data)) as Frame));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return { ws, frames };
}

describe('SlackStandIn Socket Mode', () => {
  let slack: SlackStandIn;
  let appToken: string;
  const sockets: WebSocket[] = [];

  const open = async () => {
    const { url } = (await new WebClient(appToken, {
      slackApiUrl: slack.apiUrl,
    }).apps.connections.open({})) as { url: string };
    const client = await connect(url);
    sockets.push(client.ws);
    await eventually(() => client.frames.find((f) => f.type === 'hello'), { what: 'hello' });
    return client;
  };

  beforeEach(async () => {
    slack = await SlackStandIn.start({ socketMode: { ackTimeoutMs: 300 } });
    slack.addTeam({ id: TEAM, name: 'Socket Co' });
    slack.addUser({ id: 'U0SOCK001', teamId: TEAM, name: 'ana' });
    appToken = slack.issueAppToken();
  });

  afterEach(async () => {
    for (const ws of sockets.splice(0)) ws.terminate();
    await slack.stop();
  });

  describe('apps.connections.open', () => {
    type Opened = { ok: boolean; url?: string; error?: string };
    const call = (token?: string): Promise<Opened> =>
      new WebClient(token, {
        slackApiUrl: slack.apiUrl,
        retryConfig: { retries: 0 },
        logger: quiet,
      }).apps.connections
        .open({})
        .then(
          (r) => r as Opened,
          (err: { data?: { error?: string } }) => ({ ok: false, error: err.data?.error }),
        );

    it('hands an app-level token a single-use ws:// URL on the stand-in', async () => {
      const result = await call(appToken);
      expect(result.ok).toBe(true);
      expect(result.url).toMatch(
        new RegExp(
          `^ws://127\\.0\\.0\\.1:\\d+/link/\\?ticket=[0-9a-f-]{36}&app_id=${TEST_APP_ID}$`,
        ),
      );
      expect(appToken).toMatch(new RegExp(`^xapp-1-${TEST_APP_ID}-\\d{13}-[0-9a-f]{64}$`));
    });

    it('refuses what Slack refuses: other token types, unknown, revoked, none, no scope', async () => {
      expect(await call(slack.issueBotToken(TEAM))).toEqual({
        ok: false,
        error: 'not_allowed_token_type',
      });
      expect(await call('xapp-1-A0-1-nonsense')).toEqual({ ok: false, error: 'invalid_auth' });
      expect(await call()).toEqual({ ok: false, error: 'not_authed' });
      expect(await call(slack.issueAppToken(['authorizations:read']))).toEqual({
        ok: false,
        error: 'missing_scope',
      });
      slack.revokeToken(appToken);
      expect(await call(appToken)).toEqual({ ok: false, error: 'token_revoked' });
    });

    it('an app-level token is good for nothing else', async () => {
      const err = await new WebClient(appToken, { slackApiUrl: slack.apiUrl, logger: quiet }).auth
        .test()
        .catch((e: { data: { error: string } }) => e.data.error);
      expect(err).toBe('not_allowed_token_type');
    });

    it('a URL opens one connection only; a made-up one none', async () => {
      const { url } = (await call(appToken)) as { url: string };
      sockets.push((await connect(url)).ws);
      await expect(connect(url)).rejects.toThrow(/401/);
      await expect(connect(url.replace(/ticket=[^&]+/, 'ticket=made-up'))).rejects.toThrow(/401/);
      expect(slack.socket.connections()).toBe(1);
    });
  });

  describe('envelopes', () => {
    it('greets a connection with hello, naming the app', async () => {
      const { frames } = await open();
      expect(frames[0]).toMatchObject({
        type: 'hello',
        num_connections: 1,
        connection_info: { app_id: TEST_APP_ID },
      });
    });

    it('wraps a slash command in a slash_commands envelope and resolves with the ack payload', async () => {
      const { ws, frames } = await open();
      const acked = slack.socketSlashCommand({
        command: '/pulse',
        text: 'help',
        userId: 'U0SOCK001',
        teamId: TEAM,
      });
      const envelope = await eventually(() => frames.find((f) => f.type === 'slash_commands'), {
        what: 'the envelope',
      });
      expect(envelope.accepts_response_payload).toBe(true);
      expect(envelope.payload).toMatchObject({
        command: '/pulse',
        text: 'help',
        team_id: TEAM,
        user_id: 'U0SOCK001',
      });
      expect(envelope).not.toHaveProperty('retry_attempt');
      ws.send(JSON.stringify({ envelope_id: envelope.envelope_id, payload: { text: 'hi' } }));
      expect(await acked).toEqual({
        envelopeId: envelope.envelope_id,
        payload: { text: 'hi' },
        deliveries: 1,
      });
    });

    it('sends block actions as interactive (no reply taken) and events as events_api with retry fields', async () => {
      const { ws, frames } = await open();
      const action = slack.socketInteractive(
        blockActionsPayload({ userId: 'U0SOCK001', teamId: TEAM, actionId: 'x' }),
      );
      const event = slack.socketEvent({
        teamId: TEAM,
        event: { type: 'app_home_opened', user: 'U0SOCK001', tab: 'home' },
      });
      const [interactive, events] = await eventually(() => {
        const i = frames.find((f) => f.type === 'interactive');
        const e = frames.find((f) => f.type === 'events_api');
        return i && e ? [i, e] : undefined;
      });
      expect(interactive.accepts_response_payload).toBe(false);
      expect(interactive.payload).toMatchObject({ type: 'block_actions' });
      expect(events).toMatchObject({
        retry_attempt: 0,
        retry_reason: '',
        accepts_response_payload: false,
      });
      expect(events.payload).toMatchObject({
        type: 'event_callback',
        event: { type: 'app_home_opened' },
      });
      for (const f of [interactive, events])
        ws.send(JSON.stringify({ envelope_id: f.envelope_id }));
      expect((await action).deliveries).toBe(1);
      expect((await event).payload).toBeUndefined();
    });

    it('sends an envelope again when no ack comes, with retry_attempt and retry_reason', async () => {
      const { ws, frames } = await open();
      const acked = slack.socketEvent({
        teamId: TEAM,
        event: { type: 'app_home_opened', user: 'U0SOCK001' },
      });
      const retry = await eventually(
        () => frames.find((f) => f.type === 'events_api' && f.retry_attempt === 1),
        {
          what: 'the retry',
        },
      );
      expect(retry.retry_reason).toBe('timeout');
      expect(frames.filter((f) => f.envelope_id === retry.envelope_id)).toHaveLength(2);
      ws.send(JSON.stringify({ envelope_id: retry.envelope_id }));
      expect((await acked).deliveries).toBe(2);
    });

    it('gives up after three retries', async () => {
      await open();
      const acked = slack.socketEvent({
        teamId: TEAM,
        event: { type: 'app_home_opened', user: 'U0SOCK001' },
      });
      await expect(acked).rejects.toThrow(/not acknowledged after 4 deliveries/);
      expect(slack.socket.sent()[0]).toMatchObject({ acked: false, gaveUp: true });
      expect(slack.socket.sent()[0].deliveries.map((d) => d.retryAttempt)).toEqual([0, 1, 2, 3]);
    });

    it('a lost ack drops the connection; the envelope waits for the next one and goes again', async () => {
      const first = await open();
      const acked = slack.socketInteractive(
        blockActionsPayload({ userId: 'U0SOCK001', teamId: TEAM, actionId: 'x' }),
        { loseAcks: 1 },
      );
      const envelope = await eventually(() => first.frames.find((f) => f.type === 'interactive'));
      first.ws.send(JSON.stringify({ envelope_id: envelope.envelope_id }));
      await eventually(() => first.ws.readyState === WebSocket.CLOSED, { what: 'the drop' });
      expect(slack.socket.connections()).toBe(0);
      const second = await open();
      const again = await eventually(() => second.frames.find((f) => f.type === 'interactive'));
      expect(again).toMatchObject({
        envelope_id: envelope.envelope_id,
        retry_attempt: 1,
        retry_reason: 'timeout',
      });
      second.ws.send(JSON.stringify({ envelope_id: envelope.envelope_id }));
      expect((await acked).deliveries).toBe(2);
      expect(slack.socket.sent()[0].deliveries.map((d) => d.connection)).toEqual([1, 2]);
    });

    it("sends Slack's disconnect messages and can cut every connection", async () => {
      const { ws, frames } = await open();
      for (const reason of ['warning', 'refresh_requested', 'link_disabled'] as const) {
        slack.socket.disconnect(reason);
      }
      const reasons = await eventually(() => {
        const r = frames.filter((f) => f.type === 'disconnect').map((f) => f.reason);
        return r.length === 3 ? r : undefined;
      });
      expect(reasons).toEqual(['warning', 'refresh_requested', 'link_disabled']);
      const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
      slack.socket.drop();
      // 1006: the connection went without a close frame.
      expect(await closed).toBe(1006);
      await eventually(() => slack.socket.connections() === 0, { what: 'the stand-in to see it' });
    });
  });

  it("works with @slack/socket-mode's client: connects, receives by type, acks, reconnects", async () => {
    const client = new SocketModeClient({
      appToken,
      logger: quiet,
      clientOptions: { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } },
      // Its reconnect waits this long after a drop.
      clientPingTimeout: 1_000,
    });
    const got: Array<{ type: string; retry: number | undefined }> = [];
    client.on('slack_event', async ({ ack, type, body, retry_num }) => {
      got.push({
        type: type === 'events_api' ? (body as { event: { type: string } }).event.type : type,
        retry: retry_num,
      });
      await ack(type === 'slash_commands' ? { text: 'ok' } : undefined);
    });
    try {
      await client.start();
      expect(slack.socket.connections()).toBe(1);
      const reply = await slack.socketSlashCommand({
        command: '/focus',
        text: '30m',
        userId: 'U0SOCK001',
        teamId: TEAM,
      });
      expect(reply.payload).toEqual({ text: 'ok' });
      await slack.socketEvent({
        teamId: TEAM,
        event: { type: 'app_home_opened', user: 'U0SOCK001' },
      });
      expect(got).toEqual([
        { type: 'slash_commands', retry: undefined },
        { type: 'app_home_opened', retry: 0 },
      ]);
      slack.socket.disconnect('refresh_requested');
      await eventually(
        () => slack.socket.connectionsOpened() === 2 && slack.socket.connections() === 1,
        {
          what: 'the reconnection after refresh_requested',
        },
      );
      slack.socket.drop();
      await eventually(
        () => slack.socket.connectionsOpened() === 3 && slack.socket.connections() === 1,
        {
          what: 'the reconnection after a drop',
        },
      );
      await slack.socketInteractive(
        blockActionsPayload({ userId: 'U0SOCK001', teamId: TEAM, actionId: 'x' }),
      );
      expect(got[2]).toEqual({ type: 'interactive', retry: undefined });
    } finally {
      await client.disconnect();
    }
  });
});
