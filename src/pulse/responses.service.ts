/**
 * Recording an answer. Participation (whether) and content (what) are written in one
 * transaction, in separate tables that nothing joins; the content only as a ballot sealed here,
 * in the process, under the round's own key (docs/anonymity.md). A second answer by the same
 * person to the same round is refused. The DM is updated afterwards, by a job queued after that
 * write.
 */
import { Injectable, Logger } from '@nestjs/common';
import { Clock } from '../common/clock';
import { DomainError } from '../common/errors';
import { KeyRing } from '../common/key-ring';
import { WorkspacesService } from '../workspaces/workspaces.service';
import { effectiveK } from './effective-k';
import { RoundEntity } from './entities/round.entity';
import { AnsweredJobsBatcher } from './answered-jobs.batcher';
import type { QuestionDef } from './pulse.types';
import { possibleValues } from './result-building/pulse-statistics';
import { AnswerInput, ResponsesRepository } from './responses.repository';
import { RoundsRepository } from './rounds.repository';
import { COMMENT_MAX_CHARS, encodeBallot } from './sealing/ballot-codec';
import { newRoundKey, sealBallot, unwrapRoundKey } from './sealing/ballot-seal';

/** What answering needs of a round; fixed once the round opens, except whether it is closed. */
export interface AnswerableRound {
  id: string;
  workspaceId: string;
  questions: QuestionDef[];
  closesAt: Date;
  /** Closed when it was read; an open copy may be stale, so the write checks again. */
  closed: boolean;
  title: string;
  /** The round's data key, unwrapped (null once closed): it seals this round's ballots. */
  ballotKey: Buffer | null;
}

export type SubmitOutcome =
  | { status: 'recorded'; round: AnswerableRound }
  | { status: 'already_answered' | 'closed'; round: AnswerableRound }
  | { status: 'not_invited' };

const ANSWERABLE_ROUND_TTL_MS = 60_000;
/** Rounds open at once are few; past this many the copies are simply dropped. */
const ANSWERABLE_ROUNDS_KEPT = 1000;

/** Characters as Slack counts them in a modal (code points, so an emoji is one). */
export const COMMENT_MAX_LENGTH = COMMENT_MAX_CHARS;

export interface InvitationView {
  round: RoundEntity;
  personId: string;
  /** The person's team now: the snapshot an answer is stored with. */
  teamId: string | null;
  title: string;
  k: number;
  responded: boolean;
  open: boolean;
}

@Injectable()
export class ResponsesService {
  private readonly logger = new Logger(ResponsesService.name);
  private readonly answerable = new Map<string, { round: AnswerableRound; until: number }>();

  constructor(
    private readonly roundsRepository: RoundsRepository,
    private readonly responsesRepository: ResponsesRepository,
    private readonly workspacesService: WorkspacesService,
    private readonly answeredJobs: AnsweredJobsBatcher,
    private readonly clock: Clock,
    private readonly ring: KeyRing,
  ) {}

  /** A round as its invitee sees it (to render the modal); null when they were not invited. */
  async invitationFor(
    slackTeamId: string,
    slackUserId: string,
    roundId: string,
  ): Promise<InvitationView | null> {
    const workspace = await this.workspacesService.findBySlackTeamId(slackTeamId);
    if (!workspace) return null;
    const found = await this.roundsRepository.findInvitationBySlackUser(
      workspace.id,
      slackUserId,
      roundId,
    );
    if (!found) return null;
    const { round } = found;
    return {
      round,
      personId: found.personId,
      teamId: found.teamId,
      title: found.surveyTitle,
      k: effectiveK(round, this.workspacesService.settingsOf(workspace)),
      responded: found.responded,
      open: round.status === 'open' && round.closesAt > this.clock.now(),
    };
  }

