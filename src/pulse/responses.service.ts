/**
 * Recording an answer. Participation (whether) and content (what) are written in one atomic
 * statement, in separate tables that nothing joins; a second answer by the same person to the
 * same round is refused. The DM is updated afterwards, by a job queued after that write.
 */
import { Injectable, Logger } from '@nestjs/common';
import { Clock } from '../common/clock';
import { DomainError } from '../common/errors';
import { JobsService } from '../jobs/jobs.service';
import { WorkspacesService } from '../workspaces/workspaces.service';
import { RoundEntity } from './entities/round.entity';
import { PULSE_QUEUES, RoundPersonJob } from './pulse.queues';
import type { QuestionDef } from './pulse.types';
import { possibleValues } from './results/pulse-statistics';
import { AnswerInput, ResponsesRepository } from './responses.repository';
import { RoundsRepository } from './rounds.repository';

export type SubmitOutcome =
  | { status: 'recorded'; round: RoundEntity }
  | { status: 'already_answered' | 'closed'; round: RoundEntity }
  | { status: 'not_invited' };

export const COMMENT_MAX_LENGTH = 1000;

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

  constructor(
    private readonly rounds: RoundsRepository,
    private readonly responses: ResponsesRepository,
    private readonly workspaces: WorkspacesService,
    private readonly jobs: JobsService,
    private readonly clock: Clock,
  ) {}

  /** A round as its invitee sees it (to render the modal); null when they were not invited. */
  async invitationFor(
    slackTeamId: string,
    slackUserId: string,
    roundId: string,
  ): Promise<InvitationView | null> {
    const workspace = await this.workspaces.findBySlackTeamId(slackTeamId);
    if (!workspace) return null;
    const found = await this.rounds.findInvitationBySlackUser(workspace.id, slackUserId, roundId);
    if (!found) return null;
    const { round } = found;
    return {
      round,
      personId: found.personId,
      teamId: found.teamId,
      title: found.surveyTitle,
      k: Math.max(round.k, this.workspaces.settingsOf(workspace).anonymityThreshold),
      responded: found.responded,
      open: round.status === 'open' && round.closesAt > this.clock.now(),
    };
  }

  /** Looks the invitation up, then records the answer (the HTTP-free path of the tests). */
  async submit(input: {
    slackTeamId: string;
    slackUserId: string;
    roundId: string;
    answers: { questionId: string; value: string }[];
  }): Promise<SubmitOutcome> {
    const invitation = await this.invitationFor(
      input.slackTeamId,
      input.slackUserId,
      input.roundId,
    );
    if (!invitation) return { status: 'not_invited' };
    return this.submitTo(invitation, input.answers);
  }

  /** Records an answer for an invitation the caller already looked up (one lookup per answer). */
  async submitTo(
    invitation: InvitationView,
    given: { questionId: string; value: string }[],
  ): Promise<SubmitOutcome> {
    const { round } = invitation;
    if (!invitation.open) return { status: 'closed', round };
    const answers = validateAnswers(round.questions, given);
    const claim = await this.responses.claimAndRecord(
      round.id,
      invitation.personId,
      invitation.teamId,
      answers,
    );
    if (claim === 'not_invited') return { status: 'not_invited' };
    if (claim === 'closed') return { status: 'closed', round };
    if (claim === 'already_answered') return { status: 'already_answered', round };
    // Outside the answer's transaction on purpose: this job names the person.
    await this.jobs.send<RoundPersonJob>(PULSE_QUEUES.answered, {
      roundId: round.id,
      personId: invitation.personId,
    });
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
      if (comment && comment.length > COMMENT_MAX_LENGTH) {
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
