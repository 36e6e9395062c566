/**
 * Replays, as Slack produces them: the Events API re-sends an event it thinks was not
 * acknowledged (X-Slack-Retry-Num 1..3, X-Slack-Retry-Reason), and agents double-click — the
 * same block action or view submission arrives twice, at once or one after the other. Each
 * agent's replays are drawn at random (seeded, printed, so a failure can be replayed):
 * nothing is counted twice.
 */
import request from 'supertest';
import { DataSource } from 'typeorm';
import { eventually } from '../support/eventually';
import { OwnPostgres } from '../support/own-postgres';
import { deliveredTo, pulseWorld, PulseWorld } from '../support/pulse-world';
import {
  blockActionsPayload,
  eventBody,
  interactionBody,
  pulseAnswerPayload,
} from '../support/slack-signing';
import { acknowledged, deliverToSlackEndpoint, ownDatabase, SlackDelivery } from './fault-support';

const AGENTS = 24;
/**
 * Deadline for work the app finishes after acknowledging (taps, clicks, events): a deadline,
 * not a timing check — on the shared machine a loaded run took longer than eventually's 15 s.
 */
const LOADED_MS = 90_000;
const SEED = Number(process.env.FAULT_SEED ?? Date.now() % 1_000_000);

/** mulberry32: a small seeded generator, so a failing draw can be run again. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * 1 to 3 deliveries of the same request: all at once (a double click) or one after another.
 * When none was acknowledged within Slack's 3 s (this machine is shared and loaded), it is sent
 * again until one is, as Slack retries an event and an agent clicks again: more replays.
 */
async function replay(
  rand: () => number,
  send: (attempt: number) => Promise<SlackDelivery>,
): Promise<SlackDelivery[]> {
  const times = 1 + Math.floor(rand() * 3);
  const out: SlackDelivery[] = [];
  if (rand() < 0.5) out.push(...(await Promise.all([...Array(times).keys()].map((a) => send(a)))));
  else for (let a = 0; a < times; a++) out.push(await send(a));
  while (!out.some(acknowledged) && out.length < 30) out.push(await send(out.length));
  return out;
}

/** How many deliveries were not acknowledged in time (all were followed by one that was). */
const unacknowledged = (deliveries: SlackDelivery[][]) => {
  for (const d of deliveries) expect(d.some(acknowledged)).toBe(true);
  return deliveries.flat().filter((d) => !acknowledged(d)).length;
};

