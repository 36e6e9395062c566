import { Injectable } from '@nestjs/common';
import { Job, JobHandler } from '../../jobs/job.decorator';
import { FocusService } from '../focus.service';

export const FOCUS_EXPAND_QUEUE = 'focus.expand-rules';

/** Hourly (one run across replicas): recurring rules keep two weeks of blocks ahead. */
@Injectable()
@Job({ queue: FOCUS_EXPAND_QUEUE, policy: 'stately', cron: '7 * * * *', retryLimit: 0 })
export class FocusExpandJob implements JobHandler<object> {
  constructor(private readonly focusService: FocusService) {}

  async handle(): Promise<void> {
    await this.focusService.expandRules();
  }
}
