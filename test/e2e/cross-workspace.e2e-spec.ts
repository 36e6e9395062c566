/**
 * Cross-workspace access, table-driven over the OpenAPI document the app serves: two
 * workspaces, credentials of workspace A (a workspace API token, and the operator token scoped
 * to A by X-Pulsedesk-Workspace), every route called with the ids of workspace B's survey,
 * round, team, story, token and person. Each must be refused (403/404) without a word of B's
 * data, and B's data must be untouched afterwards. Routes that take no id must answer with A's
 * data only. A route added with a path parameter this table cannot fill fails the test: the
 * table has to grow with the API.
 */
import { DataSource } from 'typeorm';
import request from 'supertest';
import { OpenApiDoc, routesOf } from '../support/fuzz';
import { installSecondWorkspace, pulseWorld, PulseWorld } from '../support/pulse-world';
import { shareStory } from '../support/stories-world';
import { TEST_ADMIN_TOKEN } from '../support/test-app';

const TEAM_A = 'T0CROSSA01';

describe('cross-workspace access is refused on every route', () => {
  /** The world's workspace is B (it holds the data); A is installed beside it, empty but for a team. */
  let w: PulseWorld;
  let doc: OpenApiDoc;
  const b: Record<string, string> = {};
  let credentialsOfA: Array<{ name: string; headers: Record<string, string> }>;
  const operatorB = () => ({ ...w.admin, 'X-Pulsedesk-Workspace': w.teamId });
  const operatorA = {
    Authorization: `Bearer ${TEST_ADMIN_TOKEN}`,
    'X-Pulsedesk-Workspace': TEAM_A,
  };

  beforeAll(async () => {
    w = await pulseWorld({ bravo: 3 }, { teamId: 'T0CROSSB01' });
    await installSecondWorkspace(w, TEAM_A);
    // Two workspaces now: the operator names one on every call.
    (w as { admin: Record<string, string> }).admin = operatorB();
    const agentB = w.members.bravo[0];
    b.person = w.members.bravo[1];
    b.team = w.teamIds.bravo;
    b.survey = (
      await request(w.t.url)
        .post('/api/surveys')
        .set(w.admin)
        .send({
          title: 'Bravo secret survey',
          questions: [{ id: 'workload', kind: 'scale5', prompt: 'Bravo workload?' }],
        })
        .expect(201)
    ).body.id;
    b.round = (
      await request(w.t.url).post(`/api/surveys/${b.survey}/rounds`).set(w.admin).expect(201)
    ).body.id;
    b.token = (
      await request(w.t.url)
        .post('/api/tokens')
        .set(w.admin)
        .send({ name: 'bravo export', role: 'hr' })
        .expect(201)
    ).body.id;
    await shareStory(w, agentB, { title: 'Bravo story title', body: 'Bravo story body' });
    b.story = (await w.t.app.get(DataSource).query(`SELECT id FROM stories LIMIT 1`))[0].id;
    expect(b.story).toBeDefined();

    await request(w.t.url)
      .post('/api/teams')
      .set(operatorA)
      .send({ name: 'Alpha team' })
      .expect(201);
    const tokenA = (
      await request(w.t.url)
        .post('/api/tokens')
        .set(operatorA)
        .send({ name: 'alpha admin', role: 'admin' })
        .expect(201)
    ).body.token;
    credentialsOfA = [
      { name: 'A admin API token', headers: { Authorization: `Bearer ${tokenA}` } },
      { name: 'operator scoped to A', headers: operatorA },
    ];
    doc = (await request(w.t.url).get('/api/docs-json').expect(200)).body as OpenApiDoc;
  }, 120_000);

  afterAll(() => w?.close());

  /** B's id for a route's path parameter, by the resource the route is under. */
  function idOfB(template: string, param: string): string | undefined {
    if (param === 'slackUserId') return b.person;
    const resource = template.split('/')[2];
    return (
      {
        surveys: b.survey,
        rounds: b.round,
        teams: b.team,
        stories: b.story,
        tokens: b.token,
        people: b.person,
      } as Record<string, string | undefined>
    )[resource];
  }

  /** A body each route would accept, so the refusal is about the workspace, not the input. */
  const BODIES: Record<string, object> = {
    'PATCH /api/teams/{id}': { name: 'taken over' },
    'PATCH /api/people/{slackUserId}': { role: 'admin' },
    'POST /api/stories/{id}/reactions': { kind: 'clap' },
    'POST /api/stories/{id}/reject': { reason: 'cross-workspace' },
    'POST /api/stories/{id}/report': { reason: 'cross-workspace' },
  };

  /** Strings that only B's data holds: none may appear in an answer to A. */
  const bMarkers = () => [
    b.survey,
    b.round,
    b.team,
    b.story,
    b.token,
    b.person,
    'Bravo secret survey',
    'Bravo story',
    'bravo export',
    ...w.members.bravo,
  ];

  it('refuses every route with a path id of workspace B (403/404), showing nothing of B', async () => {
    const withIds = routesOf(doc).filter((r) => r.template.includes('{'));
    expect(withIds.length).toBeGreaterThanOrEqual(15);
    const outcomes: string[] = [];
    for (const route of withIds) {
      const path = route.template.replace(/\{([^}]+)\}/g, (_, param: string) => {
        const id = idOfB(route.template, param);
        if (!id) throw new Error(`no id of workspace B for ${param} in ${route.template}: add it`);
        return encodeURIComponent(id);
      });
      for (const credential of credentialsOfA) {
        const res = await request(w.t.url)
          [route.method.toLowerCase() as 'get'](path)
          .set(credential.headers)
          .send(BODIES[`${route.method} ${route.template}`] ?? {});
        const leaked = bMarkers().filter((m) => m !== undefined && res.text.includes(m));
        // The refusal may name the id it was asked for, never any other of B's data.
        const leakedBeyondAsked = leaked.filter((m) => !path.includes(encodeURIComponent(m)));
        if (![403, 404].includes(res.status) || leakedBeyondAsked.length > 0) {
          outcomes.push(
            `${route.method} ${route.template} as ${credential.name}: ${res.status} ${res.text.slice(0, 160)}`,
          );
        }
      }
    }
    expect(outcomes).toEqual([]);
  });

  it('answers the routes without ids with workspace A data only', async () => {
    const lists = routesOf(doc).filter((r) => r.method === 'GET' && !r.template.includes('{'));
    expect(lists.map((r) => r.template)).toEqual(
      expect.arrayContaining(['/api/people', '/api/surveys', '/api/teams', '/api/tokens']),
    );
    const outcomes: string[] = [];
    for (const route of lists) {
      for (const credential of credentialsOfA) {
        const res = await request(w.t.url).get(route.template).set(credential.headers);
        const leaked = bMarkers().filter((m) => res.text.includes(m));
        if (res.status >= 500 || leaked.length > 0) {
          outcomes.push(
            `${route.template} as ${credential.name}: ${res.status}, shows ${leaked.join(', ')}`,
          );
        }
      }
    }
    expect(outcomes).toEqual([]);
  });

  it('left workspace B untouched', async () => {
    const round = await request(w.t.url).get(`/api/rounds/${b.round}`).set(w.admin).expect(200);
    expect(round.body.status).toBe('open');
    const teams = (await request(w.t.url).get('/api/teams').set(w.admin).expect(200)).body;
    expect(teams).toEqual([expect.objectContaining({ id: b.team, name: 'bravo' })]);
    const tokens = (await request(w.t.url).get('/api/tokens').set(w.admin).expect(200)).body;
    expect(tokens.map((t: { id: string }) => t.id)).toContain(b.token);
    const people = (await request(w.t.url).get('/api/people').set(w.admin).expect(200)).body;
    expect(people.find((p: { slackUserId: string }) => p.slackUserId === b.person).role).not.toBe(
      'admin',
    );
    const [story] = await w.t.app
      .get(DataSource)
      .query(`SELECT status FROM stories WHERE id = $1`, [b.story]);
    expect(story.status).toBe('pending');
  });
});
