import { Module } from '@nestjs/common';
import { SessionsModule } from '../auth/sessions/sessions.module';
import { FocusModule } from '../focus/focus.module';
import { PulseModule } from '../pulse/pulse.module';
import { StoriesModule } from '../stories/stories.module';
import { WorkspacesModule } from '../workspaces/workspaces.module';
import { AssetsController } from './assets.controller';
import { DashboardController } from './dashboard.controller';
import { DashboardService } from './dashboard.service';
import { SignInController } from './sign-in.controller';

/** The HR dashboard at `/`: sign-in pages, the pages over the pulse, focus and stories services, assets. */
@Module({
  imports: [SessionsModule, PulseModule, FocusModule, WorkspacesModule, StoriesModule],
  controllers: [SignInController, AssetsController, DashboardController],
  providers: [DashboardService],
})
export class DashboardModule {}
