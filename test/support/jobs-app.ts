/**
 * The job queue alone, as one replica of the app runs it: the Clock, TypeORM on the test
 * database, the ambient transaction and JobsModule, with the @Job handlers a test declares.
 */
import { DynamicModule, Global, Module, Provider } from '@nestjs/common';
import type { INestApplicationContext } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Clock, SystemClock } from '../../src/common/clock';
import { TransactionsModule } from '../../src/database/transactions';
import { JobsModule } from '../../src/jobs/jobs.module';

/** The Clock, as the app provides it to every module. */
@Global()
@Module({})
class ClockModule {
  static forRoot(clock: Clock): DynamicModule {
    return {
      module: ClockModule,
      providers: [{ provide: Clock, useValue: clock }],
      exports: [Clock],
    };
  }
}

export async function jobsApp(
  url: string,
  providers: Provider[],
  {
    /** Where the queue connects (a proxy in front of the database, say); default `url`. */
    jobsUrl = url,
    clock = new SystemClock() as Clock,
    /** TypeORM's connections (the queue has its own pool). */
    connections = 2,
  } = {},
): Promise<INestApplicationContext> {
  const moduleRef = await Test.createTestingModule({
    imports: [
      ClockModule.forRoot(clock),
      TypeOrmModule.forRoot({ type: 'postgres', url, extra: { max: connections } }),
      TransactionsModule,
      JobsModule.forRoot(jobsUrl),
    ],
    providers,
  }).compile();
  return moduleRef.createNestApplication().init();
}
