import { Injectable } from '@nestjs/common';
import { Job, JobHandler } from '../../jobs/job.decorator';
import { PeopleService } from '../people.service';

export const PEOPLE_SYNC_QUEUE = 'people.sync';

export interface PeopleSyncJobData {
  workspaceId: string;
  /** The Slack user who installed the app; they become a Pulsedesk admin. */
  makeAdmin: string | null;
}

/** Imports a workspace's people after an install (queued with the installation). */
@Injectable()
@Job({ queue: PEOPLE_SYNC_QUEUE, policy: 'stately', retryLimit: 5, retryDelaySeconds: 30 })
export class PeopleSyncJob implements JobHandler<PeopleSyncJobData> {
  constructor(private readonly people: PeopleService) {}

  async handle(data: PeopleSyncJobData): Promise<void> {
    await this.people.syncFromSlack(data.workspaceId, { installer: data.makeAdmin });
  }
}
