import { Injectable } from '@nestjs/common';
import { Job, JobHandler } from '../../jobs/job.decorator';
import { PULSE_QUEUES, RoundJobData } from '../pulse.queues';
import { RoundClosingService } from '../round-closing.service';

/** Closes a round at the end of its window and computes its aggregates. */
@Injectable()
@Job({ queue: PULSE_QUEUES.close, policy: 'stately' })
export class PulseCloseJob implements JobHandler<RoundJobData> {
  constructor(private readonly roundClosing: RoundClosingService) {}

  handle(data: RoundJobData): Promise<void> {
    return this.roundClosing.closeOnSchedule(data);
  }
}
