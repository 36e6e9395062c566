import { Injectable } from '@nestjs/common';
import { Job, JobHandler } from '../../jobs/job.decorator';
import { FocusRetentionService } from '../focus-retention.service';
import { FOCUS_QUEUES, FocusRetentionJobData } from '../focus.queues';

/**
 * One workspace's focus retention. `stately` with the workspace as singleton key: at most one
 * waiting and one running per workspace; a run that meets another (a second replica) waits for
 * its lock and finds the weeks done. A failed run is retried; the next tick would catch up too.
 */
@Injectable()
@Job({ queue: FOCUS_QUEUES.retention, policy: 'stately', retryLimit: 3, expireInSeconds: 300 })
export class FocusRetentionJob implements JobHandler<FocusRetentionJobData> {
  constructor(private readonly retention: FocusRetentionService) {}

  async handle(data: FocusRetentionJobData): Promise<void> {
    await this.retention.apply(data.workspaceId);
  }
}
