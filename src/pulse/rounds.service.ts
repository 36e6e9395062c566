/**
 * Rounds: opening (by hand or on schedule), delivery of the invitations, the one reminder,
 * closing and its aggregates. Slack calls happen in jobs after the write that caused them; a
 * job that finds its work already done does nothing, so retries never double anything.
 */
import { Injectable, Logger } from '@nestjs/common';
import { DateTime } from 'luxon';
import { DataSource, EntityManager } from 'typeorm';
import { Clock } from '../common/clock';
import { DomainError, notFound } from '../common/errors';
import { FocusService } from '../focus/focus.service';
import { JobsService } from '../jobs/jobs.service';
import { PeopleService } from '../people/people.service';
import { SlackCallError } from '../slack/slack-call.error';
import { WorkspacesService } from '../workspaces/workspaces.service';
import { RoundEntity } from './entities/round.entity';
import { SurveyEntity } from './entities/survey.entity';
import { PULSE_QUEUES, RoundJob, RoundPersonJob } from './pulse.queues';
import { BallotBoxService } from './ballot-box.service';
import { pickRoundQuestions } from './rotation';
import { RoundsRepository } from './rounds.repository';
import { PulseNotifier } from './slack/pulse.notifier';
import { parseRecurrence } from './schedule/recurrence';
import { SurveysRepository } from './surveys.repository';

export interface Participation {
  invited: number;
  responded: number;
  /** responded / invited, 0..1 with 3 decimals; 0 when nobody was invited. */
  rate: number;
}

/** A scheduled round opens this long before its earliest local delivery. */
const SCHEDULE_LEAD_MINUTES = 15;

export function participationOf(
  counts: { invited: number; responded: number } | undefined,
): Participation {
  const invited = counts?.invited ?? 0;
  const responded = counts?.responded ?? 0;
  return {
    invited,
    responded,
    rate: invited ? Math.round((responded / invited) * 1000) / 1000 : 0,
  };
}

@Injectable()
export class RoundsService {
  private readonly logger = new Logger(RoundsService.name);

  constructor(
    private readonly rounds: RoundsRepository,
    private readonly surveys: SurveysRepository,
    private readonly ballotBox: BallotBoxService,
    private readonly people: PeopleService,
    private readonly workspaces: WorkspacesService,
    private readonly jobs: JobsService,
    private readonly notifier: PulseNotifier,
    private readonly focus: FocusService,
    private readonly clock: Clock,
    private readonly dataSource: DataSource,
  ) {}

  async get(workspaceId: string, roundId: string): Promise<RoundEntity> {
    const round = await this.rounds.findInWorkspace(workspaceId, roundId);
    if (!round) throw notFound('Round');
    return round;
  }

  listOpenFor(personId: string): Promise<RoundEntity[]> {
    return this.rounds.listOpenFor(personId);
  }

  latestClosedFor(personId: string): Promise<RoundEntity | null> {
    return this.rounds.latestClosedFor(personId);
  }

  findById(roundId: string): Promise<RoundEntity | null> {
    return this.rounds.findById(roundId);
  }

  async participation(roundIds: string[]): Promise<Map<string, Participation>> {
    const counts = await this.rounds.participation(roundIds);
    return new Map(roundIds.map((id) => [id, participationOf(counts.get(id))]));
  }

  /** Participation of one team (its members now), live: what a team lead may see. */
  async teamParticipation(
    roundIds: string[],
    teamId: string | null,
  ): Promise<Map<string, Participation>> {
    const counts = teamId
      ? await this.rounds.teamParticipation(roundIds, teamId)
      : new Map<string, { invited: number; responded: number }>();
    return new Map(roundIds.map((id) => [id, participationOf(counts.get(id))]));
  }

  listForSurveys(surveyIds: string[]): Promise<RoundEntity[]> {
    return this.rounds.listForSurveys(surveyIds);
  }

  /** The anonymity threshold in force for a round: its snapshot, raised (never lowered) by the workspace's. */
  async effectiveK(round: RoundEntity): Promise<number> {
    const settings = await this.workspaces.getSettings(round.workspaceId);
    return Math.max(round.k, settings.anonymityThreshold);
  }

  /** POST /api/surveys/:id/rounds: invites the audience and DMs them at once. */
  async openNow(
    workspaceId: string,
    surveyId: string,
  ): Promise<{ round: RoundEntity; invited: number }> {
    const now = this.clock.now();
    return this.open(workspaceId, surveyId, {
      occurrence: null,
      deliverAt: () => now,
      openedAt: now,
    });
  }

