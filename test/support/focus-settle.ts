import type { DataSource } from 'typeorm';
import { FOCUS_QUEUES } from '../../src/focus/focus.queues';
import { eventually } from './eventually';

/**
 * Waits until no focus sync is queued, running or due soon (a sync that found its block busy
 * comes back a second later): the Slack calls already asked for are over, so a test can assert
 * on what was called, or inject a fault that only the next call meets. Ends of blocks still
 * running, far ahead, do not count.
 */
export function focusSyncSettled(ds: DataSource): Promise<true> {
  return eventually(
    async () => {
      const [{ n }]: { n: number }[] = await ds.query(
        `SELECT count(*)::int AS n FROM pgboss.job
          WHERE name = ANY($1) AND state IN ('created', 'retry', 'active')
            AND start_after <= now() + interval '90 seconds'`,
        [[FOCUS_QUEUES.start, FOCUS_QUEUES.end, FOCUS_QUEUES.connected]],
      );
      return n === 0 || undefined;
    },
    { what: 'focus sync to settle' },
  );
}
