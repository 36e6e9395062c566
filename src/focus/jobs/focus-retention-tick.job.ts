import { Injectable } from '@nestjs/common';
import { Job, JobHandler } from '../../jobs/job.decorator';
import { FocusRetentionService } from '../focus-retention.service';
import { FOCUS_QUEUES } from '../focus.queues';

/** Hourly (cron, one run across replicas): fans out one retention job per workspace. */
@Injectable()
@Job({ queue: FOCUS_QUEUES.retentionTick, policy: 'stately', cron: '41 * * * *', retryLimit: 0 })
export class FocusRetentionTickJob implements JobHandler<object> {
  constructor(private readonly retention: FocusRetentionService) {}

  async handle(): Promise<void> {
    await this.retention.fanOut();
  }
}
