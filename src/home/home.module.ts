import { Module } from '@nestjs/common';
import { FocusModule } from '../focus/focus.module';
import { PulseModule } from '../pulse/pulse.module';
import { StoriesModule } from '../stories/stories.module';
import { HomeService } from './home.service';
import { HomeSlackListener } from './home.slack-listener';

/** The App Home tab: open pulses, the current and next focus block, and a lead's team board, the latest stories. */
@Module({
  imports: [PulseModule, FocusModule, StoriesModule],
  providers: [HomeService, HomeSlackListener],
})
export class HomeModule {}
