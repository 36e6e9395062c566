/**
 * A pulse round end to end, through signed Slack requests and the stand-in: 12 agents in two
 * teams, 10 answers with known values, a double submission, participation, exact figures, and
 * (complementary) suppression in the team breakdown.
 */
import request from 'supertest';
import { DataSource } from 'typeorm';
import { ResponsesService } from '../../src/pulse/responses.service';
import { eventually } from '../support/eventually';
import { deliveredTo, pulseWorld, PulseWorld, submitModal } from '../support/pulse-world';

const A_WORKLOAD = [5, 4, 4, 3, 5, 2, 4];
const A_ENPS = [10, 9, 8, 6, 9, 3, 10];
const B_WORKLOAD = [1, 2, 3];
const B_ENPS = [0, 5, 7];
const QUESTIONS = [
  { id: 'workload', kind: 'scale5', prompt: 'My workload this week was manageable' },
  { id: 'enps', kind: 'enps', prompt: 'How likely are you to recommend this team?' },
  { id: 'comment', kind: 'text', prompt: 'Anything you want HR to know?' },
];

describe('a pulse round through Slack', () => {
  let w: PulseWorld;

  beforeAll(async () => {
    w = await pulseWorld({ alpha: 7, bravo: 5, charlie: 6 });
  });

  afterAll(async () => {
    await w?.close();
  });

  async function openRound(audience: string[]): Promise<{ roundId: string; surveyId: string }> {
    const survey = await request(w.t.url)
      .post('/api/surveys')
      .set(w.admin)
      .send({
        title: 'Weekly pulse',
        questions: QUESTIONS,
        audienceTeamIds: audience.map((t) => w.teamIds[t]),
      })
      .expect(201);
    const opened = await request(w.t.url)
      .post(`/api/surveys/${survey.body.id}/rounds`)
      .set(w.admin)
      .expect(201);
    return { roundId: opened.body.id, surveyId: survey.body.id };
  }

  async function answer(
    roundId: string,
    userId: string,
    workload: number,
    enps: number,
    comment = '',
  ) {
    const res = await submitModal(w, userId, roundId, {
      workload: { kind: 'scale5', value: String(workload) },
      enps: { kind: 'enps', value: String(enps) },
      comment: { kind: 'text', value: comment },
    }).expect(200);
    return res;
  }

  describe('two teams of 7 and 5, ten answers', () => {
    let roundId: string;

    beforeAll(async () => {
      ({ roundId } = await openRound(['alpha', 'bravo']));
    });

    it('DMs each of the 12 invited agents at once, with the privacy line and no answer value', async () => {
      await deliveredTo(w, roundId, 12);
      const dms = w.slack.messages().filter((m) => m.channel.startsWith('D'));
      expect(dms).toHaveLength(12);
      for (const dm of dms) {
        const text = JSON.stringify(dm.blocks);
        expect(text).toContain('never _what_');
        expect(text).toContain('at least 5 people');
        expect(text).toContain('pulse_open_modal');
      }
    });

    it('refuses results while the round is open, but shows live participation', async () => {
      await request(w.t.url).get(`/api/rounds/${roundId}/results`).set(w.admin).expect(409);
      const round = await request(w.t.url).get(`/api/rounds/${roundId}`).set(w.admin).expect(200);
      expect(round.body).toMatchObject({
        status: 'open',
        participation: { invited: 12, responded: 0, rate: 0 },
      });
    });

    it('records 10 answers through the modal, counts a double submission once', async () => {
      for (const [i, user] of w.members.alpha.entries()) {
        await answer(roundId, user, A_WORKLOAD[i], A_ENPS[i], i < 2 ? `alpha comment ${i}` : '');
      }
      for (const [i, user] of w.members.bravo.slice(0, 3).entries()) {
        await answer(roundId, user, B_WORKLOAD[i], B_ENPS[i], i === 0 ? 'bravo comment' : '');
      }
      const again = await answer(roundId, w.members.alpha[0], 1, 0, 'second try');
      expect(JSON.stringify(again.body)).toContain('already answered');
      const round = await request(w.t.url).get(`/api/rounds/${roundId}`).set(w.admin).expect(200);
      expect(round.body.participation).toEqual({ invited: 12, responded: 10, rate: 0.833 });
    });

    it('refuses an out-of-range score in the modal with a field error', async () => {
      const res = await submitModal(w, w.members.bravo[4], roundId, {
        workload: { kind: 'scale5', value: '9' },
        enps: { kind: 'enps', value: '5' },
      }).expect(200);
      expect(res.body).toMatchObject({
        response_action: 'errors',
        errors: { 'q:workload': expect.any(String) },
      });
    });

    it('updates each answered DM to say it was recorded, never with a value', async () => {
      await eventually(
        () =>
          w.slack.messages().filter((m) => /recorded anonymously/.test(m.text ?? '')).length === 10,
        {
          what: 'answered DMs updated',
        },
      );
      const all = JSON.stringify(w.slack.messages()) + JSON.stringify(w.slack.ephemerals());
      for (const secret of ['alpha comment', 'bravo comment', 'second try'])
        expect(all).not.toContain(secret);
    });

    it('closes, then publishes exact overall figures and suppresses both teams (complementary)', async () => {
      await request(w.t.url).post(`/api/rounds/${roundId}/close`).set(w.admin).expect(200);
      await request(w.t.url).post(`/api/rounds/${roundId}/close`).set(w.admin).expect(409);
      const res = await request(w.t.url)
        .get(`/api/rounds/${roundId}/results?groupBy=team`)
        .set(w.admin)
        .expect(200);
      expect(res.body).toMatchObject({ suppressed: false, respondents: 10, k: 5 });
      const workload = res.body.questions.find(
        (q: { questionId: string }) => q.questionId === 'workload',
      );
      expect(workload).toMatchObject({
        n: 10,
        mean: 3.3,
        favorability: 50,
        distribution: { '1': 1, '2': 2, '3': 2, '4': 3, '5': 2 },
      });
      const enps = res.body.questions.find((q: { questionId: string }) => q.questionId === 'enps');
      expect(enps).toMatchObject({ n: 10, enps: 0 });
      expect(res.body.groups).toEqual([
        { key: w.teamIds.alpha, name: 'alpha', suppressed: true },
        { key: w.teamIds.bravo, name: 'bravo', suppressed: true },
      ]);
      expect(res.body.comments.map((c: { text: string }) => c.text).sort()).toEqual([
        'alpha comment 0',
        'alpha comment 1',
        'bravo comment',
      ]);
      expect(JSON.stringify(res.body.groups)).not.toContain('comment');
    });
  });

  describe('three teams answering 7, 3 and 6', () => {
    it('suppresses the small team and the next smallest, and shows the largest exactly', async () => {
      const { roundId } = await openRound(['alpha', 'bravo', 'charlie']);
      await deliveredTo(w, roundId, 18);
      for (const [i, user] of w.members.alpha.entries())
        await answer(roundId, user, A_WORKLOAD[i], A_ENPS[i]);
      for (const [i, user] of w.members.bravo.slice(0, 3).entries())
        await answer(roundId, user, B_WORKLOAD[i], B_ENPS[i]);
      for (const user of w.members.charlie) await answer(roundId, user, 3, 8);
      await request(w.t.url).post(`/api/rounds/${roundId}/close`).set(w.admin).expect(200);
      const res = await request(w.t.url)
        .get(`/api/rounds/${roundId}/results?groupBy=team`)
        .set(w.admin)
        .expect(200);
      const byName = Object.fromEntries(res.body.groups.map((g: { name: string }) => [g.name, g]));
      expect(byName.bravo).toEqual({ key: w.teamIds.bravo, name: 'bravo', suppressed: true });
      expect(byName.charlie).toEqual({ key: w.teamIds.charlie, name: 'charlie', suppressed: true });
      expect(byName.alpha).toMatchObject({ suppressed: false, respondents: 7 });
      const alphaWorkload = byName.alpha.questions.find(
        (q: { questionId: string }) => q.questionId === 'workload',
      );
      // 5,4,4,3,5,2,4 → mean 27/7 = 3.857…, 5 of 7 favorable
      expect(alphaWorkload).toMatchObject({ n: 7, mean: 3.86, favorability: 71.4 });
      const alphaEnps = byName.alpha.questions.find(
        (q: { questionId: string }) => q.questionId === 'enps',
      );
      // promoters 10,9,9,10 = 4/7, detractors 6,3 = 2/7 → 28.6
      expect(alphaEnps).toMatchObject({ n: 7, enps: 28.6 });
      expect(res.body.respondents).toBe(16);
    });
  });

  describe('an answer racing a close, or from someone not invited', () => {
    it('is refused as closed when the round closed after it was looked up, and writes nothing', async () => {
      const { roundId } = await openRound(['alpha']);
      const responses = w.t.app.get(ResponsesService);
      const round = await responses.roundToAnswer(w.teamId, roundId);
      expect(round).toMatchObject({ id: roundId, closed: false });
      await request(w.t.url).post(`/api/rounds/${roundId}/close`).set(w.admin).expect(200);
      // The copy the answer path keeps still says open: the write itself must refuse.
      expect(await responses.roundToAnswer(w.teamId, roundId)).toMatchObject({ closed: false });
      const outcome = await responses.answer(round!, w.members.alpha[0], [
        { questionId: 'workload', value: '4' },
        { questionId: 'enps', value: '9' },
      ]);
      expect(outcome.status).toBe('closed');
      const [{ written, claimed }] = await w.t.app.get(DataSource).query(
        `SELECT (SELECT count(*)::int FROM responses WHERE round_id = $1) AS written,
                (SELECT count(*)::int FROM round_invitations WHERE round_id = $1 AND responded) AS claimed`,
        [roundId],
      );
      expect({ written, claimed }).toEqual({ written: 0, claimed: 0 });
    });

    it('is refused as not invited, and writes nothing, for someone outside the audience or unknown', async () => {
      const { roundId } = await openRound(['alpha']);
      const responses = w.t.app.get(ResponsesService);
      const round = await responses.roundToAnswer(w.teamId, roundId);
      const given = [
        { questionId: 'workload', value: '4' },
        { questionId: 'enps', value: '9' },
      ];
      for (const user of [w.members.bravo[0], 'U0NOBODY0']) {
        expect((await responses.answer(round!, user, given)).status).toBe('not_invited');
      }
      expect((await responses.answer(round!, w.members.alpha[1], given)).status).toBe('recorded');
      expect((await responses.answer(round!, w.members.alpha[1], given)).status).toBe(
        'already_answered',
      );
      // One sealed ballot while the round is open, nothing in plaintext.
      const [row] = await w.t.app.get(DataSource).query(
        `SELECT (SELECT count(*)::int FROM ballots WHERE round_id = $1) AS ballots,
                (SELECT count(*)::int FROM responses WHERE round_id = $1) AS responses`,
        [roundId],
      );
      expect(row).toEqual({ ballots: 1, responses: 0 });
    });
  });
});
