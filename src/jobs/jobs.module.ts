import { DynamicModule, Global, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { JOBS_DATABASE_URL, JOBS_RUN_WORKERS, JobsService } from './jobs.service';

@Global()
@Module({})
export class JobsModule {
  /** `runWorkers: false` only queues (the demo seeder): the next app start runs the jobs. */
  static forRoot(databaseUrl: string, runWorkers = true): DynamicModule {
    return {
      module: JobsModule,
      imports: [DiscoveryModule],
      providers: [
        { provide: JOBS_DATABASE_URL, useValue: databaseUrl },
        { provide: JOBS_RUN_WORKERS, useValue: runWorkers },
        JobsService,
      ],
      exports: [JobsService],
    };
  }
}
