/**
 * The job queue on the test database: a job queued inside a transaction exists only if the
 * transaction commits, a singleton key deduplicates, a @Job handler runs each job once even
 * with two queue instances (two replicas) polling the same database, a due time is the
 * injected Clock's, and a replica shutting down while its polls are in flight finishes what
 * they fetch before close() returns.
 */
import { Injectable, Provider } from '@nestjs/common';
import type { INestApplicationContext } from '@nestjs/common';
import PgBoss from 'pg-boss';
import { DataSource } from 'typeorm';
import { Clock, SystemClock } from '../../src/common/clock';
import { Job, JobHandler } from '../../src/jobs/job.decorator';
import { TransactionHost } from '../../src/database/transactions';
import { JOBS_POOL_SIZE, JobsService } from '../../src/jobs/jobs.service';
import { eventually } from '../support/eventually';
import { HoldingProxy } from '../support/holding-proxy';
import { jobsApp } from '../support/jobs-app';
import { TestClock } from '../support/test-clock';
import { acquireTestDatabase, TestDatabase } from '../support/test-database';

const QUEUE = 'test.record';
const STATELY_QUEUE = 'test.stately';
const SHUTDOWN_QUEUE = 'test.shutdown';

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

/** A subscriber of an event (JobsService.emit): a job here for each emit. */
const EVENT = 'test.happened';
const EVENT_QUEUE = 'test.on-happened';
@Injectable()
@Job({ queue: EVENT_QUEUE, on: [EVENT], retryLimit: 0 })
class HappenedJob extends RecordJob {}

/** More workers than the queue has connections, so some of its polls wait for one. */
@Injectable()
@Job({ queue: SHUTDOWN_QUEUE, retryLimit: 0, workers: JOBS_POOL_SIZE + 2 })
class ShutdownRecordJob extends RecordJob {}

function replica(
  url: string,
  {
    jobsUrl = url,
    providers = [RecordJob, StatelyRecordJob, HappenedJob] as Provider[],
    clock = new SystemClock() as Clock,
  } = {},
): Promise<INestApplicationContext> {
  return jobsApp(url, providers, { jobsUrl, clock, connections: 4 });
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
    // The ambient transaction: send picks it up without being handed a connection.
    await a.get(TransactionHost).withTransaction(async () => {
      await jobs.send(QUEUE, { key: 'committed' });
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
      a.get(TransactionHost).withTransaction(async () => {
        await jobs.send(QUEUE, { key: 'rolled-back' });
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect(await queued('rolled-back')).toBe(0);
  });

  it("queues an emitted event for its subscribers in the emitter's transaction", async () => {
    const jobs = a.get(JobsService);
    const txHost = a.get(TransactionHost);
    await expect(
      txHost.withTransaction(async () => {
        await jobs.emit(EVENT, { key: 'event-rolled-back' });
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    await txHost.withTransaction(() => jobs.emit(EVENT, { key: 'event-committed' }));
    await eventually(async () => (await runs('event-committed')) === 1, {
      what: 'the subscriber to run',
    });
    expect(await queued('event-rolled-back', EVENT_QUEUE)).toBe(0);
    expect(await runs('event-rolled-back')).toBe(0);
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

  it('hands the queue a due time as a delay from the Clock, whatever the database clock says', async () => {
    // A replica whose clock is a year ahead of the database's.
    const clock = new TestClock(new Date(Date.now() + 365 * 24 * 3_600_000));
    const c = await replica(db.url, { clock, providers: [] });
    try {
      const jobs = c.get(JobsService);
      const inMs = (ms: number) => new Date(clock.now().getTime() + ms);
      await jobs.send(QUEUE, { key: 'due-in-an-hour' }, { startAfter: inMs(3_600_000) });
      await jobs.sendMany(QUEUE, [{ data: { key: 'due-in-1.5-s' }, startAfter: inMs(1_500) }]);
      // Past by the Clock, though a year ahead of the database: due at once.
      await jobs.send(QUEUE, { key: 'due-a-minute-ago' }, { startAfter: inMs(-60_000) });
      const rows: { key: string; ms: string }[] = await ds.query(
        `SELECT data->>'key' AS key,
                round(extract(epoch FROM start_after - created_on) * 1000) AS ms
           FROM pgboss.job WHERE name = $1 AND data->>'key' LIKE 'due-%'`,
        [QUEUE],
      );
      // How long after it was queued each job is due, by the database's clock.
      expect(Object.fromEntries(rows.map((r) => [r.key, Number(r.ms)]))).toEqual({
        'due-in-an-hour': 3_600_000,
        'due-in-1.5-s': 1_500,
        'due-a-minute-ago': 0,
      });
    } finally {
      await c.close();
    }
  });

  it('shuts down with polls in flight: what they fetch is run and completed before close() returns', async () => {
    // A replica whose queue connections go through a proxy that can hold their statements.
    const proxy = await HoldingProxy.start(db.url);
    const c = await replica(db.url, { jobsUrl: proxy.url, providers: [ShutdownRecordJob] });
    const stop = PgBoss.prototype.stop;
    let closed = false;
    try {
      // Every connection of c's queue has a poll in flight; its other workers wait for one.
      proxy.hold();
      await eventually(() => proxy.heldConnections() >= JOBS_POOL_SIZE, {
        what: "c's queue connections all polling",
      });
      // A job those polls will find once they reach the database...
      await a.get(JobsService).send(SHUTDOWN_QUEUE, { key: 'fetched-at-shutdown' });
      // ...which they reach just after c has begun stopping its queue.
      jest.spyOn(PgBoss.prototype, 'stop').mockImplementationOnce(function (this: PgBoss, options) {
        const stopping = stop.call(this, options);
        proxy.release();
        return stopping;
      });
      await c.close();
      closed = true;
      expect(await runs('fetched-at-shutdown')).toBe(1);
      const [job] = await ds.query(`SELECT state FROM pgboss.job WHERE name = $1`, [
        SHUTDOWN_QUEUE,
      ]);
      // Completed, not left active for another replica to run again once it expires.
      expect(job.state).toBe('completed');
    } finally {
      jest.restoreAllMocks();
      proxy.release();
      if (!closed) await c.close();
      await proxy.stop();
    }
  });
});
