import { Injectable } from '@nestjs/common';
import { Job, JobHandler } from '../../jobs/job.decorator';
import { PULSE_QUEUES, RoundJobData } from '../pulse.queues';
import { ResultsService } from '../results.service';

/** Posts the closed round's summary to the HR channel, when above k. */
@Injectable()
@Job({ queue: PULSE_QUEUES.hrSummary, policy: 'stately' })
export class PulseHrSummaryJob implements JobHandler<RoundJobData> {
  constructor(private readonly resultsService: ResultsService) {}

  handle(data: RoundJobData): Promise<void> {
    return this.resultsService.postHrSummary(data);
  }
}
