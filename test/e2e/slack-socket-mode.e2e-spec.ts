/**
 * Slack over Socket Mode end to end: the app is started with SLACK_APP_TOKEN and no signing
 * secret, opens its WebSocket through the stand-in's apps.connections.open, and answers
 * `/pulse`, the pulse modal, `/focus 30m` and App Home over it, through the same listeners as
 * HTTP. A connection that drops as the app acknowledges is re-established with nothing lost
 * (the envelope is sent again and counted once), and /health follows the connection.
 */
import request from 'supertest';
import { DataSource } from 'typeorm';
import { SOCKET_MODE_EVENTS_OFF_MESSAGE } from '../../src/slack/slack-bolt.service';
import { eventually } from '../support/eventually';
import {
  connectFocusTokens,
  deliveredTo,
  ModalAnswers,
  modalSubmissionPayload,
  pulseWorld,
  PulseWorld,
} from '../support/pulse-world';
import { blockActionsPayload, signSlackRequest, slashCommandBody } from '../support/slack-signing';
import { SlackStandIn } from '../support/slack-stand-in';
import { startTestApp, TEST_SIGNING_SECRET } from '../support/test-app';
import { acquireTestDatabase } from '../support/test-database';

const QUESTIONS = [
  { id: 'workload', kind: 'scale5', prompt: 'My workload this week was manageable' },
  { id: 'comment', kind: 'text', prompt: 'Anything you want HR to know?' },
];
const COMMENT = 'socket-mode comment 7f3a';

