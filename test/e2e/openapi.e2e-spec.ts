/**
 * The served OpenAPI document describes what the API answers: every operation declares a typed
 * success response (or a documented 204), and real responses, errors included, conform to the
 * schema declared for the status they came with.
 */
import request from 'supertest';
import { eventually } from '../support/eventually';
import {
  isTyped,
  OpenApiDocument,
  operations,
  responseSchema,
  schemaErrors,
  untypedSuccess,
} from '../support/openapi-schema';
import {
  deliveredTo,
  pulseWorld,
  PulseWorld,
  slashCommand,
  submitModal,
} from '../support/pulse-world';

describe('OpenAPI document', () => {
  let w: PulseWorld;
  let doc: OpenApiDocument;

  beforeAll(async () => {
    w = await pulseWorld({ desk: 5 });
    doc = (await request(w.t.url).get('/api/docs-json').expect(200)).body;
  });

  afterAll(async () => {
    await w?.close();
  });

  /** Sends the request and checks the body against the schema declared for its status. */
  const conforms = async (
    method: 'get' | 'post',
    url: string,
    path: string,
    body?: object,
    contentType = 'application/json',
  ) => {
    const req = request(w.t.url)[method](url).set(w.admin);
    const res = await (body ? req.send(body) : req);
    const schema = responseSchema(doc, method, path, res.status, contentType);
    const value = contentType === 'application/json' ? res.body : res.text;
    expect({
      [`${method.toUpperCase()} ${url} → ${res.status}`]: schemaErrors(doc, schema, value),
    }).toEqual({ [`${method.toUpperCase()} ${url} → ${res.status}`]: [] });
    return res;
  };

  it('declares a typed success response for every operation', () => {
    const ops = operations(doc);
    expect(ops.length).toBeGreaterThan(25);
    const untyped = ops
      .map(({ id, op }) => ({ id, why: untypedSuccess(doc, op) }))
      .filter((o) => o.why !== null);
    expect(untyped).toEqual([]);
  });

  it('the check bites: an example-only schema is untyped, an undeclared field is refused', () => {
    expect(isTyped(doc, { example: { status: 'ok' } } as never)).toBe(false);
    expect(untypedSuccess(doc, { responses: { '200': {} } })).toBe('200 has no content schema');
    const team = responseSchema(doc, 'get', '/api/teams', 200);
    expect(schemaErrors(doc, team, [{ nonsense: 1 }])).toEqual(
      expect.arrayContaining(['$[0].nonsense: not declared in the schema']),
    );
  });

  it('health, teams and settings answer as declared', async () => {
    await conforms('get', '/health', '/health');
    await conforms('post', '/api/teams', '/api/teams', { name: 'Night shift' });
    await conforms('get', '/api/teams', '/api/teams');
    await conforms('get', '/api/people', '/api/people');
    await conforms('get', '/api/settings', '/api/settings');
  });

  // Before any focus block: a DM due during one waits for its end.
  it('a round, reminded, answered and closed: its results, CSV and trends answer as declared', async () => {
    await request(w.t.url)
      .patch('/api/settings')
      .set(w.admin)
      .send({ anonymityThreshold: 3 })
      .expect(200);
    const survey = await request(w.t.url)
      .post('/api/surveys')
      .set(w.admin)
      .send({
        title: 'Round check',
        questions: [
          { id: 'workload', kind: 'scale5', prompt: 'My workload was manageable' },
          { id: 'notes', kind: 'text', prompt: 'Anything else?' },
        ],
      })
      .expect(201);
    const opened = await conforms(
      'post',
      `/api/surveys/${survey.body.id}/rounds`,
      '/api/surveys/{id}/rounds',
    );
    const roundId: string = opened.body.id;
    const agents = w.members.desk;
    await deliveredTo(w, roundId, agents.length);
    const reminded = await conforms(
      'post',
      `/api/rounds/${roundId}/remind`,
      '/api/rounds/{id}/remind',
    );
    expect(reminded.body).toEqual({ reminded: agents.length });
    for (const [i, user] of agents.entries()) {
      const answered = await submitModal(w, user, roundId, {
        workload: { kind: 'scale5', value: String(1 + (i % 5)) },
        notes: { kind: 'text', value: `note ${i}` },
      });
      expect(answered.status).toBe(200);
    }
    await eventually(
      async () => {
        const res = await conforms('get', `/api/rounds/${roundId}`, '/api/rounds/{id}');
        return res.body.participation.responded === agents.length;
      },
      { what: 'every answer recorded' },
    );
    await conforms('post', `/api/rounds/${roundId}/close`, '/api/rounds/{id}/close');
    const results = await conforms(
      'get',
      `/api/rounds/${roundId}/results?groupBy=team`,
      '/api/rounds/{id}/results',
    );
    expect(results.body).toMatchObject({ suppressed: false, respondents: agents.length });
    expect(results.body.comments).toHaveLength(agents.length);
    expect(results.body.groups).toEqual([expect.objectContaining({ name: 'desk' })]);
    const csv = await conforms(
      'get',
      `/api/rounds/${roundId}/results.csv`,
      '/api/rounds/{id}/results.csv',
      undefined,
      'text/csv',
    );
    expect(csv.text).toContain('workload');
    const trends = await conforms(
      'get',
      `/api/surveys/${survey.body.id}/trends?groupBy=team`,
      '/api/surveys/{id}/trends',
    );
    expect(trends.body.rounds).toHaveLength(1);
  });

  it('focus now and the weekly summary answer as declared, with someone heads-down', async () => {
    const user = w.members.desk[0];
    const reply = await slashCommand(w, { command: '/focus', text: '30m deep work', userId: user });
    expect(reply.status).toBe(200);
    const now = await eventually(
      async () => {
        const res = await conforms('get', '/api/focus/now', '/api/focus/now');
        return res.body.some((t: { focusing: unknown[] }) => t.focusing.length > 0) && res;
      },
      { what: 'the block to show in /api/focus/now' },
    );
    expect(now.body.find((t: { focusing: unknown[] }) => t.focusing.length).focusing).toEqual([
      { slackUserId: user, name: expect.any(String), until: expect.any(String) },
    ]);
    // Weeks long over, whatever today is.
    await conforms(
      'get',
      '/api/focus/summary?from=2025-01-06T00:00:00Z&to=2025-02-03T00:00:00Z',
      '/api/focus/summary',
    );
  });

  it('surveys, templates and trends answer as declared', async () => {
    await conforms('get', '/api/surveys/templates', '/api/surveys/templates');
    const created = await conforms('post', '/api/surveys', '/api/surveys', {
      title: 'Weekly pulse',
      questions: [
        { kind: 'scale5', prompt: 'My workload was manageable' },
        { kind: 'choice', prompt: 'Best channel', options: ['chat', 'phone'] },
      ],
      schedule: { rrule: 'FREQ=WEEKLY;BYDAY=TH', localTime: '15:00' },
    });
    expect(created.status).toBe(201);
    await conforms('get', '/api/surveys', '/api/surveys');
    await conforms('get', `/api/surveys/${created.body.id}`, '/api/surveys/{id}');
    await conforms('get', `/api/surveys/${created.body.id}/trends`, '/api/surveys/{id}/trends');
  });

  it('errors answer with the declared error body', async () => {
    const bad = await conforms('post', '/api/surveys', '/api/surveys', { title: '' });
    expect(bad.status).toBe(400);
    const missing = await conforms(
      'get',
      '/api/surveys/00000000-0000-4000-8000-000000000000',
      '/api/surveys/{id}',
    );
    expect(missing.status).toBe(404);
    const window = await conforms(
      'get',
      '/api/focus/summary?from=2025-02-03T00:00:00Z&to=2025-01-06T00:00:00Z',
      '/api/focus/summary',
    );
    expect(window.status).toBe(400);
  });
});
