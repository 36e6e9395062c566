import { Injectable } from '@nestjs/common';
import { Job, JobHandler } from '../../jobs/job.decorator';
import { PULSE_QUEUES, RoundPersonJobData } from '../pulse.queues';
import { RoundRemindersService } from '../round-reminders.service';

/** Reminds one person who has not answered. */
@Injectable()
@Job({ queue: PULSE_QUEUES.remindPerson, retryLimit: 8, retryDelaySeconds: 10 })
export class PulseRemindPersonJob implements JobHandler<RoundPersonJobData> {
  constructor(private readonly roundReminders: RoundRemindersService) {}

  handle(data: RoundPersonJobData): Promise<void> {
    return this.roundReminders.remindPerson(data);
  }
}
