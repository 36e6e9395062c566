import request from 'supertest';
import { eventually } from '../support/eventually';
import { walkOAuth } from '../support/oauth-flow';
import { SlackStandIn } from '../support/slack-stand-in';
import { startTestApp, TEST_ADMIN_TOKEN, TEST_OAUTH, TestApp } from '../support/test-app';

const TEAM = 'T0OAUTH01';

describe('Slack OAuth: workspace install and agent connect', () => {
  let slack: SlackStandIn;
  let t: TestApp;
  const operator = { Authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'X-Pulsedesk-Workspace': TEAM };

  beforeAll(async () => {
    slack = await SlackStandIn.start();
    slack.setOAuthApp({ clientId: TEST_OAUTH.clientId, clientSecret: TEST_OAUTH.clientSecret });
    slack.addTeam({ id: TEAM, name: 'Oauth Support' });
    slack.addUser({ id: 'U0INSTALL', teamId: TEAM, name: 'ines', tz: 'America/New_York' });
    slack.addUser({ id: 'U0AGENT02', teamId: TEAM, name: 'bo', tz: 'Asia/Tokyo' });
    t = await startTestApp({ slack });
  });

  afterAll(async () => {
    await t?.close();
    await slack?.stop();
  });

  async function tokenTexts(): Promise<string> {
    const ds = t.app.get((await import('typeorm')).DataSource);
    const rows = await ds.query(
      `SELECT row_to_json(w)::text AS t FROM workspaces w UNION ALL SELECT row_to_json(p)::text FROM people p`,
    );
    return rows.map((r: { t: string }) => r.t).join('\n');
  }

  it('sends /slack/install to the authorize URL with the bot scopes and a signed state', async () => {
    const res = await request(t.url).get('/slack/install').expect(302);
    const url = new URL(res.headers.location);
    expect(url.origin + url.pathname).toBe(slack.authorizeUrl);
    expect(url.searchParams.get('client_id')).toBe(TEST_OAUTH.clientId);
    expect(url.searchParams.get('scope')).toContain('chat:write');
    expect(url.searchParams.get('redirect_uri')).toBe(`${t.config.publicUrl}/slack/oauth_redirect`);
    expect(url.searchParams.get('state')).toMatch(/^[\w-]+\.[\w-]+$/);
    expect(String(res.headers['set-cookie'])).toMatch(/pd_oauth_nonce=.*HttpOnly/);
  });

  it('installs the workspace, imports its people through a job and makes the installer admin', async () => {
    slack.setAuthorizingUser(TEAM, 'U0INSTALL');
    const walk = await walkOAuth(t.url, '/slack/install');
    expect(walk.status).toBe(200);
    expect(walk.page).toContain('Pulsedesk is installed');
    const people = await eventually(
      async () => {
        const res = await request(t.url).get('/api/people').set(operator);
        return res.status === 200 && res.body.length === 2 ? res.body : undefined;
      },
      { what: 'the people import job' },
    );
    expect(people.find((p: { slackUserId: string }) => p.slackUserId === 'U0INSTALL').role).toBe(
      'admin',
    );
    expect(
      people.find((p: { slackUserId: string }) => p.slackUserId === 'U0AGENT02'),
    ).toMatchObject({
      role: 'agent',
      timeZone: 'Asia/Tokyo',
      slackStatusConnected: false,
    });
    expect(await tokenTexts()).not.toMatch(/xox[bpe]-/);
  });

  it('connects an agent’s own Slack account with the user scopes, stored encrypted', async () => {
    slack.setAuthorizingUser(TEAM, 'U0AGENT02');
    const walk = await walkOAuth(t.url, '/slack/connect');
    expect(walk.authorizeUrl.searchParams.get('user_scope')).toBe(
      'users.profile:read,users.profile:write,dnd:read,dnd:write',
    );
    expect(walk.status).toBe(200);
    expect(walk.page).toContain('Slack connected');
    const people = (await request(t.url).get('/api/people').set(operator).expect(200)).body;
    expect(
      people.find((p: { slackUserId: string }) => p.slackUserId === 'U0AGENT02')
        .slackStatusConnected,
    ).toBe(true);
    expect(await tokenTexts()).not.toMatch(/xox[bpe]-/);
  });

  it('refuses a callback whose state was forged, reused in another browser, or denied', async () => {
    const forged = await request(t.url)
      .get('/slack/oauth_redirect?code=abc&state=e30.AAAA')
      .expect(400);
    expect(forged.text).toContain('not valid');

    const begin = await request(t.url).get('/slack/install').expect(302);
    const state = new URL(begin.headers.location).searchParams.get('state')!;
    // No cookie: the flow was started in another browser.
    const otherBrowser = await request(t.url)
      .get(`/slack/oauth_redirect?code=abc&state=${encodeURIComponent(state)}`)
      .expect(400);
    expect(otherBrowser.text).toContain('another browser');

    const denied = await request(t.url)
      .get('/slack/oauth_redirect?error=access_denied&state=x')
      .expect(400);
    expect(denied.text).toContain('access_denied');
  });

  it('answers install with a clear error when OAuth is not configured', async () => {
    const noOauth = await startTestApp({
      slack,
      env: { SLACK_CLIENT_ID: '', SLACK_CLIENT_SECRET: '', SLACK_STATE_SECRET: '' },
    });
    try {
      const res = await request(noOauth.url).get('/slack/install').expect(503);
      expect(res.body.message).toContain('SLACK_CLIENT_ID');
    } finally {
      await noOauth.close();
    }
  });
});
