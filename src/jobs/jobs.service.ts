/**
 * The durable job queue: pg-boss on the application's own Postgres (embedded or server), so a
 * job caused by a write is queued in the same transaction as that write, survives restarts and
 * runs once across replicas. Handlers are providers decorated with @Job.
 */
import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  BeforeApplicationShutdown,
} from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import PgBoss from 'pg-boss';
import type { EntityManager } from 'typeorm';
import { Job, JobHandler, JobOptions } from './job.decorator';
import { sqlState } from '../database/sql-state';

export const JOBS_DATABASE_URL = Symbol('JOBS_DATABASE_URL');
export const JOBS_SCHEMA = 'pgboss';
export const JOBS_RUN_WORKERS = Symbol('JOBS_RUN_WORKERS');

export interface SendOptions {
  /** Deduplicates as the queue's policy says (see JobOptions.policy); send returns null then. */
  singletonKey?: string;
  startAfter?: Date;
  /** Fetched before jobs of lower priority that are due too (default 0). */
  priority?: number;
  /** Enqueue inside this transaction: the job exists only if the transaction commits. */
  manager?: EntityManager;
}

@Injectable()
export class JobsService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(JobsService.name);
  private readonly boss: PgBoss;
  private started = false;

  constructor(
    @Inject(JOBS_DATABASE_URL) databaseUrl: string,
    private readonly discovery: DiscoveryService,
    @Inject(JOBS_RUN_WORKERS) private readonly runWorkers: boolean,
  ) {
    this.boss = new PgBoss({
      connectionString: databaseUrl,
      schema: JOBS_SCHEMA,
      // Fetches of every worker, completions and sends outside a transaction.
      max: 6,
      application_name: 'pulsedesk-jobs',
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
    if (!this.runWorkers) return;
    for (const wrapper of this.discovery.getProviders({ metadataKey: Job.KEY })) {
      const options = this.discovery.getMetadataByDecorator(Job, wrapper) as JobOptions;
      await this.register(options, wrapper.instance as JobHandler);
    }
  }

  /**
   * Before the application's shutdown hooks, because TypeORM closes the DataSource in its own:
   * a handler still running must be able to finish its writes (a focus sync releasing its
   * lease, a step recorded after its Slack call) before the pools close.
   */
  async beforeApplicationShutdown(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    // Graceful: running handlers finish (up to the timeout) before the pool closes.
    await this.boss.stop({ graceful: true, wait: true, timeout: 10_000 });
    // pg-boss's own clean-up of stopped workers (a loop polling every second) can outlive
    // stop(); it touches nothing of ours and is not reachable from its public API.
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

  async send<T extends object>(
    queue: string,
    data: T,
    options: SendOptions = {},
  ): Promise<string | null> {
    const { manager, startAfter, singletonKey, priority } = options;
    return this.boss.send(queue, data, {
      singletonKey,
      startAfter,
      // pg-boss refuses a priority key that is present but undefined.
      ...(priority !== undefined ? { priority } : {}),
      ...(manager ? { db: executorFor(manager) } : {}),
    });
  }

  /**
   * Deletes a queue's jobs (waiting, done or archived) whose data contains `match`, inside the
   * caller's transaction: for jobs that must not outlive what they were for.
   */
  async purge(manager: EntityManager, queue: string, match: Record<string, string>): Promise<void> {
    for (const table of ['job', 'archive']) {
      await manager.query(
        `DELETE FROM ${JOBS_SCHEMA}.${table} WHERE name = $1 AND data @> $2::jsonb`,
        [queue, JSON.stringify(match)],
      );
    }
  }

  /** Many jobs of one queue in one statement (e.g. one DM per invitee), optionally in a transaction. */
  async sendMany<T extends object>(
    queue: string,
    jobs: { data: T; singletonKey?: string; startAfter?: Date }[],
    options: { manager?: EntityManager } = {},
  ): Promise<void> {
    if (jobs.length === 0) return;
    await this.boss.insert(
      jobs.map((job) => ({ name: queue, ...job })),
      options.manager ? { db: executorFor(options.manager) } : {},
    );
  }

  private async register(options: JobOptions, handler: JobHandler): Promise<void> {
    await this.ensureQueue({
      name: options.queue,
      policy: options.policy ?? 'standard',
      retryLimit: options.retryLimit ?? 5,
      retryDelay: options.retryDelaySeconds ?? 5,
      retryBackoff: options.retryBackoff ?? true,
      expireInSeconds: options.expireInSeconds ?? 15 * 60,
    });
    if (options.cron) await this.boss.schedule(options.queue, options.cron, {}, { tz: 'UTC' });
    for (let i = 0; i < (options.workers ?? 1); i++) {
      await this.boss.work(
        options.queue,
        { batchSize: options.batchSize ?? 10, pollingIntervalSeconds: 0.5, includeMetadata: true },
        async (jobs) => {
          // Each job of the batch succeeds or fails on its own: a failed one is marked failed
          // (and retried by pg-boss); pg-boss completes the rest when this returns.
          await Promise.all(
            (jobs as PgBoss.JobWithMetadata[]).map(async (job) => {
              try {
                await handler.handle(job.data, { id: job.id, retryCount: job.retryCount });
              } catch (err) {
                const message = (err as Error).message;
                this.logger.warn({
                  msg: 'job failed',
                  queue: options.queue,
                  jobId: job.id,
                  retryCount: job.retryCount,
                  err: message,
                });
                await this.boss.fail(options.queue, job.id, { message });
              }
            }),
          );
        },
      );
    }
  }
}

/** pg-boss runs its SQL through the transaction's own connection. */
function executorFor(manager: EntityManager): PgBoss.Db {
  return {
    executeSql: async (text: string, values: unknown[]) => ({
      rows: await manager.query(text, values),
    }),
  };
}
