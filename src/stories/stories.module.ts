import { Module } from '@nestjs/common';
import { StoriesSlackListener } from './stories.slack-listener';

/** Stories: for now only the Slack entry points, answering that the feature is not built yet. */
@Module({ providers: [StoriesSlackListener] })
export class StoriesModule {}
