import { Injectable } from '@nestjs/common';
import { Job, JobHandler } from '../../jobs/job.decorator';
import { PULSE_QUEUES, RoundJobData } from '../pulse.queues';
import { RoundRemindersService } from '../round-reminders.service';

/** The timed reminder: fans out one reminder per non-responder, once per round. */
@Injectable()
@Job({ queue: PULSE_QUEUES.remind, policy: 'stately' })
export class PulseRemindJob implements JobHandler<RoundJobData> {
  constructor(private readonly roundReminders: RoundRemindersService) {}

  handle(data: RoundJobData): Promise<void> {
    return this.roundReminders.remindOnSchedule(data);
  }
}
