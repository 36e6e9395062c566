import { Injectable } from '@nestjs/common';
import { Job, JobHandler } from '../../jobs/job.decorator';
import { PULSE_QUEUES, RoundJob } from '../pulse.queues';
import { RoundsService } from '../rounds.service';

/** Closes a round at the end of its window and computes its aggregates. */
@Injectable()
@Job({ queue: PULSE_QUEUES.close, policy: 'stately' })
export class PulseCloseJob implements JobHandler<RoundJob> {
  constructor(private readonly service: RoundsService) {}

  handle(data: RoundJob): Promise<void> {
    return this.service.closeOnSchedule(data);
  }
}
