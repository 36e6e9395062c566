import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { TokensModule } from '../tokens/tokens.module';
import { WorkspacesModule } from '../workspaces/workspaces.module';
import { AuthGuard } from './auth.guard';
import { SessionsModule } from './sessions/sessions.module';

/** The global guard: every route needs a credential unless marked @Public. */
@Module({
  imports: [TokensModule, WorkspacesModule, SessionsModule],
  providers: [{ provide: APP_GUARD, useClass: AuthGuard }],
})
export class AuthModule {}