  private async open(
    workspaceId: string,
    surveyId: string,
    plan: { occurrence: string | null; openedAt: Date; deliverAt: (tz: string) => Date },
  ): Promise<{ round: RoundEntity; invited: number }> {
    const { anonymityThreshold } = await this.workspaces.getSettings(workspaceId);
    return this.dataSource.transaction(async (m) => {
      const survey = await this.surveys.lockInWorkspace(m, workspaceId, surveyId);
      if (!survey) throw notFound('Survey');
      const audience = await this.people.audience(m, workspaceId, survey.audienceTeamIds);
      if (audience.length === 0) {
        throw new DomainError(
          'conflict',
          'Nobody to ask: import people (POST /api/people/sync) and check the survey’s teams',
        );
      }
      const picked = pickRoundQuestions(
        survey.questions,
        survey.questionsPerRound ?? survey.questions.length,
        survey.rotationCursor,
      );
      await this.surveys.advanceRotation(m, survey.id, picked.nextCursor);
      const deliveries = audience.map((p) => ({
        personId: p.id,
        deliverAfter: plan.deliverAt(p.tz),
      }));
      const lastDelivery = Math.max(...deliveries.map((d) => d.deliverAfter.getTime()));
      const round = await this.rounds.insert(m, {
        surveyId: survey.id,
        workspaceId,
        status: 'open',
        questions: picked.questions,
        k: anonymityThreshold,
        occurrence: plan.occurrence,
        openedAt: plan.openedAt,
        closesAt: new Date(lastDelivery + survey.windowHours * 3_600_000),
      });
      await this.ballotBox.keyNewRound(m, round.id);
      await this.rounds.invite(m, round.id, deliveries);
      await this.jobs.sendMany<RoundPersonJob>(
        PULSE_QUEUES.deliver,
        deliveries.map((d) => ({
          data: { roundId: round.id, personId: d.personId },
          singletonKey: `${round.id}:${d.personId}`,
          startAfter: d.deliverAfter,
        })),
        { manager: m },
      );
      await this.scheduleRoundJobs(m, survey, round);
      this.logger.log({
        msg: 'round opened',
        roundId: round.id,
        surveyId,
        invited: audience.length,
      });
      return { round, invited: audience.length };
    });
  }

  private async scheduleRoundJobs(
    m: EntityManager,
    survey: SurveyEntity,
    round: RoundEntity,
  ): Promise<void> {
    await this.jobs.send<RoundJob>(
      PULSE_QUEUES.close,
      { roundId: round.id },
      { manager: m, startAfter: round.closesAt, singletonKey: round.id },
    );
    if (survey.reminderAfterHours) {
      await this.jobs.send<RoundJob>(
        PULSE_QUEUES.remind,
        { roundId: round.id },
        {
          manager: m,
          startAfter: new Date(round.openedAt.getTime() + survey.reminderAfterHours * 3_600_000),
          singletonKey: round.id,
        },
      );
    }
  }

  /** The invitation DM of one person; nothing when already delivered, answered or closed. */
  async deliver(job: RoundPersonJob): Promise<void> {
    const round = await this.rounds.findById(job.roundId);
    const invitation = await this.rounds.findInvitation(job.roundId, job.personId);
    if (
      !round ||
      round.status !== 'open' ||
      !invitation ||
      invitation.deliveredAt ||
      invitation.responded
    )
      return;
    // Nobody is DMed during a focus block: the invitation waits until the block ends.
    const busyUntil = await this.focus.busyUntil(job.personId);
    if (busyUntil) {
      await this.jobs.send<RoundPersonJob>(PULSE_QUEUES.deliver, job, { startAfter: busyUntil });
      return;
    }
    const dm = await this.invitationDm(round, job.personId);
    if (!dm) return;
    const posted = await this.withRateLimit(PULSE_QUEUES.deliver, job, () =>
      this.notifier.sendInvitation(dm),
    );
    if (posted) await this.rounds.recordDelivery(round.id, job.personId, posted, this.clock.now());
  }

