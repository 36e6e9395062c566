import { DynamicModule, Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuthModule } from './auth/auth.module';
import { Clock, SystemClock } from './common/clock';
import { KeyRing } from './common/key-ring';
import { TokenCipher } from './common/token-cipher';
import type { AppConfig } from './config/config';
import { ConfigModule } from './config/config.module';
import { TransactionsModule } from './database/transactions';
import { DashboardModule } from './dashboard/dashboard.module';
import { FocusModule } from './focus/focus.module';
import { HealthModule } from './health/health.module';
import { HomeModule } from './home/home.module';
import { StoriesModule } from './stories/stories.module';
import { JobsModule } from './jobs/jobs.module';
import { PeopleModule } from './people/people.module';
import { PulseModule } from './pulse/pulse.module';
import { SlackCoreModule } from './slack/slack-core.module';
import { SlackModule } from './slack/slack.module';
import { TeamsModule } from './teams/teams.module';
import { TokensModule } from './tokens/tokens.module';
import { WorkspacesModule } from './workspaces/workspaces.module';

export interface AppModuleOptions {
  config: AppConfig;
  /** The resolved database: the embedded server's URL or DATABASE_URL. */
  databaseUrl: string;
  encryptionKey: Buffer;
  /** ENCRYPTION_KEY_PREVIOUS during a rotation. */
  previousEncryptionKey?: Buffer;
  clock?: Clock;
  /** False: jobs are queued, never run here (the demo seeder). Default true. */
  runJobs?: boolean;
}

/** Adapters every feature may inject: the clock, the key ring and the token cipher. */
@Global()
@Module({})
class AdaptersModule {
  static forRoot(options: AppModuleOptions): DynamicModule {
    const ring = new KeyRing(options.encryptionKey, options.previousEncryptionKey);
    return {
      module: AdaptersModule,
      providers: [
        { provide: Clock, useValue: options.clock ?? new SystemClock() },
        { provide: KeyRing, useValue: ring },
        { provide: TokenCipher, useValue: new TokenCipher(ring) },
      ],
      exports: [Clock, KeyRing, TokenCipher],
    };
  }
}

@Module({})
export class AppModule {
  static forRoot(options: AppModuleOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(options.config),
        AdaptersModule.forRoot(options),
        TypeOrmModule.forRoot({
          type: 'postgres',
          url: options.databaseUrl,
          autoLoadEntities: true,
          synchronize: false,
          migrationsRun: false,
          extra: { max: 20, application_name: 'pulsedesk' },
        }),
        TransactionsModule,
        JobsModule.forRoot(options.databaseUrl, options.runJobs ?? true),
        SlackCoreModule,
        HealthModule,
        AuthModule,
        WorkspacesModule,
        TeamsModule,
        PeopleModule,
        TokensModule,
        SlackModule,
        PulseModule,
        FocusModule,
        HomeModule,
        StoriesModule,
        DashboardModule,
      ],
    };
  }
}
