import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { TokensModule } from '../tokens/tokens.module';
import { WorkspacesModule } from '../workspaces/workspaces.module';
import { AuthGuard } from './auth.guard';

/** The global guard: every route needs a credential unless marked @Public. */
@Module({
  imports: [TokensModule, WorkspacesModule],
  providers: [{ provide: APP_GUARD, useClass: AuthGuard }],
})
export class AuthModule {}
