import { Injectable } from '@nestjs/common';
import { Job, JobHandler } from '../../jobs/job.decorator';
import { PULSE_QUEUES, RoundPersonJob } from '../pulse.queues';
import { RoundsService } from '../rounds.service';

/** Updates the invitation DM after an answer: recorded, no value. */
@Injectable()
@Job({ queue: PULSE_QUEUES.answered, retryLimit: 8, retryDelaySeconds: 10 })
export class PulseAnsweredJob implements JobHandler<RoundPersonJob> {
  constructor(private readonly service: RoundsService) {}

  handle(data: RoundPersonJob): Promise<void> {
    return this.service.confirmAnswered(data);
  }
}
