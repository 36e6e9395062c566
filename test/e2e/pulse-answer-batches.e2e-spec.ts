/**
 * Answers arriving together are written by one statement (ResponsesRepository via Coalescer),
 * and each keeps its own outcome: recorded, already answered (also twice in one batch), not
 * invited, closed. A batch whose statement fails is written answer by answer, so one bad answer
 * fails only itself.
 */
import request from 'supertest';
import { DataSource } from 'typeorm';
import { ResponsesRepository } from '../../src/pulse/responses.repository';
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
              (SELECT count(*)::int FROM responses WHERE round_id = $1) AS responses,
              (SELECT count(*)::int FROM answers WHERE round_id = $1) AS answers`,
      [roundId],
    );
    return row as { responded: number; responses: number; answers: number };
  };

  it('writes a batch with one statement and gives each answer its own outcome', async () => {
    const open = await openRound('Batched');
    const closed = await openRound('Closed already');
    await request(w.t.url).post(`/api/rounds/${closed}/close`).set(w.admin).expect(200);
    const [a0, a1, a2] = w.members.alpha;
    const scored = (value: string) => [{ questionId: 'workload', value }];
    const query = jest.spyOn(ds, 'query');
    const outcomes = await Promise.all([
      repo.claimAndRecord(workspaceId, a0, open, [
        ...scored('4'),
        { questionId: 'comment', comment: 'fine' },
      ]),
      repo.claimAndRecord(workspaceId, a1, open, scored('2')),
      repo.claimAndRecord(workspaceId, a1, open, scored('5')),
      repo.claimAndRecord(workspaceId, w.members.bravo[0], open, scored('3')),
      repo.claimAndRecord(workspaceId, 'UNOBODY', open, scored('3')),
      repo.claimAndRecord(workspaceId, a2, closed, scored('1')),
    ]);
    const statements = query.mock.calls.filter(([sql]) => String(sql).includes('WITH input'));
    query.mockRestore();
    expect(statements).toHaveLength(1);
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
    expect(await counts(open)).toEqual({ responded: 2, responses: 2, answers: 3 });
    expect(await counts(closed)).toEqual({ responded: 0, responses: 0, answers: 0 });
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
    const [a0, a1, a2] = w.members.alpha.slice(3);
    const outcomes = await Promise.allSettled([
      repo.claimAndRecord(workspaceId, a0, open, [{ questionId: 'workload', value: '4' }]),
      // The same question twice breaks the answers' key: the whole statement would fail.
      repo.claimAndRecord(workspaceId, a1, open, [
        { questionId: 'workload', value: '4' },
        { questionId: 'workload', value: '5' },
      ]),
      repo.claimAndRecord(workspaceId, a2, open, [{ questionId: 'workload', value: '1' }]),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(outcomes.map((o) => (o.status === 'fulfilled' ? o.value.claim : null))).toEqual([
      'claimed',
      null,
      'claimed',
    ]);
    // Nothing of the failed answer stayed: its participation flag went with its statement.
    expect(await counts(open)).toEqual({ responded: 2, responses: 2, answers: 2 });
  });
});
