import { Injectable } from '@nestjs/common';
import { Job, JobHandler } from '../../jobs/job.decorator';
import { FocusSyncService } from '../focus-sync.service';
import { FOCUS_QUEUES, FocusConnectedJob } from '../focus.queues';

/** After an agent connects Slack, starts the sync of their running focus block. */
@Injectable()
@Job({ queue: FOCUS_QUEUES.connected })
export class FocusConnectedJobHandler implements JobHandler<FocusConnectedJob> {
  constructor(private readonly sync: FocusSyncService) {}

  handle(data: FocusConnectedJob): Promise<void> {
    return this.sync.resumeAfterConnect(data);
  }
}
