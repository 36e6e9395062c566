import { Injectable } from '@nestjs/common';
import { Job, JobHandler } from '../../jobs/job.decorator';
import { FocusSyncService } from '../focus-sync.service';
import { FOCUS_QUEUES, FocusJobData } from '../focus.queues';

/**
 * Focus sync at a block's start. pg-boss hands each job to one replica; the block's sync lease
 * keeps a re-queued or duplicate job from overlapping another sync of the same block. Failures
 * (Slack 5xx, network) retry with backoff: 5 s, 10 s, 20 s… then every one to two minutes
 * (RETRY_DELAY_MAX_SECONDS), up to 24 times: about half an hour of a failing Slack.
 */
@Injectable()
@Job({
  queue: FOCUS_QUEUES.start,
  retryLimit: 24,
  retryDelaySeconds: 5,
  retryBackoff: true,
  // Thousands of blocks can start at 9:00; Slack's tiers, not the queue, should be the limit.
  batchSize: 25,
  workers: 4,
  // A run lasts seconds; one held by a replica that died is failed and retried after this.
  expireInSeconds: 90,
})
export class FocusStartJob implements JobHandler<FocusJobData> {
  constructor(private readonly sync: FocusSyncService) {}

  handle(data: FocusJobData): Promise<void> {
    return this.sync.start(data);
  }
}
