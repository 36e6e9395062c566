import { Injectable } from '@nestjs/common';
import { Job, JobHandler } from '../../jobs/job.decorator';
import { FocusSyncService } from '../focus-sync.service';
import { FOCUS_QUEUES, FocusJob } from '../focus.queues';

/** Focus sync at a block's end (one job per block; stately, so replicas never run it twice at once). */
@Injectable()
@Job({
  queue: FOCUS_QUEUES.end,
  policy: 'stately',
  retryLimit: 8,
  retryDelaySeconds: 5,
  retryBackoff: true,
})
export class FocusEndJob implements JobHandler<FocusJob> {
  constructor(private readonly sync: FocusSyncService) {}

  handle(data: FocusJob): Promise<void> {
    return this.sync.end(data);
  }
}