  /**
   * A round as the answer path needs it: questions, window, survey title. All of it is fixed
   * once the round opens, so it is kept in memory for a minute; whether the round is still open
   * is decided by the write itself (`claimAndRecord`), never by this copy.
   */
  async roundToAnswer(slackTeamId: string, roundId: string): Promise<AnswerableRound | null> {
    const workspace = await this.workspacesService.findBySlackTeamId(slackTeamId);
    if (!workspace) return null;
    const now = this.clock.now().getTime();
    const cached = this.answerable.get(roundId);
    if (cached && cached.until > now && cached.round.workspaceId === workspace.id) {
      return cached.round;
    }
    const found = await this.roundsRepository.findWithSurveyTitle(workspace.id, roundId);
    if (!found) return null;
    const closed = found.round.status === 'closed';
    // A round opened before sealed ballots gets its key on its first answer.
    const wrapped = closed
      ? null
      : (found.ballotKey ??
        (await this.roundsRepository.ensureBallotKey(
          found.round.id,
          () => newRoundKey(this.ring, found.round.id).wrapped,
        )));
    const answerable: AnswerableRound = {
      id: found.round.id,
      workspaceId: workspace.id,
      questions: found.round.questions,
      closesAt: found.round.closesAt,
      closed: closed || !wrapped,
      title: found.surveyTitle,
      ballotKey: wrapped ? unwrapRoundKey(this.ring, found.round.id, wrapped) : null,
    };
    if (this.answerable.size >= ANSWERABLE_ROUNDS_KEPT) this.answerable.clear();
    this.answerable.set(roundId, { round: answerable, until: now + ANSWERABLE_ROUND_TTL_MS });
    return answerable;
  }

  /**
   * Records the answer of the person with this Slack user id, once, if they were invited and
   * the round is open: one statement to the database, then the job that updates their DM.
   */
  async answer(
    round: AnswerableRound,
    slackUserId: string,
    given: { questionId: string; value: string }[],
  ): Promise<SubmitOutcome> {
    if (round.closed || !round.ballotKey || round.closesAt <= this.clock.now()) {
      return { status: 'closed', round };
    }
    const answers = validateAnswers(round.questions, given);
    const key = round.ballotKey;
    const { claim, personId } = await this.responsesRepository.claimAndCast({
      workspaceId: round.workspaceId,
      slackUserId,
      roundId: round.id,
      seal: (teamId, ballotId) =>
        sealBallot(key, round.id, ballotId, encodeBallot(round.questions, { teamId, answers })),
    });
    if (claim === 'not_invited' || !personId) return { status: 'not_invited' };
    if (claim === 'closed') return { status: 'closed', round };
    if (claim === 'already_answered') return { status: 'already_answered', round };
    // Outside the answer's transaction on purpose: this job names the person.
    await this.answeredJobs.enqueue({ roundId: round.id, personId });
    this.logger.log({ msg: 'response recorded', roundId: round.id });
    return { status: 'recorded', round };
  }
}

/**
 * The service's own check of what a listener parsed: every required question answered once,
 * values within the question's range, comments bounded. A forged payload gets a clear error.
 */
export function validateAnswers(
  questions: QuestionDef[],
  given: { questionId: string; value: string }[],
): AnswerInput[] {
  const byId = new Map<string, string>();
  for (const answer of given) {
    if (byId.has(answer.questionId)) {
      throw new DomainError('validation_failed', `Question ${answer.questionId} is answered twice`);
    }
    byId.set(answer.questionId, answer.value);
  }
  const answers: AnswerInput[] = [];
  for (const question of questions) {
    const value = byId.get(question.id);
    byId.delete(question.id);
    if (question.kind === 'text') {
      const comment = value?.trim();
      if (comment && [...comment].length > COMMENT_MAX_LENGTH) {
        throw new DomainError(
          'validation_failed',
          `The comment is longer than ${COMMENT_MAX_LENGTH} characters`,
        );
      }
      if (comment) answers.push({ questionId: question.id, comment });
      continue;
    }
    if (value === undefined)
      throw new DomainError('validation_failed', `Question ${question.id} needs an answer`);
    if (!possibleValues(question).includes(value)) {
      throw new DomainError(
        'validation_failed',
        `"${value}" is not an answer to question ${question.id}`,
      );
    }
    answers.push({ questionId: question.id, value });
  }
  const unknown = [...byId.keys()];
  if (unknown.length > 0)
    throw new DomainError('validation_failed', `Unknown question ${unknown[0]}`);
  return answers;
}
