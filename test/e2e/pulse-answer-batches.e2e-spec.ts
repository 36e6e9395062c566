/**
 * Answers arriving together are written by one claim statement and one ballot statement
 * (ResponsesRepository via Coalescer), and each keeps its own outcome: recorded, already
 * answered (also twice in one batch), not invited, closed. A batch whose statement fails is
 * written answer by answer, so one bad answer fails only itself.
 */
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { AnswerInput, ResponsesRepository } from '../../src/pulse/responses.repository';
import { AnswerableRound, ResponsesService } from '../../src/pulse/responses.service';
import { encodeBallot } from '../../src/pulse/sealing/ballot-codec';
import { sealBallot } from '../../src/pulse/sealing/ballot-seal';
import { WorkspacesService } from '../../src/workspaces/workspaces.service';
import { pulseWorld, PulseWorld } from '../support/pulse-world';

const QUESTIONS = [
  { id: 'workload', kind: 'scale5', prompt: 'My workload was manageable' },
  { id: 'comment', kind: 'text', prompt: 'Anything else?' },
];

describe('answers written together', () => {
  let w: PulseWorld;
  let ds: DataSource;
  let repo: ResponsesRepository;
  let workspaceId: string;

  beforeAll(async () => {
    w = await pulseWorld({ alpha: 6, bravo: 2 });
    ds = w.t.app.get(DataSource);
    repo = w.t.app.get(ResponsesRepository);
    workspaceId = (await w.t.app.get(WorkspacesService).findBySlackTeamId(w.teamId))!.id;
  });

  afterAll(async () => {
    await w?.close();
  });

  async function openRound(title: string): Promise<string> {
    const survey = await request(w.t.url)
      .post('/api/surveys')
      .set(w.admin)
      .send({ title, questions: QUESTIONS, audienceTeamIds: [w.teamIds.alpha] })
      .expect(201);
    const opened = await request(w.t.url)
      .post(`/api/surveys/${survey.body.id}/rounds`)
      .set(w.admin)
      .expect(201);
    return opened.body.id;
  }

  const counts = async (roundId: string) => {
    const [row] = await ds.query(
      `SELECT (SELECT count(*)::int FROM round_invitations WHERE round_id = $1 AND responded) AS responded,
              (SELECT count(*)::int FROM ballots WHERE round_id = $1) AS ballots,
              (SELECT count(*)::int FROM responses WHERE round_id = $1) AS responses,
              (SELECT count(*)::int FROM answers WHERE round_id = $1) AS answers`,
      [roundId],
    );
    return row as { responded: number; ballots: number; responses: number; answers: number };
  };

  /** The rounds as the answer path reads them (with their keys), read before a test's writes. */
  const answerable = new Map<string, AnswerableRound | null>();
  const prepare = async (...roundIds: string[]) => {
    for (const id of roundIds) {
      answerable.set(id, await w.t.app.get(ResponsesService).roundToAnswer(w.teamId, id));
    }
  };

  /** The repository's write, sealed as the answer path seals it (a closed round has no key). */
  function cast(slackUserId: string, roundId: string, answers: AnswerInput[]) {
    const round = answerable.get(roundId)!;
    const key = round.ballotKey ?? randomBytes(32);
    return repo.claimAndCast({
      workspaceId,
      slackUserId,
      roundId,
      seal: (teamId, ballotId) =>
        sealBallot(key, roundId, ballotId, encodeBallot(round.questions, { teamId, answers })),
    });
  }

  it('writes a batch with one statement and gives each answer its own outcome', async () => {
    const open = await openRound('Batched');
    const closed = await openRound('Closed already');
    await request(w.t.url).post(`/api/rounds/${closed}/close`).set(w.admin).expect(200);
    await prepare(open, closed);
    const [a0, a1, a2] = w.members.alpha;
    const scored = (value: string) => [{ questionId: 'workload', value }];
    const query = jest.spyOn(ds, 'query');
    const outcomes = await Promise.all([
      cast(a0, open, [...scored('4'), { questionId: 'comment', comment: 'fine' }]),
      cast(a1, open, scored('2')),
      cast(a1, open, scored('5')),
      cast(w.members.bravo[0], open, scored('3')),
      cast('UNOBODY', open, scored('3')),
      cast(a2, closed, scored('1')),
    ]);
    const claims = query.mock.calls.filter(([sql]) => String(sql).includes('WITH input'));
    const ballots = query.mock.calls.filter(([sql]) => String(sql).includes('INSERT INTO ballots'));
    query.mockRestore();
    expect(claims).toHaveLength(1);
    expect(ballots).toHaveLength(1);
    expect(outcomes.map((o) => o.claim)).toEqual([
      'claimed',
      // The same person twice in one batch: one of the two is recorded.
      expect.stringMatching(/^(claimed|already_answered)$/),
      expect.stringMatching(/^(claimed|already_answered)$/),
      'not_invited',
      'not_invited',
      'closed',
    ]);
    expect(outcomes[1].claim).not.toBe(outcomes[2].claim);
    expect(outcomes[0].personId).toBeTruthy();
    expect(outcomes[1].personId).toBe(outcomes[2].personId);
    expect(outcomes[4].personId).toBeNull();
    // While open, the answers exist only as two sealed ballots.
    expect(await counts(open)).toEqual({ responded: 2, ballots: 2, responses: 0, answers: 0 });
    expect(await counts(closed)).toEqual({ responded: 0, ballots: 0, responses: 0, answers: 0 });
    await request(w.t.url).post(`/api/rounds/${open}/close`).set(w.admin).expect(200);
    expect(await counts(open)).toEqual({ responded: 2, ballots: 0, responses: 2, answers: 3 });
    // Each response carries its own answers, not a neighbour's.
    const perResponse: { n: number; comment: string | null }[] = await ds.query(
      `SELECT count(*)::int AS n, max(comment) AS comment FROM answers
        WHERE round_id = $1 GROUP BY response_id ORDER BY n`,
      [open],
    );
    expect(perResponse).toEqual([
      { n: 1, comment: null },
      { n: 2, comment: 'fine' },
    ]);
  });

  it('writes the rest of a batch when one answer in it cannot be written', async () => {
    const open = await openRound('One bad answer');
    await prepare(open);
    const [a0, a1, a2] = w.members.alpha.slice(3);
    const outcomes = await Promise.allSettled([
      cast(a0, open, [{ questionId: 'workload', value: '4' }]),
      // The same question twice cannot be sealed: the whole batch would fail.
      cast(a1, open, [
        { questionId: 'workload', value: '4' },
        { questionId: 'workload', value: '5' },
      ]),
      cast(a2, open, [{ questionId: 'workload', value: '1' }]),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(outcomes.map((o) => (o.status === 'fulfilled' ? o.value.claim : null))).toEqual([
      'claimed',
      null,
      'claimed',
    ]);
    // Nothing of the failed answer stayed: its participation flag went with its statement.
    expect(await counts(open)).toEqual({ responded: 2, ballots: 2, responses: 0, answers: 0 });
  });
});
