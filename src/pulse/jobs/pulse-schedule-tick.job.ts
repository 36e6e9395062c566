import { Injectable } from '@nestjs/common';
import { Job, JobHandler } from '../../jobs/job.decorator';
import { PULSE_QUEUES } from '../pulse.queues';
import { RoundSchedulerService } from '../round-scheduler.service';

/** Every five minutes (cron, one run across replicas): opens scheduled rounds that are due. */
@Injectable()
@Job({ queue: PULSE_QUEUES.scheduleTick, policy: 'stately', cron: '*/5 * * * *', retryLimit: 0 })
export class PulseScheduleTickJob implements JobHandler<object> {
  constructor(private readonly roundScheduler: RoundSchedulerService) {}

  async handle(): Promise<void> {
    await this.roundScheduler.openScheduledRounds();
  }
}
