import { Injectable } from '@nestjs/common';
import { Job, JobHandler } from '../../jobs/job.decorator';
import { FocusSyncService } from '../focus-sync.service';
import { FOCUS_QUEUES, FocusJob } from '../focus.queues';

/** Focus sync at a block's start (one job per block; stately, so replicas never run it twice at once). */
@Injectable()
@Job({
  queue: FOCUS_QUEUES.start,
  policy: 'stately',
  retryLimit: 8,
  retryDelaySeconds: 5,
  retryBackoff: true,
})
export class FocusStartJob implements JobHandler<FocusJob> {
  constructor(private readonly sync: FocusSyncService) {}

  handle(data: FocusJob): Promise<void> {
    return this.sync.start(data);
  }
}