describe('replayed Slack requests', () => {
  let pg: OwnPostgres;
  let w: PulseWorld;
  let ds: DataSource;
  const rand = random(SEED);

  beforeAll(async () => {
    console.log(`replays: FAULT_SEED=${SEED}`);
    pg = await OwnPostgres.start();
    const db = await ownDatabase(pg, 'pulsedesk_replays');
    w = await pulseWorld({ desk: AGENTS }, { teamId: 'T0REPLAY1', app: { db } });
    ds = w.t.app.get(DataSource);
  });

  afterAll(async () => {
    await w?.close();
    await pg?.destroy();
  });

  const post = (body: string, contentType?: string, headers?: Record<string, string>) =>
    deliverToSlackEndpoint(w.t.url, body, { contentType, headers });

  async function openRound(questions: object[]): Promise<string> {
    const survey = await request(w.t.url)
      .post('/api/surveys')
      .set(w.admin)
      .send({ title: 'Replay pulse', questions, audienceTeamIds: [w.teamIds.desk] })
      .expect(201);
    const round = await request(w.t.url)
      .post(`/api/surveys/${survey.body.id}/rounds`)
      .set(w.admin)
      .expect(201);
    await deliveredTo(w, round.body.id, AGENTS);
    return round.body.id;
  }

  async function closedFigures(roundId: string) {
    await request(w.t.url).post(`/api/rounds/${roundId}/close`).set(w.admin).expect(200);
    const res = await request(w.t.url)
      .get(`/api/rounds/${roundId}/results`)
      .set(w.admin)
      .expect(200);
    const [{ stored }] = await ds.query(
      `SELECT count(*)::int AS stored FROM round_invitations WHERE round_id = $1 AND responded`,
      [roundId],
    );
    return { body: JSON.stringify(res.body), results: res.body, stored };
  }

  it('counts each double-submitted modal answer once', async () => {
    const roundId = await openRound([
      { id: 'workload', kind: 'scale5', prompt: 'My workload this week was manageable' },
    ]);
    const deliveries = await Promise.all(
      w.members.desk.map((user, i) =>
        replay(rand, () =>
          post(
            interactionBody(
              pulseAnswerPayload({
                userId: user,
                teamId: w.teamId,
                roundId,
                answers: { workload: { kind: 'scale5', value: String((i % 5) + 1) } },
              }),
            ),
          ),
        ),
      ),
    );
    const late = unacknowledged(deliveries);
    const { results, stored } = await closedFigures(roundId);
    expect(stored).toBe(AGENTS);
    expect(figures(results, 'workload')).toEqual({ n: AGENTS, distribution: fiveEach(AGENTS) });
    console.log(
      `replays observed: modal deliveries ${deliveries.flat().length} (${late} late) for ${AGENTS}`,
    );
  });

  it('counts each double-tapped score once', async () => {
    const roundId = await openRound([{ id: 'mood', kind: 'scale5', prompt: 'How was your week?' }]);
    const deliveries = await Promise.all(
      w.members.desk.map((user, i) => {
        const payload = blockActionsPayload({
          userId: user,
          teamId: w.teamId,
          actionId: `pulse_score_${(i % 5) + 1}`,
          blockId: 'pulse_scores',
          value: roundId,
          channelId: w.slack.dmChannelId(w.teamId, user),
        });
        // The same click, delivered again byte for byte.
        return replay(rand, () => post(interactionBody(payload)));
      }),
    );
    const late = unacknowledged(deliveries);
    // Taps are acknowledged first and recorded after: wait for every agent's to land.
    await eventually(
      async () => {
        const [{ n }] = await ds.query(
          `SELECT count(*)::int AS n FROM round_invitations WHERE round_id = $1 AND responded`,
          [roundId],
        );
        return n === AGENTS;
      },
      { what: 'every tap recorded', timeoutMs: LOADED_MS },
    );
    const { results, stored } = await closedFigures(roundId);
    expect(stored).toBe(AGENTS);
    expect(figures(results, 'mood')).toEqual({ n: AGENTS, distribution: fiveEach(AGENTS) });
    console.log(
      `replays observed: tap deliveries ${deliveries.flat().length} (${late} late) for ${AGENTS}`,
    );
  });

  it('starts one focus block per double-clicked quick focus on App Home', async () => {
    w.slack.clearCalls();
    const deliveries = await Promise.all(
      w.members.desk.map((user) => {
        const payload = blockActionsPayload({
          userId: user,
          teamId: w.teamId,
          actionId: 'home_focus_quick',
          blockId: 'home_focus',
          value: '30',
          view: { id: `VHOME${user}`, type: 'home', team_id: w.teamId },
        });
        return replay(rand, () => post(interactionBody(payload)));
      }),
    );
    const late = unacknowledged(deliveries);
    await eventually(
      async () => {
        const rows: { n: number }[] = await ds.query(
          `SELECT count(*)::int AS n FROM focus_blocks WHERE state <> 'cancelled'`,
        );
        return rows[0].n >= AGENTS;
      },
      { what: 'a focus block per agent', timeoutMs: LOADED_MS },
    );
    // Every click is handled (its home view published) before counting.
    const acked = deliveries.flat().filter(acknowledged).length;
    await eventually(() => w.slack.calls('views.publish').length >= acked, {
      what: 'every acknowledged click handled',
      timeoutMs: LOADED_MS,
    });
    const perPerson: { person_id: string; n: number }[] = await ds.query(
      `SELECT person_id, count(*)::int AS n FROM focus_blocks
        WHERE state <> 'cancelled' GROUP BY person_id`,
    );
    expect(perPerson).toHaveLength(AGENTS);
    expect(perPerson.filter((r) => r.n !== 1)).toEqual([]);
    console.log(
      `replays observed: quick-focus deliveries ${deliveries.flat().length} (${late} late)`,
    );
  });

  it('acknowledges every retried event and publishes one up-to-date App Home per event', async () => {
    w.slack.clearCalls();
    const events = w.members.desk.map((user) => ({
      user,
      body: eventBody({
        teamId: w.teamId,
        event: {
          type: 'app_home_opened',
          user,
          channel: `D${user.slice(1)}`,
          tab: 'home',
          event_ts: `${Math.floor(Date.now() / 1000)}.000100`,
        },
      }),
    }));
    let retries = 0;
    const deliveries = await Promise.all(
      events.map(({ body }) =>
        replay(rand, (attempt) => {
          if (attempt > 0) retries += 1;
          // The same envelope (same event_id), marked as Slack marks a retry.
          const headers: Record<string, string> =
            attempt === 0
              ? {}
              : {
                  'X-Slack-Retry-Num': String(attempt),
                  'X-Slack-Retry-Reason': rand() < 0.5 ? 'http_timeout' : 'http_error',
                };
          return post(body, 'application/json', headers);
        }),
      ),
    );
    const late = unacknowledged(deliveries);
    const acked = deliveries.flat().filter(acknowledged).length;
    await eventually(() => w.slack.calls('views.publish').length >= acked, {
      what: 'a home publish per acknowledged delivery',
      timeoutMs: LOADED_MS,
    });
    expect(w.slack.calls('views.publish').length).toBeLessThanOrEqual(deliveries.flat().length);
    // Publishing the tab is idempotent (views.publish replaces it): what counts is that no
    // retry changed anything else — the agents' focus blocks are as before, one each.
    const perPerson: { n: number }[] = await ds.query(
      `SELECT count(*)::int AS n FROM focus_blocks WHERE state <> 'cancelled' GROUP BY person_id`,
    );
    expect(perPerson.every((r) => r.n === 1)).toBe(true);
    for (const { user } of events) expect(w.slack.homeView(user)).toBeDefined();
    console.log(`replays observed: events ${events.length}, retries ${retries} (${late} late)`);
  });
});

/** Each score 1..5 given by every fifth agent. */
function fiveEach(agents: number): Record<string, number> {
  const d: Record<string, number> = {};
  for (let i = 0; i < agents; i++) d[String((i % 5) + 1)] = (d[String((i % 5) + 1)] ?? 0) + 1;
  return d;
}

/** n and the non-empty distribution of one question's overall figures. */
function figures(body: unknown, id: string): { n: number; distribution: Record<string, number> } {
  const stack: unknown[] = [body];
  while (stack.length) {
    const v = stack.pop();
    if (Array.isArray(v)) stack.push(...v);
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if ((o.questionId === id || o.id === id) && typeof o.n === 'number') {
        const distribution = Object.fromEntries(
          Object.entries((o.distribution ?? {}) as Record<string, number>).filter(([, n]) => n > 0),
        );
        return { n: o.n, distribution };
      }
      stack.push(...Object.values(o));
    }
  }
  throw new Error(`no figures for ${id} in ${JSON.stringify(body)}`);
}
