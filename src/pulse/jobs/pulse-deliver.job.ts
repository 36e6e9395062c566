import { Injectable } from '@nestjs/common';
import { Job, JobHandler } from '../../jobs/job.decorator';
import { PULSE_QUEUES, RoundPersonJobData } from '../pulse.queues';
import { RoundDeliveryService } from '../round-delivery.service';

/** Sends one invitation DM (at the person's local time for scheduled rounds). */
@Injectable()
@Job({ queue: PULSE_QUEUES.deliver, retryLimit: 8, retryDelaySeconds: 10 })
export class PulseDeliverJob implements JobHandler<RoundPersonJobData> {
  constructor(private readonly roundDelivery: RoundDeliveryService) {}

  handle(data: RoundPersonJobData): Promise<void> {
    return this.roundDelivery.deliver(data);
  }
}