  /** POST /api/rounds/:id/remind and the timed reminder: once per round, to non-responders only. */
  async remind(workspaceId: string | null, roundId: string): Promise<{ reminded: number }> {
    const round = workspaceId
      ? await this.get(workspaceId, roundId)
      : await this.rounds.findById(roundId);
    if (!round) throw notFound('Round');
    return this.dataSource.transaction(async (m) => {
      if (!(await this.rounds.claimReminder(m, round.id, this.clock.now()))) {
        throw new DomainError(
          'conflict',
          round.status === 'closed'
            ? 'The round is closed'
            : 'The reminder of this round was already sent (one per round)',
        );
      }
      const people = await this.rounds.nonResponders(m, round.id);
      await this.jobs.sendMany<RoundPersonJob>(
        PULSE_QUEUES.remindPerson,
        people.map((personId) => ({
          data: { roundId: round.id, personId },
          singletonKey: `${round.id}:${personId}`,
        })),
        { manager: m },
      );
      return { reminded: people.length };
    });
  }

  /** The timed reminder job: the same as the API's, silent when the reminder already went. */
  async remindOnSchedule(job: RoundJob): Promise<void> {
    try {
      await this.remind(null, job.roundId);
    } catch (err) {
      if (!(err instanceof DomainError && err.code === 'conflict')) throw err;
    }
  }

  async remindPerson(job: RoundPersonJob): Promise<void> {
    const round = await this.rounds.findById(job.roundId);
    const invitation = await this.rounds.findInvitation(job.roundId, job.personId);
    // Not delivered yet (a later local time): their invitation is still to come, no reminder.
    if (
      !round ||
      round.status !== 'open' ||
      !invitation?.deliveredAt ||
      invitation.responded ||
      invitation.remindedAt
    )
      return;
    const dm = await this.invitationDm(round, job.personId);
    if (!dm) return;
    const sent = await this.withRateLimit(PULSE_QUEUES.remindPerson, job, () =>
      this.notifier.sendInvitation(dm, { reminder: true }),
    );
    if (sent) await this.rounds.recordReminder(round.id, job.personId, this.clock.now());
  }

  /** After an answer: the DM stops offering buttons and says the answer was recorded. */
  async confirmAnswered(job: RoundPersonJob): Promise<void> {
    const round = await this.rounds.findById(job.roundId);
    const invitation = await this.rounds.findInvitation(job.roundId, job.personId);
    if (!round || !invitation?.dmChannel || !invitation.dmTs) return;
    const context = await this.slackContext(round);
    if (!context) return;
    await this.withRateLimit(PULSE_QUEUES.answered, job, () =>
      this.notifier.markAnswered(
        context.botToken,
        { channel: invitation.dmChannel!, ts: invitation.dmTs! },
        context.survey.title,
        context.k,
      ),
    );
  }

  /** POST /api/rounds/:id/close and the end of the window. */
  async close(workspaceId: string | null, roundId: string): Promise<RoundEntity> {
    const round = workspaceId
      ? await this.get(workspaceId, roundId)
      : await this.rounds.findById(roundId);
    if (!round) throw notFound('Round');
    // Published groups are at least this k at rest (a lower k later cannot show more).
    const k = await this.effectiveK(round);
    const closed = await this.dataSource.transaction(async (m) => {
      const taken = await this.rounds.markClosed(m, round.id, this.clock.now());
      if (!taken) return false;
      const opened = await this.ballotBox.openAtClose(m, round, taken.ballotKey, k);
      await this.rounds.restampParticipation(m, round.id);
      await this.jobs.purge(m, PULSE_QUEUES.answered, { roundId: round.id });
      await this.jobs.send<RoundJob>(
        PULSE_QUEUES.hrSummary,
        { roundId: round.id },
        { manager: m, singletonKey: round.id },
      );
      this.logger.log({
        msg: 'round closed',
        roundId: round.id,
        responses: opened.responses,
        invalidBallots: opened.invalid,
      });
      return true;
    });
    if (!closed && workspaceId) throw new DomainError('conflict', 'The round is already closed');
    return (await this.rounds.findById(round.id))!;
  }

  async closeOnSchedule(job: RoundJob): Promise<void> {
    await this.close(null, job.roundId);
  }

