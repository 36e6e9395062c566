import { Module } from '@nestjs/common';
import { WorkspacesModule } from '../workspaces/workspaces.module';
import { PulseSlackListener } from './slack/pulse.slack-listener';

/** Anonymous pulse surveys. This module grows with the pulse issue; today it answers /pulse help. */
@Module({ imports: [WorkspacesModule], providers: [PulseSlackListener] })
export class PulseModule {}