describe('Slack over Socket Mode', () => {
  let w: PulseWorld;
  let ds: DataSource;
  let roundId: string;
  /** Log lines before this index were written while setting up (people assigned by Slack id). */
  let setupLogs: number;

  beforeAll(async () => {
    w = await pulseWorld({ desk: 6 }, { socketMode: true });
    ds = w.t.app.get(DataSource);
    // Two agents connect their own Slack account, so /focus can set their status.
    await connectFocusTokens(w, w.members.desk.slice(4));
    const survey = await request(w.t.url)
      .post('/api/surveys')
      .set(w.admin)
      .send({ title: 'Socket pulse', questions: QUESTIONS, audienceTeamIds: [w.teamIds.desk] })
      .expect(201);
    roundId = (
      await request(w.t.url).post(`/api/surveys/${survey.body.id}/rounds`).set(w.admin).expect(201)
    ).body.id;
    await deliveredTo(w, roundId, 6);
    setupLogs = w.t.rawLogs.length;
    // Boot, people import, team assignment and a delivered round: one hook that outgrows jest's
    // 30 s default on a loaded 2-core machine. A deadline for setup, not a test of speed.
  }, 90_000);

  afterAll(async () => {
    await w?.close();
  });

  const health = async () => (await request(w.t.url).get('/health').expect(200)).body;
  const responded = async () =>
    (await request(w.t.url).get(`/api/rounds/${roundId}`).set(w.admin).expect(200)).body
      .participation.responded as number;
  const answers = (score: number): ModalAnswers => ({
    workload: { kind: 'scale5', value: String(score) },
    comment: { kind: 'text', value: COMMENT },
  });

  /** A slash command over the socket: the reply in the ack, or posted to response_url later. */
  const slash = async (userId: string, command: string, text: string) => {
    const responseUrl = w.slack.responseUrl();
    const ack = await w.slack.socketSlashCommand({
      command,
      text,
      userId,
      teamId: w.teamId,
      responseUrl,
    });
    if (ack.payload) return JSON.stringify(ack.payload);
    const late = await eventually(() => w.slack.responses(responseUrl.split('/').pop())[0], {
      what: `the reply to ${command} ${text}`,
    });
    return JSON.stringify(late.body);
  };

  it('opens its connection through the stand-in at boot; /health says connected', async () => {
    await eventually(async () => (await health()).slack === 'connected', {
      what: '/health to say connected',
    });
    expect(await health()).toEqual({ status: 'ok', db: 'up', slack: 'connected' });
    expect(w.slack.socket.connections()).toBe(1);
    const opens = w.slack.calls('apps.connections.open');
    expect(opens.length).toBeGreaterThanOrEqual(1);
    expect(opens.every((c) => c.token?.startsWith('xapp-') && c.status === 200)).toBe(true);
  });

  it('turns POST /slack/events off, signed or not', async () => {
    const body = slashCommandBody({ command: '/pulse', text: '', userId: 'U0X', teamId: w.teamId });
    const res = await request(w.t.url)
      .post('/slack/events')
      .set('Content-Type', 'application/x-www-form-urlencoded')
      .set(signSlackRequest(body, TEST_SIGNING_SECRET) as unknown as Record<string, string>)
      .send(body)
      .expect(404);
    expect(res.body.message).toBe(SOCKET_MODE_EVENTS_OFF_MESSAGE);
  });

  it('serves a manifest with Socket Mode on and no request URLs; the OAuth redirect stays', async () => {
    const manifest = (await request(w.t.url).get('/slack/manifest.json').expect(200)).body;
    expect(manifest.settings.socket_mode_enabled).toBe(true);
    expect(manifest.settings.interactivity).toEqual({ is_enabled: true });
    expect(manifest.settings.event_subscriptions).not.toHaveProperty('request_url');
    expect(manifest.settings.event_subscriptions.bot_events).toContain('app_home_opened');
    for (const command of manifest.features.slash_commands) {
      expect(command).not.toHaveProperty('url');
    }
    expect(JSON.stringify(manifest)).not.toContain('/slack/events');
    expect(manifest.oauth_config.redirect_urls).toEqual([
      `${w.t.config.publicUrl}/slack/oauth_redirect`,
    ]);
  });

  it('/pulse shows the agent their open pulse with its Answer button', async () => {
    const reply = await slash(w.members.desk[0], '/pulse', '');
    expect(reply).toContain('Socket pulse');
    expect(reply).toContain('pulse_open_modal');
  });

  it('Answer opens the modal; its submission is recorded, and a second one refused, once', async () => {
    const user = w.members.desk[0];
    const triggerId = w.slack.issueTriggerId({ userId: user });
    await w.slack.socketInteractive(
      blockActionsPayload({
        userId: user,
        teamId: w.teamId,
        actionId: 'pulse_open_modal',
        value: roundId,
        triggerId,
        channelId: w.slack.dmChannelId(w.teamId, user),
      }),
    );
    const modal = await eventually(() => w.slack.openedViews().find((v) => v.userId === user), {
      what: 'the answer modal',
    });
    expect(modal.view.callback_id).toBe('pulse_answer');

    const first = await w.slack.socketInteractive(
      modalSubmissionPayload(w, user, roundId, answers(4)),
    );
    // An empty ack closes the modal: the answer is recorded.
    expect(first.payload).toBeUndefined();
    expect(await responded()).toBe(1);

    // Submitting again (a new submission, not a redelivery) is refused in the modal.
    const again = await w.slack.socketInteractive(
      modalSubmissionPayload(w, user, roundId, answers(1)),
    );
    expect(again.payload).toMatchObject({ response_action: 'errors' });
    expect(JSON.stringify(again.payload)).toContain('already answered');
    expect(await responded()).toBe(1);
  });

  it('/focus 30m replies with the block and sets the status through the stand-in', async () => {
    const user = w.members.desk[4];
    const reply = await slash(user, '/focus', '30m socket test');
    expect(reply).toContain('End now');
    await eventually(() => w.slack.user(user)!.profile.status_emoji === ':no_bell:', {
      what: 'the focus status',
    });
    expect(w.slack.calls('users.profile.set').some((c) => c.teamId === w.teamId)).toBe(true);
    await slash(user, '/focus', 'off');
  });

  it('App Home opened publishes the tab (views.publish)', async () => {
    const user = w.members.desk[1];
    const ack = await w.slack.socketEvent({
      teamId: w.teamId,
      event: { type: 'app_home_opened', user, channel: 'D0HOMESOCK', tab: 'home', event_ts: '1.1' },
    });
    expect(ack.payload).toBeUndefined();
    const view = await eventually(() => w.slack.homeView(user), { what: 'the home tab' });
    expect(JSON.stringify(view)).toContain('pulse_open_modal');
    expect(w.slack.calls('views.publish').some((c) => c.params.user_id === user)).toBe(true);
  });

  it('a connection lost as the app acks: /health follows it down and up, the envelope comes again and counts once', async () => {
    const user = w.members.desk[2];
    const before = w.slack.socket.connectionsOpened();
    // Slack is unreachable for the first two tries (HTTP 503, which @slack/socket-mode alone
    // would give up on): the app keeps retrying with backoff, /health showing it.
    w.slack.failNext('apps.connections.open', { status: 503 }, 2);
    const acked = w.slack.socketInteractive(modalSubmissionPayload(w, user, roundId, answers(2)), {
      loseAcks: 1,
    });
    await eventually(async () => (await health()).slack === 'disconnected', {
      what: '/health to say disconnected',
    });
    await eventually(async () => (await health()).slack === 'connected', {
      what: '/health to say connected again',
      timeoutMs: 30_000,
    });
    const ack = await acked;
    expect(ack.deliveries).toBe(2);
    // The redelivery found the answer its first delivery recorded, and closes the modal.
    expect(ack.payload).toBeUndefined();
    expect(w.slack.socket.connectionsOpened()).toBe(before + 1);
    const [record] = w.slack.socket.sent().filter((e) => e.envelopeId === ack.envelopeId);
    expect(record.deliveries.map((d) => d.retryAttempt)).toEqual([0, 1]);
    expect(w.slack.calls('apps.connections.open').filter((c) => c.status === 503)).toHaveLength(2);
    expect(await responded()).toBe(2);
    const [{ n }] = await ds.query(
      `SELECT count(*)::int AS n FROM round_invitations WHERE round_id = $1 AND responded`,
      [roundId],
    );
    expect(n).toBe(2);
  });

  it('reconnects when Slack asks (disconnect: refresh_requested); an event sent meanwhile arrives', async () => {
    const user = w.members.desk[3];
    const before = w.slack.socket.connectionsOpened();
    w.slack.socket.disconnect('refresh_requested');
    const ack = await w.slack.socketEvent({
      teamId: w.teamId,
      event: {
        type: 'app_home_opened',
        user,
        channel: 'D0HOMESOCK2',
        tab: 'home',
        event_ts: '2.1',
      },
    });
    expect(ack.envelopeId).toBeDefined();
    await eventually(() => w.slack.homeView(user), { what: 'the home tab' });
    await eventually(
      () => w.slack.socket.connectionsOpened() === before + 1 && w.slack.socket.connections() === 1,
      // Within a minute of the last incident the supervisor still backs off (up to 8 s here).
      { what: 'the new connection', timeoutMs: 30_000 },
    );
    await eventually(async () => (await health()).slack === 'connected', {
      what: '/health to say connected',
    });
  });

  it('logs nothing new beside answers: no comment, no payload, no respondent next to an answer', () => {
    expect(w.t.rawLogs.some((l) => l.includes('Slack Socket Mode connected'))).toBe(true);
    const leaks = w.t.rawLogs.filter((line) =>
      [COMMENT, 'selected_option', 'plain_text_input', 'view_submission', 'envelope_id'].some(
        (marker) => line.includes(marker),
      ),
    );
    expect(leaks).toEqual([]);
    // Since the setup, nothing logged names a respondent at all.
    const respondents = w.members.desk.slice(0, 3);
    const naming = w.t.rawLogs
      .slice(setupLogs)
      .filter((l) => respondents.some((u) => l.includes(u)));
    expect(naming).toEqual([]);
  });
});

describe('Socket Mode with a refused app token', () => {
  it('stops the boot with a message naming SLACK_APP_TOKEN and what Slack said', async () => {
    const slack = await SlackStandIn.start();
    const db = await acquireTestDatabase();
    try {
      slack.addTeam({ id: 'T0REFUSED', name: 'Refused Co' });
      const appToken = slack.issueAppToken();
      slack.revokeToken(appToken);
      await expect(
        startTestApp({
          slack,
          db,
          env: {
            SLACK_APP_TOKEN: appToken,
            SLACK_BOT_TOKEN: slack.issueBotToken('T0REFUSED'),
            SLACK_SIGNING_SECRET: undefined,
          },
        }),
      ).rejects.toThrow('SLACK_APP_TOKEN was refused by Slack (token_revoked): check the token');
      expect(slack.socket.connectionsOpened()).toBe(0);
    } finally {
      await db.release();
      await slack.stop();
    }
  });
});
