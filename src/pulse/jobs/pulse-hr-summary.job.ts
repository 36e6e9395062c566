import { Injectable } from '@nestjs/common';
import { Job, JobHandler } from '../../jobs/job.decorator';
import { PULSE_QUEUES, RoundJob } from '../pulse.queues';
import { ResultsService } from '../results.service';

/** Posts the closed round's summary to the HR channel, when above k. */
@Injectable()
@Job({ queue: PULSE_QUEUES.hrSummary, policy: 'stately' })
export class PulseHrSummaryJob implements JobHandler<RoundJob> {
  constructor(private readonly service: ResultsService) {}

  handle(data: RoundJob): Promise<void> {
    return this.service.postHrSummary(data);
  }
}
