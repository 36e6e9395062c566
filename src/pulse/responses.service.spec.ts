import { randomBytes } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { aRound } from '../../test/support/pulse-fakes';
import { TestClock } from '../../test/support/test-clock';
import { DomainError } from '../common/errors';
import { KeyRing } from '../common/key-ring';
import type { WorkspacesService } from '../workspaces/workspaces.service';
import type { AnsweredJobsBatcher } from './answered-jobs.batcher';
import type { RoundEntity } from './entities/round.entity';
import type { QuestionDef } from './pulse.types';
import type { BallotToCast, ResponseClaim, ResponsesRepository } from './responses.repository';
import { AnswerableRound, ResponsesService } from './responses.service';
import type { RoundsRepository } from './rounds.repository';
import { decodeBallot } from './sealing/ballot-codec';
import { newRoundKey, openBallot } from './sealing/ballot-seal';

const TEAM = '00000000-0000-4000-8000-0000000000a1';
const BALLOT = '00000000-0000-4000-8000-0000000000b1';

const QUESTIONS: QuestionDef[] = [
  { id: 'mood', kind: 'scale5', prompt: 'How was the week?' },
  { id: 'comment', kind: 'text', prompt: 'Anything else?' },
];

describe('ResponsesService', () => {
  const clock = new TestClock('2026-11-25T10:00:00Z');
  const ring = new KeyRing(randomBytes(32));
  const workspace = { id: 'w1', anonymityThreshold: 7 };

  beforeAll(() => jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined));
  afterAll(() => jest.restoreAllMocks());

  function setup(
    round: Partial<RoundEntity> = {},
    claim: ResponseClaim = 'claimed',
    workspaceThreshold = 5,
  ) {
    const stored = aRound({ questions: QUESTIONS, k: 5, ...round });
    const wrapped = newRoundKey(ring, stored.id).wrapped;
    const cast: BallotToCast[] = [];
    const roundsRepository = {
      findInvitationBySlackUser: jest.fn(async (_w: string, slackUserId: string) =>
        slackUserId === 'UINVITED'
          ? { round: stored, personId: 'p1', teamId: 't1', responded: false, surveyTitle: 'Pulse' }
          : null,
      ),
      findWithSurveyTitle: jest.fn(async () => ({
        round: stored,
        surveyTitle: 'Pulse',
        ballotKey: stored.status === 'open' ? wrapped : null,
      })),
      ensureBallotKey: jest.fn(),
    };
    const responsesRepository = {
      claimAndCast: jest.fn(async (ballot: BallotToCast) => {
        cast.push(ballot);
        return { claim, personId: claim === 'not_invited' ? null : 'p1' };
      }),
    };
    const workspaces = {
      findBySlackTeamId: async (slackTeamId: string) => (slackTeamId === 'T1' ? workspace : null),
      settingsOf: () => ({ anonymityThreshold: workspaceThreshold }),
    };
    const answeredJobs = { enqueue: jest.fn(async () => undefined) };
    const service = new ResponsesService(
      roundsRepository as unknown as RoundsRepository,
      responsesRepository as unknown as ResponsesRepository,
      workspaces as unknown as WorkspacesService,
      answeredJobs as unknown as AnsweredJobsBatcher,
      clock,
      ring,
    );
    return { service, roundsRepository, responsesRepository, answeredJobs, cast };
  }

  describe('invitationFor', () => {
    it('shows the invitee the k in force, raised by the workspace’s threshold', async () => {
      const { service } = setup({ k: 5 }, 'claimed', 8);
      const view = await service.invitationFor('T1', 'UINVITED', 'r1');
      expect(view).toMatchObject({ personId: 'p1', teamId: 't1', k: 8, open: true });
    });

    it('says a round past its window is not open, even before the close job ran', async () => {
      const { service } = setup({ closesAt: new Date('2026-11-25T09:59:59Z') });
      expect((await service.invitationFor('T1', 'UINVITED', 'r1'))!.open).toBe(false);
    });

    it('is null for someone not invited, and for an unknown workspace', async () => {
      const { service } = setup();
      expect(await service.invitationFor('T1', 'USTRANGER', 'r1')).toBeNull();
      expect(await service.invitationFor('TOTHER', 'UINVITED', 'r1')).toBeNull();
    });
  });

  describe('roundToAnswer', () => {
    it('keeps a round for a minute: a second answer reads nothing', async () => {
      const { service, roundsRepository } = setup();
      const first = await service.roundToAnswer('T1', 'r1');
      expect(first).toMatchObject({ id: 'r1', closed: false, title: 'Pulse' });
      expect(first!.ballotKey).toBeInstanceOf(Buffer);
      await service.roundToAnswer('T1', 'r1');
      expect(roundsRepository.findWithSurveyTitle).toHaveBeenCalledTimes(1);
      clock.advance(60_001);
      await service.roundToAnswer('T1', 'r1');
      expect(roundsRepository.findWithSurveyTitle).toHaveBeenCalledTimes(2);
    });

    it('gives a closed round no key to seal with', async () => {
      const { service } = setup({ status: 'closed' });
      expect(await service.roundToAnswer('T1', 'r1')).toMatchObject({
        closed: true,
        ballotKey: null,
      });
    });
  });

  describe('answer', () => {
    async function answerable(service: ResponsesService): Promise<AnswerableRound> {
      return (await service.roundToAnswer('T1', 'r1'))!;
    }

    it('seals the answer under the round’s key with the team snapshot, then queues the DM update', async () => {
      const { service, cast, answeredJobs } = setup();
      const round = await answerable(service);
      const outcome = await service.answer(round, 'UINVITED', [
        { questionId: 'mood', value: '4' },
        { questionId: 'comment', value: '  calm week ' },
      ]);
      expect(outcome.status).toBe('recorded');
      expect(cast).toHaveLength(1);
      // The repository never sees a value: only a sealed ballot, opened here with the round's key.
      const sealed = cast[0].seal(TEAM, BALLOT);
      const content = decodeBallot(QUESTIONS, openBallot(round.ballotKey!, 'r1', BALLOT, sealed));
      expect(content.teamId).toBe(TEAM);
      expect(content.answers).toEqual([
        { questionId: 'mood', value: '4' },
        { questionId: 'comment', comment: 'calm week' },
      ]);
      expect(answeredJobs.enqueue).toHaveBeenCalledWith({ roundId: 'r1', personId: 'p1' });
    });

    it.each(['already_answered', 'closed'] as const)(
      'reports %s from the write and queues no DM update',
      async (claim) => {
        const { service, answeredJobs } = setup({}, claim);
        const outcome = await service.answer(await answerable(service), 'UINVITED', [
          { questionId: 'mood', value: '4' },
        ]);
        expect(outcome.status).toBe(claim);
        expect(answeredJobs.enqueue).not.toHaveBeenCalled();
      },
    );

    it('reports not_invited for someone the write did not find', async () => {
      const { service } = setup({}, 'not_invited');
      const outcome = await service.answer(await answerable(service), 'USTRANGER', [
        { questionId: 'mood', value: '4' },
      ]);
      expect(outcome).toEqual({ status: 'not_invited' });
    });

    it('does not even try to write once the window has passed', async () => {
      const { service, responsesRepository } = setup({
        closesAt: new Date('2026-11-25T10:30:00Z'),
      });
      clock.set('2026-11-25T10:00:00Z');
      const round = await answerable(service);
      clock.set('2026-11-25T10:30:00Z');
      const outcome = await service.answer(round, 'UINVITED', [{ questionId: 'mood', value: '4' }]);
      expect(outcome.status).toBe('closed');
      expect(responsesRepository.claimAndCast).not.toHaveBeenCalled();
      clock.set('2026-11-25T10:00:00Z');
    });

    it.each([
      [
        'a value out of range',
        [{ questionId: 'mood', value: '6' }],
        '"6" is not an answer to question mood',
      ],
      ['a required question left out', [], 'Question mood needs an answer'],
      [
        'a question answered twice',
        [
          { questionId: 'mood', value: '3' },
          { questionId: 'mood', value: '4' },
        ],
        'Question mood is answered twice',
      ],
      [
        'a question the round did not ask',
        [
          { questionId: 'mood', value: '3' },
          { questionId: 'salary', value: '1' },
        ],
        'Unknown question salary',
      ],
      [
        'a comment over the limit',
        [
          { questionId: 'mood', value: '3' },
          { questionId: 'comment', value: 'x'.repeat(1001) },
        ],
        'The comment is longer than 1000 characters',
      ],
    ])('refuses %s with validation_failed, writing nothing', async (_what, given, message) => {
      const { service, responsesRepository } = setup();
      const err = await service
        .answer(await answerable(service), 'UINVITED', given)
        .catch((e: DomainError) => e);
      expect(err).toBeInstanceOf(DomainError);
      expect(err).toMatchObject({ code: 'validation_failed', message });
      expect(responsesRepository.claimAndCast).not.toHaveBeenCalled();
    });
  });
});
