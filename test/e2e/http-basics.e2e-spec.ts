import request from 'supertest';
import { eventually } from '../support/eventually';
import { startTestApp, TEST_ADMIN_TOKEN, TestApp } from '../support/test-app';
import { SlackStandIn } from '../support/slack-stand-in';

describe('HTTP basics', () => {
  let t: TestApp;
  let slack: SlackStandIn;
  const admin = { Authorization: `Bearer ${TEST_ADMIN_TOKEN}` };

  beforeAll(async () => {
    slack = await SlackStandIn.start();
    slack.addTeam({ id: 'T0BASICS', name: 'Basics' });
    const botToken = slack.issueBotToken('T0BASICS');
    t = await startTestApp({ slack, env: { SLACK_BOT_TOKEN: botToken } });
  });

  afterAll(async () => {
    await t?.close();
    await slack?.stop();
  });

  it('answers /health with the database status', async () => {
    const res = await request(t.url).get('/health').expect(200);
    expect(res.body).toEqual({ status: 'ok', db: 'up' });
  });

  it('serves OpenAPI at /api/docs-json and the UI at /api/docs', async () => {
    const json = await request(t.url).get('/api/docs-json').expect(200);
    expect(json.body.openapi).toMatch(/^3\./);
    expect(Object.keys(json.body.paths)).toEqual(
      expect.arrayContaining([
        '/api/people/sync',
        '/api/people',
        '/api/tokens',
        '/api/settings',
        '/api/teams',
      ]),
    );
    const ui = await request(t.url).get('/api/docs').expect(200);
    expect(ui.text).toContain('swagger');
  });

  it('sets security headers and a request id', async () => {
    const res = await request(t.url).get('/health').set('X-Request-Id', 'abc-123');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-powered-by']).toBeUndefined();
    expect(res.headers['x-request-id']).toBe('abc-123');
  });

  it('refuses requests without a valid credential', async () => {
    const none = await request(t.url).get('/api/people').expect(401);
    expect(none.body).toEqual({
      statusCode: 401,
      error: 'Unauthorized',
      message: expect.stringContaining('Bearer'),
    });
    await request(t.url).get('/api/people').set('Authorization', 'Bearer nope').expect(401);
  });

  it('answers malformed JSON with 400 and the contract shape', async () => {
    const res = await request(t.url)
      .post('/api/teams')
      .set(admin)
      .set('Content-Type', 'application/json')
      .send('{"name": "Tier 1",')
      .expect(400);
    expect(res.body).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: 'Request body is not valid JSON',
    });
  });

  it('refuses a deeply nested JSON body with 400 (it used to overflow the stack: 500), and stays healthy', async () => {
    const nested = '['.repeat(3000) + ']'.repeat(3000);
    for (const path of ['/api/teams', '/api/surveys']) {
      const res = await request(t.url)
        .post(path)
        .set(admin)
        .set('Content-Type', 'application/json')
        .send(`{"name": ${nested}}`)
        .expect(400);
      expect(res.body.message).toContain('nested deeper than 16 levels');
    }
    // A body as deep as a real one still passes the gate (and fails only on its content).
    const survey = await request(t.url)
      .post('/api/surveys')
      .set(admin)
      .send({ title: 'ok', questions: [{ kind: 'choice', prompt: 'p', options: ['a', 'b'] }] })
      .expect(201);
    expect(survey.body.id).toBeTruthy();
    await request(t.url).get('/health').expect(200);
  });

  it.each([
    '/api/focus/summary?from=2026-11-02&to=2026-11-09&from=2026-11-16',
    '/api/rounds/00000000-0000-4000-8000-000000000000/results?groupBy=team&groupBy=team',
    '/slack/oauth_redirect?state=x&state=y&code=c',
    '/api/surveys/00000000-0000-4000-8000-000000000000/trends?from=a&from=b',
  ])('refuses a repeated query parameter with 400 naming it: %s', async (path) => {
    const res = await request(t.url).get(path).set(admin).expect(400);
    expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
    expect(res.body.message).toMatch(/query parameter "(from|groupBy|state)" must be given once/);
  });

  it('names the wrong field on wrong types and unknown fields', async () => {
    const wrongType = await request(t.url)
      .post('/api/teams')
      .set(admin)
      .send({ name: 'Tier 1', minOnDuty: 'two' })
      .expect(400);
    expect(wrongType.body.message).toContain('minOnDuty must be an integer');
    const unknown = await request(t.url)
      .post('/api/teams')
      .set(admin)
      .send({ name: 'Tier 1', colour: 'red' })
      .expect(400);
    expect(unknown.body.message).toContain('property colour should not exist');
    const missing = await request(t.url).post('/api/teams').set(admin).send({}).expect(400);
    expect(missing.body.message).toContain('name');
  });

  it('refuses null for a field that cannot be unset (it reached a NOT NULL column: a 500)', async () => {
    // Found by the long fuzz run (seed 1): PATCH /api/teams/{id} {"minOnDuty":null}.
    const team = await request(t.url)
      .post('/api/teams')
      .set(admin)
      .send({ name: 'Nullable?' })
      .expect(201);
    for (const [field, message] of [
      ['minOnDuty', 'minOnDuty must be an integer'],
      ['name', 'name must be a string'],
    ]) {
      const res = await request(t.url)
        .patch(`/api/teams/${team.body.id}`)
        .set(admin)
        .send({ [field]: null })
        .expect(400);
      expect(res.body.message).toContain(message);
    }
    const hour = await request(t.url)
      .patch('/api/settings')
      .set(admin)
      .send({ storyPromptHour: null })
      .expect(400);
    expect(hour.body.message).toContain('storyPromptHour must be a whole hour');
    slack.addUser({ id: 'U0NULLROLE', teamId: 'T0BASICS', name: 'nula', tz: 'UTC' });
    await eventually(
      async () => {
        await request(t.url).post('/api/people/sync').set(admin);
        const people = await request(t.url).get('/api/people').set(admin).expect(200);
        return people.body.some((p: { slackUserId: string }) => p.slackUserId === 'U0NULLROLE');
      },
      { what: 'the new person imported' },
    );
    const role = await request(t.url)
      .patch('/api/people/U0NULLROLE')
      .set(admin)
      .send({ role: null })
      .expect(400);
    expect(role.body.message).toContain('role must be one of');
    // What the fields hold is unchanged, and null still means "no team" where it says so.
    const after = await request(t.url).get('/api/teams').set(admin).expect(200);
    expect(after.body.find((x: { id: string }) => x.id === team.body.id)).toMatchObject({
      name: 'Nullable?',
      minOnDuty: 0,
    });
    await request(t.url)
      .patch('/api/people/U0NULLROLE')
      .set(admin)
      .send({ teamId: null })
      .expect(200);
  });

  it('answers a 2 MB body with 413 and stays healthy', async () => {
    const res = await request(t.url)
      .post('/api/teams')
      .set(admin)
      .send({ name: 'x'.repeat(2 * 1024 * 1024) })
      .expect(413);
    expect(res.body).toEqual({
      statusCode: 413,
      error: 'Payload Too Large',
      message: expect.stringContaining('limit'),
    });
    await request(t.url).get('/health').expect(200);
  });

  it('answers unknown routes with the JSON error shape', async () => {
    const res = await request(t.url).get('/api/nope').set(admin).expect(404);
    expect(res.body).toMatchObject({ statusCode: 404, error: 'Not Found' });
  });

  it('validates settings and keeps the anonymity floor', async () => {
    const low = await request(t.url)
      .patch('/api/settings')
      .set(admin)
      .send({ anonymityThreshold: 2 })
      .expect(400);
    expect(low.body.message).toContain('anonymityThreshold must be at least 3');
    // Out of the column's range, or null for a setting that cannot be unset: 400s, not 500s.
    const high = await request(t.url)
      .patch('/api/settings')
      .set(admin)
      .send({ anonymityThreshold: 2 ** 31 })
      .expect(400);
    expect(high.body.message).toContain('anonymityThreshold must be at most 1000');
    const unset = await request(t.url)
      .patch('/api/settings')
      .set(admin)
      .send({ storyModeration: null })
      .expect(400);
    expect(unset.body.message).toContain('storyModeration must be true or false');
    const ok = await request(t.url)
      .patch('/api/settings')
      .set(admin)
      .send({ anonymityThreshold: 6, hrChannelId: 'C0HR12345' })
      .expect(200);
    expect(ok.body).toMatchObject({
      anonymityThreshold: 6,
      hrChannelId: 'C0HR12345',
      storyModeration: true,
    });
    const read = await request(t.url).get('/api/settings').set(admin).expect(200);
    expect(read.body.anonymityThreshold).toBe(6);
  });
});
