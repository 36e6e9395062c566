/**
 * The job queue on the test database: a job queued inside a transaction exists only if the
 * transaction commits, a singleton key deduplicates, and a @Job handler runs each job once even
 * with two queue instances (two replicas) polling the same database.
 */
import { Injectable } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { INestApplicationContext } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Job, JobHandler } from '../../src/jobs/job.decorator';
import { JobsModule } from '../../src/jobs/jobs.module';
import { JobsService } from '../../src/jobs/jobs.service';
import { eventually } from '../support/eventually';
import { acquireTestDatabase, TestDatabase } from '../support/test-database';

const QUEUE = 'test.record';
const STATELY_QUEUE = 'test.stately';

/** Records each run in a table, so runs by either replica are counted in one place. */
@Injectable()
@Job({ queue: QUEUE, retryLimit: 0 })
class RecordJob implements JobHandler<{ key: string }> {
  constructor(private readonly ds: DataSource) {}

  async handle(data: { key: string }): Promise<void> {
    await this.ds.query('INSERT INTO job_runs (key) VALUES ($1)', [data.key]);
  }
}

/** Same handler on a queue that keeps one waiting job per singleton key. */
@Injectable()
@Job({ queue: STATELY_QUEUE, policy: 'stately', retryLimit: 0 })
class StatelyRecordJob extends RecordJob {}

async function replica(url: string): Promise<INestApplicationContext> {
  const moduleRef = await Test.createTestingModule({
    imports: [
      TypeOrmModule.forRoot({ type: 'postgres', url, extra: { max: 4 } }),
      JobsModule.forRoot(url),
    ],
    providers: [RecordJob, StatelyRecordJob],
  }).compile();
  return moduleRef.createNestApplication().init();
}

describe('jobs', () => {
  let db: TestDatabase;
  let a: INestApplicationContext;
  let b: INestApplicationContext;
  let ds: DataSource;

  beforeAll(async () => {
    db = await acquireTestDatabase();
    // Together, as replicas start: both create the same queues at once.
    [a, b] = await Promise.all([replica(db.url), replica(db.url)]);
    ds = a.get(DataSource);
    await ds.query('CREATE TABLE job_runs (id serial PRIMARY KEY, key text NOT NULL)');
  });

  afterAll(async () => {
    await a?.close();
    await b?.close();
    await db?.release();
  });

  const runs = async (key: string): Promise<number> =>
    (await ds.query('SELECT count(*)::int AS c FROM job_runs WHERE key = $1', [key]))[0].c;
  const queued = async (key: string, queue = QUEUE): Promise<number> =>
    (
      await ds.query(
        `SELECT count(*)::int AS c FROM pgboss.job WHERE name = $1 AND data->>'key' = $2`,
        [queue, key],
      )
    )[0].c;

  it('runs a job queued in a committed transaction exactly once across two replicas', async () => {
    const jobs = a.get(JobsService);
    await ds.transaction(async (manager) => {
      await jobs.send(QUEUE, { key: 'committed' }, { manager });
    });
    await eventually(async () => (await runs('committed')) === 1, { what: 'the job to run' });
    // Both replicas keep polling; the job is completed, so neither runs it again.
    await eventually(async () => {
      const [row] = await ds.query(`SELECT state FROM pgboss.job WHERE data->>'key' = 'committed'`);
      return row?.state === 'completed';
    });
    expect(await runs('committed')).toBe(1);
  });

  it('drops a job queued in a transaction that rolls back', async () => {
    const jobs = a.get(JobsService);
    await expect(
      ds.transaction(async (manager) => {
        await jobs.send(QUEUE, { key: 'rolled-back' }, { manager });
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect(await queued('rolled-back')).toBe(0);
  });

  it('deduplicates by singleton key on a stately queue, from either replica', async () => {
    const later = new Date(Date.now() + 60 * 60 * 1000);
    const send = (app: INestApplicationContext, key: string) =>
      app
        .get(JobsService)
        .send(STATELY_QUEUE, { key: 'single' }, { singletonKey: key, startAfter: later });
    expect(await send(a, 'only-one')).toEqual(expect.any(String));
    expect(await send(b, 'only-one')).toBeNull();
    expect(await send(b, 'another-key')).toEqual(expect.any(String));
    expect(await queued('single', STATELY_QUEUE)).toBe(2);
  });

  it('keeps every send on a standard queue', async () => {
    const later = new Date(Date.now() + 60 * 60 * 1000);
    await a.get(JobsService).send(QUEUE, { key: 'many' }, { startAfter: later });
    await a.get(JobsService).send(QUEUE, { key: 'many' }, { startAfter: later });
    expect(await queued('many')).toBe(2);
  });
});
