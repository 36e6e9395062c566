/**
 * Postgres killed (SIGKILL, the postmaster and every backend) and restarted while 50 agents
 * submit their pulse answers through signed Slack requests (the modal's view_submission) to the
 * app as a real process. Slack counts a request acknowledged only on a 2xx within 3 s; anything
 * else it shows the agent as an error, and the agent submits again. So:
 * - every acknowledged answer is in the round after the restart (and in its closed results),
 *   none counted twice;
 * - /health is 503 while the database is down and 200 within 10 s of its restart;
 * - the app process survives, and every agent's answer lands once they submit again.
 */
import request from 'supertest';
import { AppProcess, startAppProcess } from '../support/app-process';
import { eventually } from '../support/eventually';
import { OwnPostgres } from '../support/own-postgres';
import { deliveredTo, pulseWorld, PulseWorld } from '../support/pulse-world';
import { interactionBody, pulseAnswerPayload } from '../support/slack-signing';
import {
  acknowledged,
  deliverToSlackEndpoint,
  jsonLines,
  ownDatabase,
  processAlive,
  processEnv,
  SlackDelivery,
} from './fault-support';

const AGENTS = 50;
const QUESTIONS = [
  { id: 'workload', kind: 'scale5', prompt: 'My workload this week was manageable' },
  { id: 'enps', kind: 'enps', prompt: 'How likely are you to recommend this team?' },
];
/** Each agent's answer, fixed, so the closed results can be checked figure by figure. */
const workloadOf = (i: number) => (i % 5) + 1;
const enpsOf = (i: number) => i % 11;

