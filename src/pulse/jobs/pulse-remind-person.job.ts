import { Injectable } from '@nestjs/common';
import { Job, JobHandler } from '../../jobs/job.decorator';
import { PULSE_QUEUES, RoundPersonJob } from '../pulse.queues';
import { RoundsService } from '../rounds.service';

/** Reminds one person who has not answered. */
@Injectable()
@Job({ queue: PULSE_QUEUES.remindPerson, retryLimit: 8, retryDelaySeconds: 10 })
export class PulseRemindPersonJob implements JobHandler<RoundPersonJob> {
  constructor(private readonly service: RoundsService) {}

  handle(data: RoundPersonJob): Promise<void> {
    return this.service.remindPerson(data);
  }
}
