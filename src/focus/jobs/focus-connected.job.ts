import { Injectable } from '@nestjs/common';
import { Job, JobHandler } from '../../jobs/job.decorator';
import { SLACK_EVENTS, SlackUserConnected } from '../../slack/slack.events';
import { FocusSyncService } from '../focus-sync.service';
import { FOCUS_QUEUES } from '../focus.queues';

/** After an agent connects Slack (the slack.user-connected event), starts the sync of their running focus block. */
@Injectable()
@Job({ queue: FOCUS_QUEUES.connected, on: [SLACK_EVENTS.userConnected] })
export class FocusConnectedJob implements JobHandler<SlackUserConnected> {
  constructor(private readonly sync: FocusSyncService) {}

  handle(data: SlackUserConnected): Promise<void> {
    return this.sync.resumeAfterConnect(data);
  }
}
