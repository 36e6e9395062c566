import request from 'supertest';
import { eventually } from '../support/eventually';
import { SlackStandIn } from '../support/slack-stand-in';
import {
  interactionBody,
  shortcutPayload,
  signSlackRequest,
  slashCommandBody,
} from '../support/slack-signing';
import { startTestApp, TEST_SIGNING_SECRET, TestApp } from '../support/test-app';

const TEAM = 'T0SIGNED';

describe('POST /slack/events', () => {
  let slack: SlackStandIn;
  let t: TestApp;

  beforeAll(async () => {
    slack = await SlackStandIn.start();
    slack.addTeam({ id: TEAM, name: 'Signed Co' });
    slack.addUser({ id: 'U0AGENT01', teamId: TEAM, name: 'ana', tz: 'Europe/Paris' });
    t = await startTestApp({ slack, env: { SLACK_BOT_TOKEN: slack.issueBotToken(TEAM) } });
    // The install queues a people import; let it finish so it is not counted as a side effect.
    await eventually(() => slack.calls('users.list').length > 0, { what: 'the people import' });
  });

  afterAll(async () => {
    await t?.close();
    await slack?.stop();
  });

  beforeEach(() => slack.clearCalls());

  const pulse = (text: string) =>
    slashCommandBody({ command: '/pulse', text, userId: 'U0AGENT01', teamId: TEAM });
  const post = (body: string, headers: Partial<Record<string, string>>) =>
    request(t.url)
      .post('/slack/events')
      .set('Content-Type', 'application/x-www-form-urlencoded')
      .set(headers as Record<string, string>)
      .send(body);

  it('opens the story modal from /story and from the "Share a story" shortcut', async () => {
    const body = slashCommandBody({
      command: '/story',
      text: '',
      userId: 'U0AGENT01',
      teamId: TEAM,
      triggerId: slack.issueTriggerId({ userId: 'U0AGENT01' }),
    });
    await post(body, signSlackRequest(body, TEST_SIGNING_SECRET)).expect(200);
    const fromCommand = await eventually(() => slack.openedViews()[0], { what: 'the modal' });
    expect(fromCommand.view).toMatchObject({ callback_id: 'story_share_modal' });
    const shortcut = interactionBody(
      shortcutPayload({
        teamId: TEAM,
        userId: 'U0AGENT01',
        callbackId: 'story_share',
        triggerId: slack.issueTriggerId({ userId: 'U0AGENT01' }),
      }),
    );
    await post(shortcut, signSlackRequest(shortcut, TEST_SIGNING_SECRET)).expect(200);
    const fromShortcut = await eventually(() => slack.openedViews()[1], {
      what: 'the second modal',
    });
    expect(fromShortcut.view).toMatchObject({ callback_id: 'story_share_modal' });
  });

  it('answers a signed /pulse help in the ack, ephemeral, with the privacy promise', async () => {
    const body = pulse('help');
    const res = await post(body, signSlackRequest(body, TEST_SIGNING_SECRET)).expect(200);
    expect(res.body.response_type).toBe('ephemeral');
    const text = JSON.stringify(res.body.blocks);
    expect(text).toContain('/pulse help');
    expect(text).toContain('/focus');
    expect(text).toMatch(/at least 5 people/);
    // The ack carries the answer: no Web API call was needed.
    expect(slack.calls()).toHaveLength(0);
  });

  it('explains an unknown subcommand instead of failing', async () => {
    const body = pulse('frobnicate');
    const res = await post(body, signSlackRequest(body, TEST_SIGNING_SECRET)).expect(200);
    expect(res.body.text).toContain('/pulse help');
  });

  it.each([
    ['unsigned', (_b: string): Record<string, string> => ({})],
    ['signed with another secret', (b: string) => ({ ...signSlackRequest(b, 'not-the-secret') })],
    [
      'signed 6 minutes ago',
      (b: string) => ({
        ...signSlackRequest(b, TEST_SIGNING_SECRET, Math.floor(Date.now() / 1000) - 6 * 60),
      }),
    ],
    [
      'signed over a different body',
      (_b: string) => ({ ...signSlackRequest(pulse('something else'), TEST_SIGNING_SECRET) }),
    ],
  ])('refuses a request %s with 401 and runs nothing', async (_name, headersFor) => {
    const body = pulse('help');
    const res = await post(body, headersFor(body)).expect(401);
    expect(JSON.stringify(res.body ?? {})).not.toContain('dashboard');
    expect(res.text).not.toContain('Pulsedesk');
    expect(slack.calls()).toHaveLength(0);
    await request(t.url).get('/health').expect(200);
  });

  it('refuses a body over 1 MB with 413, signed or not, and runs nothing', async () => {
    const body = `${pulse('help')}&padding=${'x'.repeat(1024 * 1024)}`;
    const res = await post(body, signSlackRequest(body, TEST_SIGNING_SECRET)).expect(413);
    // Not answered: /pulse help would have acked with its text.
    expect(res.text).toBe('');
    // The next request on the endpoint is served as usual.
    const ok = pulse('help');
    await post(ok, signSlackRequest(ok, TEST_SIGNING_SECRET)).expect(200);
  });

  it('says Slack is off, with the variables, when there is no signing secret', async () => {
    const off = await startTestApp({ slackEnabled: false });
    try {
      const res = await request(off.url).post('/slack/events').send('x=1').expect(503);
      expect(res.body.message).toContain('SLACK_SIGNING_SECRET');
      const notices = off.logs.filter((l) => String(l.msg).startsWith('Slack delivery is off'));
      expect(notices).toHaveLength(1);
    } finally {
      await off.close();
    }
  });

  it('serves the manifest with this deployment’s URL', async () => {
    const res = await request(t.url).get('/slack/manifest.json').expect(200);
    const commands = res.body.features.slash_commands.map((c: { command: string }) => c.command);
    expect(commands).toEqual(['/pulse', '/focus', '/story']);
    expect(res.body.features.shortcuts[0].name).toBe('Share a story');
    expect(res.body.settings.interactivity.request_url).toBe(`${t.config.publicUrl}/slack/events`);
    expect(res.body.oauth_config.scopes.user).toEqual([
      'users.profile:read',
      'users.profile:write',
      'dnd:read',
      'dnd:write',
    ]);
    expect(JSON.stringify(res.body)).not.toContain('pulsedesk.example.com');
  });
});
