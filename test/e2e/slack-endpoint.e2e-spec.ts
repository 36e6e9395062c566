import request from 'supertest';
import { eventually } from '../support/eventually';
import { SlackStandIn } from '../support/slack-stand-in';
import {
  blockActionsPayload,
  eventBody,
  interactionBody,
  shortcutPayload,
  signSlackRequest,
  slashCommandBody,
  viewSubmissionPayload,
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
    ['unsigned', (_b: string): Record<string, string> => ({}), /needs X-Slack-Signature/],
    [
      'signed with another secret',
      (b: string) => ({ ...signSlackRequest(b, 'not-the-secret') }),
      /does not match/,
    ],
    [
      'signed 6 minutes ago',
      (b: string) => ({
        ...signSlackRequest(b, TEST_SIGNING_SECRET, Math.floor(Date.now() / 1000) - 6 * 60),
      }),
      /more than 5 minutes/,
    ],
    [
      'signed over a different body',
      (_b: string) => ({ ...signSlackRequest(pulse('something else'), TEST_SIGNING_SECRET) }),
      /does not match/,
    ],
  ])(
    'refuses a request %s with 401 saying why, and runs nothing',
    async (_name, headersFor, why) => {
      const body = pulse('help');
      const res = await post(body, headersFor(body)).expect(401);
      expect(res.body).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
      expect(res.body.message).toMatch(why);
      expect(JSON.stringify(res.body ?? {})).not.toContain('dashboard');
      expect(res.text).not.toContain('Pulsedesk');
      expect(slack.calls()).toHaveLength(0);
      await request(t.url).get('/health').expect(200);
    },
  );

  it('refuses a body over 1 MB with 413, signed or not, and runs nothing', async () => {
    const body = `${pulse('help')}&padding=${'x'.repeat(1024 * 1024)}`;
    const res = await post(body, signSlackRequest(body, TEST_SIGNING_SECRET)).expect(413);
    // Not answered: /pulse help would have acked with its text.
    expect(res.body).toEqual({
      statusCode: 413,
      error: 'Payload Too Large',
      message: 'The body is over 1 MB, more than Slack sends',
    });
    // The next request on the endpoint is served as usual.
    const ok = pulse('help');
    await post(ok, signSlackRequest(ok, TEST_SIGNING_SECRET)).expect(200);
  });

  describe('what Slack never sends is refused before any listener runs, never a 500', () => {
    const NUL = '\u0000';
    type Path = (string | number)[];
    /** Sets `value` at `path` in `payload`, whose parents the path must already reach. */
    const put = (payload: Record<string, unknown>, path: Path, value: unknown) => {
      let node = payload as Record<string | number, unknown>;
      for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
      node[path[path.length - 1]] = value;
      return payload;
    };
    /** The story modal as Slack submits it. */
    const storySubmission = () =>
      viewSubmissionPayload({
        userId: 'U0AGENT01',
        teamId: TEAM,
        callbackId: 'story_share_modal',
        values: {
          story_title: { value: { type: 'plain_text_input', value: 'Calm queue' } },
          story_body: { value: { type: 'plain_text_input', value: 'We cleared it together.' } },
          story_tags: { value: { type: 'checkboxes', selected_options: [{ value: 'teamwork' }] } },
          story_sharing: { value: { type: 'radio_buttons', selected_option: { value: 'named' } } },
        },
      });
    const buttonPress = () =>
      blockActionsPayload({ userId: 'U0AGENT01', teamId: TEAM, actionId: 'story_approve' });
    const signed = (body: string, type = 'application/x-www-form-urlencoded') =>
      request(t.url)
        .post('/slack/events')
        .set('Content-Type', type)
        .set(signSlackRequest(body, TEST_SIGNING_SECRET) as unknown as Record<string, string>)
        .send(body);
    const errorLines = () => t.logs.filter((l) => Number(l.level) >= 50);
    const values = ['view', 'state', 'values'];

    it('takes the story modal as it is when nothing in it holds a NUL', async () => {
      const res = await signed(interactionBody(storySubmission())).expect(200);
      expect(res.body.view.title.text).toBe('Story shared');
      expect(errorLines()).toEqual([]);
    });

    it.each<[string, () => Record<string, unknown>, Path, unknown]>([
      // The long fuzz run's find: the form holds the payload as JSON text, where a NUL is the
      // six characters \u0000, so the check of the form's fields never saw it.
      ['user.id', storySubmission, ['user', 'id'], `U0AGENT01${NUL}`],
      [
        'a plain_text_input value',
        storySubmission,
        [...values, 'story_title', 'value', 'value'],
        `a${NUL}`,
      ],
      [
        'a checkbox value',
        storySubmission,
        [...values, 'story_tags', 'value', 'selected_options', 0, 'value'],
        NUL,
      ],
      [
        'a radio button value',
        storySubmission,
        [...values, 'story_sharing', 'value', 'selected_option', 'value'],
        `named${NUL}`,
      ],
      ['a block id (a key)', storySubmission, [...values, `story_body${NUL}`], {}],
      ['the view id', storySubmission, ['view', 'id'], `V0${NUL}`],
      [
        'private_metadata, once decoded',
        storySubmission,
        ['view', 'private_metadata'],
        '{"roundId":"\\u0000"}',
      ],
      ['a button value', buttonPress, ['actions', 0, 'value'], `x${NUL}`],
      ['a message ts', buttonPress, ['container', 'message_ts'], `1.2${NUL}`],
    ])('refuses a NUL in %s with a 400 that says so', async (_where, base, path, value) => {
      const res = await signed(interactionBody(put(base(), path, value))).expect(400);
      expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
      expect(res.body.message).toMatch(/NUL character \(U\+0000\)/);
      expect(errorLines()).toEqual([]);
    });

    it('answers a command holding a NUL with a line the person sees, and runs nothing', async () => {
      const body = slashCommandBody({
        command: '/story',
        text: `note${NUL}`,
        userId: 'U0AGENT01',
        teamId: TEAM,
        triggerId: slack.issueTriggerId({ userId: 'U0AGENT01' }),
      });
      const res = await signed(body).expect(200);
      expect(res.body).toMatchObject({ response_type: 'ephemeral' });
      expect(res.body.text).toMatch(/NUL character \(U\+0000\)/);
      expect(slack.calls('views.open')).toHaveLength(0);
    });

    it('refuses a form field given twice: a listener would read a list, and one could hide a NUL', async () => {
      const body = `${pulse('help')}&text=${encodeURIComponent(NUL)}`;
      const res = await signed(body).expect(400);
      expect(res.body.message).toMatch(/given more than once/);
    });

    it('refuses shapes Bolt itself throws on (a 500 before): actions not a list, a null channel', async () => {
      // The long fuzz run's case 2,766 (seed 1796303492), in short: `actions` an object.
      const actions = interactionBody(put(storySubmission(), ['actions'], { J: false }));
      expect((await signed(actions).expect(400)).body.message).toMatch(/actions is not a list/);
      const event = eventBody({
        teamId: TEAM,
        event: { type: 'app_home_opened', user: 'U0AGENT01', channel: null, tab: 'home' },
      });
      const res = await signed(event, 'application/json').expect(400);
      expect(res.body.message).toMatch(/event\.channel/);
      expect(errorLines()).toEqual([]);
    });
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
