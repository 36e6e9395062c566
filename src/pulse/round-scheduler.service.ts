/**
 * Scheduled rounds: every tick, the occurrences of each survey's rule whose first local
 * delivery is near are opened (RoundOpeningService), once per occurrence.
 */
import { Injectable, Logger } from '@nestjs/common';
import { DateTime } from 'luxon';
import { Clock } from '../common/clock';
import { SurveyEntity } from './entities/survey.entity';
import { RoundOpeningService } from './round-opening.service';
import { RoundsRepository } from './rounds.repository';
import { parseRecurrence } from './schedule/recurrence';
import { SurveysRepository } from './surveys.repository';

/** A scheduled round opens this long before its earliest local delivery. */
const SCHEDULE_LEAD_MINUTES = 15;

@Injectable()
export class RoundSchedulerService {
  private readonly logger = new Logger(RoundSchedulerService.name);

  constructor(
    private readonly surveysRepository: SurveysRepository,
    private readonly roundsRepository: RoundsRepository,
    private readonly roundOpening: RoundOpeningService,
    private readonly clock: Clock,
  ) {}

  /** Opens every scheduled round whose first local delivery is due; idempotent per occurrence. */
  async openScheduledRounds(): Promise<number> {
    const now = DateTime.fromJSDate(this.clock.now(), { zone: 'utc' });
    let opened = 0;
    const due: { survey: SurveyEntity; date: DateTime }[] = [];
    for (const survey of await this.surveysRepository.listScheduled()) {
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
    const existing = await this.roundsRepository.openedOccurrences(
      due.map(({ survey, date }) => ({ surveyId: survey.id, occurrence: date.toISODate()! })),
    );
    for (const { survey, date } of due) {
      const occurrence = date.toISODate()!;
      if (existing.has(`${survey.id}|${occurrence}`)) continue;
      const deliverAt = localDelivery(date, survey.scheduleLocalTime!);
      // The earliest possible local time of that date is in UTC+14.
      const earliest = DateTime.fromJSDate(deliverAt('Pacific/Kiritimati'));
      if (now < earliest.minus({ minutes: SCHEDULE_LEAD_MINUTES })) continue;
      // A date whose latest local delivery (UTC−12) is over a window ago is history, not due.
      if (now > DateTime.fromJSDate(deliverAt('Etc/GMT+12')).plus({ hours: survey.windowHours }))
        continue;
      try {
        await this.roundOpening.open(survey.workspaceId, survey.id, {
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
}

/** The instant `localTime` (HH:MM) of this calendar date is reached in a time zone. */
function localDelivery(date: DateTime, localTime: string): (tz: string) => Date {
  const [hour, minute] = localTime.split(':').map(Number);
  return (tz: string) =>
    DateTime.fromObject(
      { year: date.year, month: date.month, day: date.day, hour, minute },
      { zone: tz || 'UTC' },
    ).toJSDate();
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
