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
): QueueExecutors {
  const unawaited = new Set([completeJobs(schema), failJobsById(schema)]);
  const awaited: PgBoss.Db = {
    executeSql: (text: string, values: unknown[]) => activity.track(() => pool.query(text, values)),
  };
  return {
    awaited,
    forQueue: {
      executeSql: (text: string, values: unknown[]) => {
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
