/**
 * The durable job queue: pg-boss on the application's own Postgres (embedded or server), so a
 * job caused by a write is queued in the same transaction as that write, survives restarts and
 * runs once across replicas. Handlers are providers decorated with @Job.
 *
 * The queue runs on the database's clock (a job is due when the database's now() reaches its
 * start_after), the application on the injected Clock. A job's due time is therefore handed to
 * the queue as a delay from the Clock's now, which the database adds to its own: the two clocks
 * need not agree (a replica a little off, a test clock, a test run with a faked date against a
 * server that is not).
 */
import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  BeforeApplicationShutdown,
} from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { Pool } from 'pg';
import PgBoss from 'pg-boss';
import { ClsService } from 'nestjs-cls';
import type { EntityManager } from 'typeorm';
import { Clock } from '../common/clock';
import { TransactionHost, TransactionalAdapterTypeOrm } from '../database/transactions';
import { Activity } from './activity';
import { queueExecutors } from './queue-executor';
import { Job, JobHandler, JobOptions } from './job.decorator';
import { RetryAt } from './retry-at';
import { sqlState } from '../database/sql-state';

export const JOBS_DATABASE_URL = Symbol('JOBS_DATABASE_URL');
export const JOBS_SCHEMA = 'pgboss';
/** Connections of the queue: fetches of every worker, completions, sends outside a transaction. */
export const JOBS_POOL_SIZE = 6;
/** How long shutdown waits, after pg-boss's own graceful stop, for the queue's last work. */
const SETTLE_TIMEOUT_MS = 10_000;
export const JOBS_RUN_WORKERS = Symbol('JOBS_RUN_WORKERS');

export interface SendOptions {
  /** Deduplicates as the queue's policy says (see JobOptions.policy); send returns null then. */
  singletonKey?: string;
  /** Due at this instant of the Clock (as a delay from its now: see above); default now. */
  startAfter?: Date;
  /** Fetched before jobs of lower priority that are due too (default 0). */
  priority?: number;
}

