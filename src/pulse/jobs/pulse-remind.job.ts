import { Injectable } from '@nestjs/common';
import { Job, JobHandler } from '../../jobs/job.decorator';
import { PULSE_QUEUES, RoundJob } from '../pulse.queues';
import { RoundsService } from '../rounds.service';

/** The timed reminder: fans out one reminder per non-responder, once per round. */
@Injectable()
@Job({ queue: PULSE_QUEUES.remind, policy: 'stately' })
export class PulseRemindJob implements JobHandler<RoundJob> {
  constructor(private readonly service: RoundsService) {}

  handle(data: RoundJob): Promise<void> {
    return this.service.remindOnSchedule(data);
  }
}
