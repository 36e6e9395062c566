import { Injectable } from '@nestjs/common';
import { Job, JobHandler } from '../../jobs/job.decorator';
import { RetryAt } from '../../jobs/retry-at';
import { PeopleService, PeopleSyncInterrupted } from '../people.service';
import { PEOPLE_SYNC_QUEUE, PeopleSyncJobData } from '../people.queues';

export { PEOPLE_SYNC_QUEUE, type PeopleSyncJobData } from '../people.queues';

/**
 * Imports a workspace's people after an install (queued with the installation). A sync that
 * Slack rate-limits part-way is queued again for after Retry-After, from the page it reached.
 */
@Injectable()
@Job({ queue: PEOPLE_SYNC_QUEUE, policy: 'stately', retryLimit: 5, retryDelaySeconds: 30 })
export class PeopleSyncJob implements JobHandler<PeopleSyncJobData> {
  constructor(private readonly people: PeopleService) {}

  async handle(data: PeopleSyncJobData): Promise<void> {
    try {
      await this.people.syncFromSlack(data.workspaceId, {
        installer: data.makeAdmin,
        cursor: data.cursor,
      });
    } catch (err) {
      if (!(err instanceof PeopleSyncInterrupted)) throw err;
      throw new RetryAt(err.retry.at, err.retry.reason, {
        data: { ...data, cursor: err.cursor } satisfies PeopleSyncJobData,
      });
    }
  }
}
