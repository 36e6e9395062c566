import { Injectable } from '@nestjs/common';
import { Job, JobHandler } from '../../jobs/job.decorator';
import { PULSE_QUEUES, RoundPersonJob } from '../pulse.queues';
import { RoundsService } from '../rounds.service';

/** Sends one invitation DM (at the person's local time for scheduled rounds). */
@Injectable()
@Job({ queue: PULSE_QUEUES.deliver, retryLimit: 8, retryDelaySeconds: 10 })
export class PulseDeliverJob implements JobHandler<RoundPersonJob> {
  constructor(private readonly service: RoundsService) {}

  handle(data: RoundPersonJob): Promise<void> {
    return this.service.deliver(data);
  }
}