  /** Opens every scheduled round whose first local delivery is due; idempotent per occurrence. */
  async openScheduledRounds(): Promise<number> {
    const now = DateTime.fromJSDate(this.clock.now(), { zone: 'utc' });
    let opened = 0;
    const due: { survey: SurveyEntity; date: DateTime }[] = [];
    for (const survey of await this.surveys.listScheduled()) {
      try {
        for (const date of scheduledDatesAround(survey, now)) due.push({ survey, date });
      } catch (err) {
        // A rule stored before rules were checked, and refused now: it schedules nothing.
        this.logger.warn({
          msg: 'survey schedule refused',
          surveyId: survey.id,
          reason: (err as Error).message,
        });
      }
    }
    // Which of those occurrences have a round already: one query for the tick.
    const existing = await this.rounds.openedOccurrences(
      due.map(({ survey, date }) => ({ surveyId: survey.id, occurrence: date.toISODate()! })),
    );
    for (const { survey, date } of due) {
      const occurrence = date.toISODate()!;
      if (existing.has(`${survey.id}|${occurrence}`)) continue;
      const [hour, minute] = survey.scheduleLocalTime!.split(':').map(Number);
      const deliverAt = (tz: string) =>
        DateTime.fromObject(
          { year: date.year, month: date.month, day: date.day, hour, minute },
          { zone: tz || 'UTC' },
        ).toJSDate();
      // The earliest possible local time of that date is in UTC+14.
      const earliest = DateTime.fromJSDate(deliverAt('Pacific/Kiritimati'));
      if (now < earliest.minus({ minutes: SCHEDULE_LEAD_MINUTES })) continue;
      // A date whose latest local delivery (UTC−12) is over a window ago is history, not due.
      if (now > DateTime.fromJSDate(deliverAt('Etc/GMT+12')).plus({ hours: survey.windowHours }))
        continue;
      try {
        await this.open(survey.workspaceId, survey.id, {
          occurrence,
          openedAt: now.toJSDate(),
          deliverAt,
        });
        opened += 1;
      } catch (err) {
        // Another replica opened it first (unique occurrence), or nobody to ask yet.
        this.logger.warn({
          msg: 'scheduled round not opened',
          surveyId: survey.id,
          occurrence,
          reason: (err as Error).message,
        });
      }
    }
    return opened;
  }

  /** What Slack messages about a round need: the bot token, the survey, the k in force. */
  async slackContext(round: RoundEntity) {
    const workspace = await this.workspaces.get(round.workspaceId);
    const botToken = this.workspaces.botToken(workspace);
    const survey = await this.surveys.findInWorkspace(round.workspaceId, round.surveyId);
    if (!botToken || !survey) return null;
    return {
      workspace,
      botToken,
      survey,
      k: Math.max(round.k, this.workspaces.settingsOf(workspace).anonymityThreshold),
    };
  }

  private async invitationDm(round: RoundEntity, personId: string) {
    const context = await this.slackContext(round);
    const person = await this.people.getById(personId);
    if (!context || !person.active) return null;
    return {
      botToken: context.botToken,
      slackUserId: person.slackUserId,
      roundId: round.id,
      title: context.survey.title,
      questions: round.questions,
      closesAt: round.closesAt,
      timeZone: person.tz,
      k: context.k,
    };
  }

  /**
   * Slack rate limits are per method and workspace: a 429 re-queues this job after Retry-After
   * (through the queue, so every replica sees it) instead of retrying early. Other failures
   * throw, and the queue retries them with backoff.
   */
  async withRateLimit<T>(
    queue: string,
    job: RoundPersonJob | RoundJob,
    call: () => Promise<T>,
  ): Promise<T | undefined> {
    try {
      return await call();
    } catch (err) {
      if (err instanceof SlackCallError && err.kind === 'rate_limited') {
        const startAfter = new Date(
          this.clock.now().getTime() + (err.retryAfterSeconds ?? 1) * 1000,
        );
        // Keyed like the original so stately queues keep one waiting job per round (or person).
        const singletonKey = 'personId' in job ? `${job.roundId}:${job.personId}` : job.roundId;
        await this.jobs.send(queue, job, { startAfter, singletonKey });
        return undefined;
      }
      throw err;
    }
  }
}

/** UTC calendar dates (yesterday, today, tomorrow) that are occurrences of the survey's rule. */
export function scheduledDatesAround(survey: SurveyEntity, now: DateTime): DateTime[] {
  const dtstart = DateTime.fromJSDate(survey.createdAt, { zone: 'utc' }).startOf('day');
  const rule = parseRecurrence(survey.scheduleRrule!, dtstart.toJSDate());
  const from = now.startOf('day').minus({ days: 1 });
  const to = now.startOf('day').plus({ days: 1 }).endOf('day');
  // Daily or coarser: three days hold three dates at most.
  return rule
    .between(from.toJSDate(), to.toJSDate(), true, (_d, i) => i < 3)
    .map((d) => DateTime.fromJSDate(d, { zone: 'utc' }).startOf('day'));
}
