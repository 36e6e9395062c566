import { Injectable } from '@nestjs/common';
import { Job, JobHandler } from '../../jobs/job.decorator';
import { PULSE_QUEUES, RoundPersonJobData } from '../pulse.queues';
import { RoundDeliveryService } from '../round-delivery.service';

/** Updates the invitation DM after an answer: recorded, no value. */
@Injectable()
@Job({ queue: PULSE_QUEUES.answered, retryLimit: 8, retryDelaySeconds: 10 })
export class PulseAnsweredJob implements JobHandler<RoundPersonJobData> {
  constructor(private readonly roundDelivery: RoundDeliveryService) {}

  handle(data: RoundPersonJobData): Promise<void> {
    return this.roundDelivery.confirmAnswered(data);
  }
}
