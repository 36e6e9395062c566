import { Injectable } from '@nestjs/common';
import { Job, JobHandler } from '../../jobs/job.decorator';
import { DigestJobData, STORIES_QUEUES } from '../stories.queues';
import { StoriesService } from '../stories.service';

/** Posts one claimed weekly digest; a digest already posted is left alone. */
@Injectable()
@Job({ queue: STORIES_QUEUES.digestPost, policy: 'stately' })
export class StoriesDigestPostJob implements JobHandler<DigestJobData> {
  constructor(private readonly stories: StoriesService) {}

  handle(data: DigestJobData): Promise<void> {
    return this.stories.postDigest(data);
  }
}
