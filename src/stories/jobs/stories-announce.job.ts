import { Injectable } from '@nestjs/common';
import { Job, JobHandler } from '../../jobs/job.decorator';
import { WorkspaceJobData, STORIES_QUEUES } from '../stories.queues';
import { StoriesService } from '../stories.service';

/** Posts the stories HR has not seen yet to the HR channel (one job per workspace at a time). */
@Injectable()
@Job({ queue: STORIES_QUEUES.announce, policy: 'stately' })
export class StoriesAnnounceJob implements JobHandler<WorkspaceJobData> {
  constructor(private readonly stories: StoriesService) {}

  handle(data: WorkspaceJobData): Promise<void> {
    return this.stories.announce(data);
  }
}