@Injectable()
export class JobsService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(JobsService.name);
  private readonly boss: PgBoss;
  /**
   * pg-boss's connections, ours rather than its own so that shutdown can close them after its
   * last statement instead of under it (see beforeApplicationShutdown).
   */
  private readonly pool: Pool;
  /** pg-boss's statements and our handlers' runs in progress. */
  private readonly activity = new Activity();
  /** Our own pg-boss calls, awaited: a failure rejects (see queue-executor.ts). */
  private readonly awaitedDb: PgBoss.Db;
  private started = false;
  private closed = false;
  /** Event name → the queues subscribed to it (@Job `on`), known from the code at bootstrap. */
  private readonly subscribers = new Map<string, string[]>();
  /** Queues whose jobs this process completes one by one (see register). */
  private readonly ownOutcomes = new Set<string>();

  constructor(
    @Inject(JOBS_DATABASE_URL) databaseUrl: string,
    private readonly discovery: DiscoveryService,
    private readonly clock: Clock,
    @Inject(JOBS_RUN_WORKERS) private readonly runWorkers: boolean,
    private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>,
    private readonly cls: ClsService,
  ) {
    this.pool = new Pool({
      connectionString: databaseUrl,
      max: JOBS_POOL_SIZE,
      application_name: 'pulsedesk-jobs',
    });
    this.pool.on('error', (err) =>
      this.logger.error({ msg: 'job queue connection error', err: err.message }),
    );
    const db = queueExecutors(
      this.pool,
      this.activity,
      JOBS_SCHEMA,
      (err) => this.outcomeNotRecorded(err),
      (queue) => this.ownOutcomes.has(queue),
    );
    this.awaitedDb = db.awaited;
    this.boss = new PgBoss({
      db: db.forQueue,
      schema: JOBS_SCHEMA,
      // Completed jobs are kept a week for diagnosis, then pruned by pg-boss's maintenance.
      retentionDays: 7,
      // Maintenance also fails jobs past their expiry (a replica that died mid-job), which
      // pg-boss then retries: every 30 s, so a short job is picked up again soon after.
      maintenanceIntervalSeconds: 30,
    });
    this.boss.on('error', (err) => this.logger.error({ msg: 'job queue error', err: err.message }));
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.boss.start();
    this.started = true;
    const handlers = this.discovery.getProviders({ metadataKey: Job.KEY }).map((wrapper) => ({
      options: this.discovery.getMetadataByDecorator(Job, wrapper) as JobOptions,
      handler: wrapper.instance as JobHandler,
    }));
    for (const { options } of handlers) {
      for (const event of options.on ?? []) {
        this.subscribers.set(event, [...(this.subscribers.get(event) ?? []), options.queue]);
      }
    }
    if (!this.runWorkers) return;
    for (const { options, handler } of handlers) await this.register(options, handler);
  }

  /**
   * Before the application's shutdown hooks, because TypeORM closes the DataSource in its own:
   * a handler still running must be able to finish its writes (a focus sync releasing its
   * lease, a step recorded after its Slack call) before the pools close.
   */
  async beforeApplicationShutdown(): Promise<void> {
    if (this.started) {
      this.started = false;
      // Graceful: running handlers finish (up to the timeout).
      await this.boss.stop({ graceful: true, wait: true, timeout: 10_000 });
      // pg-boss's stop does not wait for a poll in flight, nor for one still waiting for a
      // connection: a poll that returns jobs now starts their handler, and pg-boss, had it
      // closed its pool, would neither have recorded them completed (left active, they run
      // again when they expire) nor ever have answered the waiting poll (its worker, never
      // stopped, and pg-boss's loop waiting for that worker, ran for the life of the process).
      // The pool stays open until every statement and handler pg-boss started has ended.
      if (!(await this.activity.settled(SETTLE_TIMEOUT_MS))) {
        this.logger.warn({
          msg: 'job queue still busy at shutdown; closing its connections anyway',
          inProgress: this.activity.inProgress,
        });
      }
    }
    if (!this.closed) {
      this.closed = true;
      await this.pool.end();
    }
  }

  /**
   * Creates the queue, or updates its options when it exists. Replicas starting together race
   * here: pg-boss's CREATE (a partition per queue) can deadlock or collide with the other
   * replica's, so a failed attempt re-checks and retries.
   */
  private async ensureQueue(queue: PgBoss.Queue): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        if (await this.boss.getQueue(queue.name)) await this.boss.updateQueue(queue.name, queue);
        else await this.boss.createQueue(queue.name, queue);
        return;
      } catch (err) {
        const code = sqlState(err);
        const raced = code === '40P01' || code === '23505' || code === '42P07';
        if (!raced || attempt >= 5) throw err;
        await new Promise((resolve) => setTimeout(resolve, 50 * attempt + Math.random() * 50));
      }
    }
  }

  /**
   * Queues a job. Inside a transaction (the ambient one: database/transactions.ts) the job is
   * written by that transaction's connection, so it exists only if the transaction commits.
   */
  async send<T extends object>(
    queue: string,
    data: T,
    options: SendOptions = {},
  ): Promise<string | null> {
    const { startAfter, singletonKey, priority } = options;
    return this.boss.send(queue, data, {
      singletonKey,
      startAfter: this.delayUntil(startAfter),
      // pg-boss refuses a priority key that is present but undefined.
      ...(priority !== undefined ? { priority } : {}),
      ...this.inTransaction(),
    });
  }

  /**
   * Publishes an event: one job on each queue subscribed to it (@Job `on`), queued like `send`,
   * so inside the write's transaction the event exists only if the write commits, and a failure
   * to queue fails the write. Subscribers come from the code, not from the database (unlike
   * pg-boss's publish, which reads its subscription table outside the transaction and ignores
   * failures). The emitter never learns who subscribed: shared code emits, features subscribe.
   */
  async emit<T extends object>(event: string, data: T): Promise<void> {
    for (const queue of this.subscribers.get(event) ?? []) await this.send(queue, data);
  }

  /**
   * Deletes a queue's jobs (waiting, done or archived) whose data contains `match`, inside the
   * caller's transaction: for jobs that must not outlive what they were for.
   */
  async purge(queue: string, match: Record<string, string>): Promise<void> {
    for (const table of ['job', 'archive']) {
      await this.txHost.tx.query(
        `DELETE FROM ${JOBS_SCHEMA}.${table} WHERE name = $1 AND data @> $2::jsonb`,
        [queue, JSON.stringify(match)],
      );
    }
  }

  /** Many jobs of one queue in one statement (e.g. one DM per invitee); in the transaction as `send`. */
  async sendMany<T extends object>(
    queue: string,
    jobs: { data: T; singletonKey?: string; startAfter?: Date }[],
  ): Promise<void> {
    if (jobs.length === 0) return;
    await this.boss.insert(
      jobs.map(({ data, singletonKey, startAfter }) => ({
        name: queue,
        data,
        singletonKey,
        startAfter: this.delayUntil(startAfter),
      })),
      this.inTransaction(),
    );
  }

  /** pg-boss's `db` option: the open transaction's connection, or none (pg-boss's own pool). */
  private inTransaction(): { db?: PgBoss.Db } {
    return this.txHost.isTransactionActive() ? { db: executorFor(this.txHost.tx) } : {};
  }

  /**
   * A due time as pg-boss takes a delay (an interval the database adds to its now()); none, so
   * due at once, for a time the Clock has reached.
   */
  private delayUntil(at: Date | undefined): string | undefined {
    const ms = at ? at.getTime() - this.clock.now().getTime() : 0;
    return ms > 0 ? `${ms} milliseconds` : undefined;
  }

  /**
   * The one "retry at" of the queue: the job again, due at `at` (a delay on the Clock, like
   * every send), under its singleton key — so a stately queue keeps its one waiting job per
   * key. A handler throws RetryAt (see register) or, when it must return normally (a service
   * also called outside the queue), calls this itself.
   */
  requeueAt<T extends object>(
    queue: string,
    data: T,
    at: Date,
    options: { singletonKey?: string; priority?: number } = {},
  ): Promise<string | null> {
    return this.send(queue, data, { startAfter: at, ...options });
  }

  /** A handler's RetryAt; if the re-queue fails, the run fails and pg-boss retries it. */
  private async retryAt(queue: string, job: PgBoss.JobWithMetadata, retry: RetryAt): Promise<void> {
    await this.requeueAt(queue, (retry.next.data ?? job.data) as object, retry.at, {
      singletonKey: job.singletonKey ?? undefined,
      priority: retry.next.priority,
    });
  }

  /** Brings a failed job's retry no further off than `maxSeconds` (RETRY_DELAY_MAX_SECONDS). */
  private async capRetryDelay(queue: string, id: string, maxSeconds: number): Promise<void> {
    await this.awaitedDb.executeSql(
      `UPDATE ${JOBS_SCHEMA}.job
          SET start_after = now() + make_interval(secs => $3 * (0.5 + random() / 2))
        WHERE name = $1 AND id = $2 AND state = 'retry'
          AND start_after > now() + make_interval(secs => $3)`,
      [queue, id, maxSeconds],
    );
  }

  private async register(options: JobOptions, handler: JobHandler): Promise<void> {
    const retryLimit = options.retryLimit ?? 5;
    const maxDelay = options.retryDelayMaxSeconds ?? RETRY_DELAY_MAX_SECONDS;
    await this.ensureQueue({
      name: options.queue,
      policy: options.policy ?? 'standard',
      retryLimit,
      retryDelay: options.retryDelaySeconds ?? 5,
      retryBackoff: options.retryBackoff ?? true,
      expireInSeconds: options.expireInSeconds ?? 15 * 60,
    });
    if (options.cron) await this.boss.schedule(options.queue, options.cron, {}, { tz: 'UTC' });
    this.ownOutcomes.add(options.queue);
    for (let i = 0; i < (options.workers ?? 1); i++) {
      await this.boss.work(
        options.queue,
        { batchSize: options.batchSize ?? 10, pollingIntervalSeconds: 0.5, includeMetadata: true },
        async (jobs) => {
          // Each job of the batch succeeds or fails on its own, recorded as soon as it ends:
          // a failed one is marked failed (and retried by pg-boss), a done one completed. Not
          // pg-boss's completion of the whole batch when this returns: by then a job that
          // failed early may be running again on another worker, and that completion would
          // mark its new run done under it (queue-executor.ts).
          await this.activity.track(() =>
            Promise.all(
              (jobs as PgBoss.JobWithMetadata[]).map(async (job) => {
                try {
                  // Each job in a CLS context of its own: no transaction is shared between jobs.
                  await this.cls
                    .run({ ifNested: 'override' }, () =>
                      handler.handle(job.data, { id: job.id, retryCount: job.retryCount }),
                    )
                    .catch((err: unknown) =>
                      err instanceof RetryAt
                        ? this.retryAt(options.queue, job, err)
                        : Promise.reject(err),
                    );
                } catch (err) {
                  await this.failed(options.queue, job, retryLimit, maxDelay, err);
                  return;
                }
                await this.completed(options.queue, job);
              }),
            ),
          );
        },
      );
    }
  }

  /** A job's run ended well: completed now, whatever else its batch is still running. */
  private async completed(queue: string, job: PgBoss.JobWithMetadata): Promise<void> {
    try {
      await this.boss.complete(queue, job.id, {}, { db: this.awaitedDb });
    } catch (err) {
      this.outcomeNotRecorded(err, { queue, jobId: job.id });
    }
  }

  /**
   * A job's outcome could not be written (the database gone): the job stays active, and
   * pg-boss's maintenance expires it and runs it again (handlers are idempotent).
   */
  private outcomeNotRecorded(err: unknown, job: { queue?: string; jobId?: string } = {}): void {
    this.logger.error({
      msg: 'job outcome not recorded; the jobs run again once they expire',
      ...job,
      err: (err as Error).message,
    });
  }

  /** A job's run failed: marked failed now (pg-boss retries it, or gives it up), said once. */
  private async failed(
    queue: string,
    job: PgBoss.JobWithMetadata,
    retryLimit: number,
    maxDelay: number,
    err: unknown,
  ): Promise<void> {
    const message = (err as Error).message;
    // pg-boss fails a job for good once its retries are used up: that is the one line an
    // operator needs (what was given up, and why), at error level.
    const givenUp = job.retryCount >= retryLimit;
    this.logger[givenUp ? 'error' : 'warn']({
      msg: givenUp ? 'job given up' : 'job failed',
      queue,
      jobId: job.id,
      retryCount: job.retryCount,
      err: message,
    });
    await this.boss.fail(queue, job.id, { message }, { db: this.awaitedDb });
    if (!givenUp) await this.capRetryDelay(queue, job.id, maxDelay);
  }
}

/**
 * pg-boss waits retry_delay × 2^n (times 1 to 2, its jitter) before the nth retry, with no upper
 * bound: 5 s doubling reaches 160–320 s at the sixth and 640–1,280 s at the eighth. A focus
 * block failing through a minute-long Slack outage then came back minutes after Slack had
 * (the Slack storm fault case waited 154 s for one retry). So a retry pg-boss put further off
 * than the queue's maximum is drawn again between half of it and all of it.
 */
export const RETRY_DELAY_MAX_SECONDS = 120;

/** pg-boss runs its SQL through the transaction's own connection. */
function executorFor(manager: EntityManager): PgBoss.Db {
  return {
    executeSql: async (text: string, values: unknown[]) => ({
      rows: await manager.query(text, values),
    }),
  };
}