describe('Postgres killed and restarted under 50 agents answering', () => {
  let pg: OwnPostgres;
  let w: PulseWorld;
  let app: AppProcess | undefined;
  let roundId: string;

  beforeAll(async () => {
    pg = await OwnPostgres.start();
    const db = await ownDatabase(pg, 'pulsedesk_pgkill');
    // Set up in process (people, a team, a round delivered to all 50), then run as a process.
    w = await pulseWorld({ desk: AGENTS }, { teamId: 'T0PGKILL1', app: { db } });
    const survey = await request(w.t.url)
      .post('/api/surveys')
      .set(w.admin)
      .send({ title: 'Weekly pulse', questions: QUESTIONS, audienceTeamIds: [w.teamIds.desk] })
      .expect(201);
    roundId = (
      await request(w.t.url).post(`/api/surveys/${survey.body.id}/rounds`).set(w.admin).expect(201)
    ).body.id;
    await deliveredTo(w, roundId, AGENTS);
    await w.t.close();
    app = await startAppProcess(processEnv(db.url, w.slack, w.teamId));
  });

  afterAll(async () => {
    if (app && !processAlive(app.pid)) console.log(`app output:\n${app.output().slice(-6000)}`);
    await app?.stop();
    await w?.slack.stop();
    await pg?.destroy();
  });

  const submit = (i: number): Promise<SlackDelivery> =>
    deliverToSlackEndpoint(
      app!.url,
      interactionBody(
        pulseAnswerPayload({
          userId: w.members.desk[i],
          teamId: w.teamId,
          roundId,
          answers: {
            workload: { kind: 'scale5', value: String(workloadOf(i)) },
            enps: { kind: 'enps', value: String(enpsOf(i)) },
          },
        }),
      ),
    );

  /** /health's status; 0 when no answer came. A kept-alive socket the server had just closed is tried once more. */
  const health = async (retry = true): Promise<number> => {
    try {
      return (await fetch(`${app!.url}/health`, { signal: AbortSignal.timeout(5_000) })).status;
    } catch (err) {
      const code = (err as { cause?: { code?: string } }).cause?.code;
      if (retry && (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET')) return health(false);
      return 0;
    }
  };

  it('loses no acknowledged answer, reports the outage on /health, and survives', async () => {
    const agents = [...Array(AGENTS).keys()];
    const outcomes = new Map<number, SlackDelivery[]>(agents.map((i) => [i, []]));
    const record = (i: number, d: SlackDelivery) => outcomes.get(i)!.push(d);
    const acked = () => agents.filter((i) => outcomes.get(i)!.some(acknowledged));

    // All 50 submit at once; the database dies under them once the first answers are in.
    let settled = 0;
    const firstWave = agents.map(async (i) => {
      record(i, await submit(i));
      settled += 1;
    });
    await eventually(() => acked().length >= 1, { what: 'the first acknowledged answer' });
    const inFlightAtKill = AGENTS - settled;
    await pg.kill();
    await Promise.all(firstWave);
    const ackedBeforeRestart = acked();

    // While it is down: /health says so, and every submission is refused (never acknowledged).
    expect({ alive: processAlive(app!.pid), health: await health() }).toEqual({
      alive: true,
      health: 503,
    });
    const whileDown = await Promise.all(
      agents
        .filter((i) => !ackedBeforeRestart.includes(i))
        .map(async (i) => [i, await submit(i)] as const),
    );
    for (const [i, d] of whileDown) record(i, d);
    expect(whileDown.filter(([, d]) => acknowledged(d))).toEqual([]);
    expect(await health()).toBe(503);

    await pg.restart();
    await eventually(async () => (await health()) === 200, {
      what: '/health 200 after the restart',
      timeoutMs: 10_000,
    });
    expect(processAlive(app!.pid)).toBe(true);

    // Every answer acknowledged before or during the outage is in the round.
    const responded = async () =>
      (
        await pg.query<{ slack_user_id: string }>(
          `SELECT p.slack_user_id FROM round_invitations i JOIN people p ON p.id = i.person_id
           WHERE i.round_id = $1 AND i.responded`,
          [roundId],
          'pulsedesk_pgkill',
        )
      ).map((r) => r.slack_user_id);
    const present = new Set(await responded());
    const ackedMissing = ackedBeforeRestart.filter((i) => !present.has(w.members.desk[i]));
    expect(ackedMissing).toEqual([]);

    // The agents Slack showed an error submit again; each lands (or is already in).
    for (const i of agents.filter((a) => !ackedBeforeRestart.includes(a))) {
      await eventually(
        async () => {
          const d = await submit(i);
          record(i, d);
          return acknowledged(d);
        },
        { what: `agent ${i}'s answer after the restart`, timeoutMs: 30_000 },
      );
    }
    expect(new Set(await responded()).size).toBe(AGENTS);

    // Closed: the figures are those of exactly 50 answers, each once.
    await request(app!.url).post(`/api/rounds/${roundId}/close`).set(w.admin).expect(200);
    const results = await request(app!.url)
      .get(`/api/rounds/${roundId}/results`)
      .set(w.admin)
      .expect(200);
    const workload = findQuestion(results.body, 'workload');
    const expected: Record<string, number> = {};
    for (const i of agents) expected[workloadOf(i)] = (expected[workloadOf(i)] ?? 0) + 1;
    expect(workload.n).toBe(AGENTS);
    expect(numericKeys(workload.distribution)).toEqual(expected);
    const meanEnpsInputs = agents.map(enpsOf);
    expect(findQuestion(results.body, 'enps').n).toBe(meanEnpsInputs.length);

    // The process never restarted, and said why requests failed while the database was down.
    expect(processAlive(app!.pid)).toBe(true);
    const counts = {
      inFlightAtKill,
      acknowledgedFirstWave: ackedBeforeRestart.length,
      refusedFirstWave: AGENTS - ackedBeforeRestart.length,
      statuses: [...outcomes.values()].flat().reduce<Record<string, number>>((acc, d) => {
        acc[String(d.status)] = (acc[String(d.status)] ?? 0) + 1;
        return acc;
      }, {}),
      errorLogLines: jsonLines(app!.output()).filter((l) => Number(l.level) >= 50).length,
    };
    // For docs/reliability.md: what this run saw.
    console.log(`postgres-kill observed: ${JSON.stringify(counts)}`);
  });
});

interface QuestionFigures {
  questionId?: string;
  id?: string;
  n: number;
  distribution: Record<string, number>;
}

/** The overall figures of one question, whatever the nesting of the results document. */
function findQuestion(body: unknown, id: string): QuestionFigures {
  const stack: unknown[] = [body];
  while (stack.length) {
    const v = stack.pop();
    if (Array.isArray(v)) stack.push(...v);
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if ((o.questionId === id || o.id === id) && typeof o.n === 'number')
        return o as unknown as QuestionFigures;
      stack.push(...Object.values(o));
    }
  }
  throw new Error(`no figures for ${id} in ${JSON.stringify(body)}`);
}

function numericKeys(d: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(d).filter(([, n]) => n > 0));
}
