/**
 * How pg-boss reaches the database: our pool, each statement counted as activity (shutdown
 * waits for them), and the statements pg-boss's workers send without awaiting them made safe.
 *
 * pg-boss 10's worker (Manager.work → onFetch) records a fetched batch's outcome with
 * `this.complete(...)` or `this.fail(...)` and never awaits or catches the promise. When the
 * database is gone at that moment (killed, restarted, a failover) the statement fails with
 * `connect ECONNREFUSED`, the rejection is unhandled, and Node ends the process: the app died
 * with the database instead of answering 503 until it came back. Those two statements are
 * therefore resolved here, whatever happens: a failure is logged, and the batch stays `active`
 * in the queue, so pg-boss's maintenance expires it and retries it (handlers are idempotent,
 * docs/reliability.md). Every other statement rejects as usual: pg-boss awaits those.
 *
 * pg-boss completes a batch by its ids once the handler returns, `WHERE state = 'active'`. A job
 * of the batch that failed early (and was marked failed by the app at once) can by then be
 * running again, fetched by another worker for its retry: that batch completion marked the new
 * run completed under it, and when the new run failed too, its failure found the job completed
 * and nothing was retried (a focus block lost its sync in the Slack storm fault case). For the
 * queues whose handlers record each job's outcome themselves (`ownOutcomes`), pg-boss's batch
 * completion is therefore not sent at all.
 */
import type { Pool } from 'pg';
import type PgBoss from 'pg-boss';
import { completeJobs, failJobsById } from 'pg-boss/src/plans';
import { Activity } from './activity';

/** What a completion statement returns when it changed nothing (pg-boss reads `count`). */
const NOTHING_RECORDED = { rows: [{ count: '0' }] };

export interface QueueExecutors {
  /** For pg-boss: its workers' unawaited completions never reject. */
  forQueue: PgBoss.Db;
  /** For our own awaited calls (boss.fail from a handler): every failure rejects. */
  awaited: PgBoss.Db;
}

export function queueExecutors(
  pool: Pool,
  activity: Activity,
  schema: string,
  completionLost: (err: unknown) => void,
  ownOutcomes: (queue: string) => boolean = () => false,
): QueueExecutors {
  const complete = completeJobs(schema);
  const unawaited = new Set([complete, failJobsById(schema)]);
  const awaited: PgBoss.Db = {
    executeSql: (text: string, values: unknown[]) => activity.track(() => pool.query(text, values)),
  };
  return {
    awaited,
    forQueue: {
      executeSql: (text: string, values: unknown[]) => {
        if (text === complete && ownOutcomes(values[0] as string)) {
          return Promise.resolve(NOTHING_RECORDED);
        }
        const run = awaited.executeSql(text, values);
        if (!unawaited.has(text)) return run;
        return run.catch((err: unknown) => {
          completionLost(err);
          return NOTHING_RECORDED;
        });
      },
    },
  };
}
