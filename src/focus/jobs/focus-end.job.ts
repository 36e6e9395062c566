import { Injectable } from '@nestjs/common';
import { Job, JobHandler } from '../../jobs/job.decorator';
import { FocusSyncService } from '../focus-sync.service';
import { FOCUS_QUEUES, FocusJobData } from '../focus.queues';

/**
 * Retries of a failed end sync; after the last one the restore is given up (kept status
 * forgotten). With the delays below, about half an hour of a failing Slack.
 */
export const FOCUS_END_RETRY_LIMIT = 24;

/**
 * Focus sync at a block's end. pg-boss hands each job to one replica; the block's sync lease
 * keeps a re-queued or duplicate job from overlapping another sync of the same block. Failures
 * (Slack 5xx, network) retry with backoff: 5 s, 10 s, 20 s… then every one to two minutes
 * (RETRY_DELAY_MAX_SECONDS), up to FOCUS_END_RETRY_LIMIT times.
 */
@Injectable()
@Job({
  queue: FOCUS_QUEUES.end,
  retryLimit: FOCUS_END_RETRY_LIMIT,
  retryDelaySeconds: 5,
  retryBackoff: true,
  // Thousands of blocks can start at 9:00; Slack's tiers, not the queue, should be the limit.
  batchSize: 25,
  workers: 4,
  // A run lasts seconds; one held by a replica that died is failed and retried after this.
  expireInSeconds: 90,
})
export class FocusEndJob implements JobHandler<FocusJobData> {
  constructor(private readonly sync: FocusSyncService) {}

  handle(data: FocusJobData, meta: { retryCount: number }): Promise<void> {
    return this.sync.end(data, { lastAttempt: meta.retryCount >= FOCUS_END_RETRY_LIMIT });
  }
}
