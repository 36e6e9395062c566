/**
 * A batch's jobs each end on their own. pg-boss completes a batch by its ids once the handler
 * returns; a job of that batch that failed early can by then be running again (its retry,
 * fetched by another worker), and that completion used to mark the new run done under it. When
 * the new run then failed, its failure found the job completed and nothing was retried: a focus
 * block kept its start unsynced for good (the Slack storm fault case).
 */
import { Injectable, Logger } from '@nestjs/common';
import type { INestApplicationContext } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Job, JobHandler } from '../../src/jobs/job.decorator';
import { JobsService } from '../../src/jobs/jobs.service';
import { eventually } from '../support/eventually';
import { jobsApp } from '../support/jobs-app';
import { acquireTestDatabase, TestDatabase } from '../support/test-database';

const QUEUE = 'test.batch';

/** A gate the test opens: a run waits on it as a Slack call hangs until its timeout. */
function gate(): { opened: Promise<void>; open: () => void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

const slowDone = gate();
const retryEnds = gate();
/** Runs of each key, with the attempt (pg-boss's retry count) each was. */
const runs: { key: string; attempt: number }[] = [];

/**
 * `slow` holds its batch open until the test lets it finish. `flaky` fails at once on its first
 * attempt, fails again on its second once the test lets it, and succeeds on its third.
 */
@Injectable()
@Job({
  queue: QUEUE,
  batchSize: 2,
  workers: 2,
  retryLimit: 3,
  retryDelaySeconds: 0,
  retryBackoff: false,
})
class BatchJob implements JobHandler<{ key: string }> {
  async handle(data: { key: string }, context: { retryCount: number }): Promise<void> {
    runs.push({ key: data.key, attempt: context.retryCount });
    if (data.key === 'slow') return slowDone.opened;
    if (context.retryCount === 0) throw new Error('Slack users.profile.set failed with HTTP 500');
    if (context.retryCount === 1) {
      await retryEnds.opened;
      throw new Error('Slack dnd.setSnooze timed out');
    }
  }
}

describe('jobs of one batch', () => {
  let db: TestDatabase;
  let app: INestApplicationContext;

  beforeAll(async () => {
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    db = await acquireTestDatabase();
    app = await jobsApp(db.url, [BatchJob]);
  });

  afterAll(async () => {
    slowDone.open();
    retryEnds.open();
    await app?.close();
    await db?.release();
    jest.restoreAllMocks();
  });

  it("are not completed by the batch's end while a failed one runs again elsewhere", async () => {
    // One statement: the first worker's fetch takes both into one batch.
    await app
      .get(JobsService)
      .sendMany(QUEUE, [{ data: { key: 'slow' } }, { data: { key: 'flaky' } }]);
    const ds = app.get(DataSource);
    const state = async (key: string): Promise<string | undefined> =>
      (
        await ds.query(`SELECT state FROM pgboss.job WHERE name = $1 AND data->>'key' = $2`, [
          QUEUE,
          key,
        ])
      )[0]?.state;

    // flaky's retry is running on the other worker while slow still holds the first batch.
    await eventually(() => runs.some((r) => r.key === 'flaky' && r.attempt === 1), {
      what: "flaky's second attempt to start",
    });
    expect(runs.filter((r) => r.key === 'slow')).toHaveLength(1);

    // The first batch ends: slow is completed, and flaky's running attempt is left running.
    slowDone.open();
    await eventually(async () => (await state('slow')) === 'completed', { what: 'slow completed' });
    expect(await state('flaky')).toBe('active');

    // The running attempt fails: the job is retried, and its third attempt completes it.
    retryEnds.open();
    await eventually(async () => (await state('flaky')) === 'completed', {
      what: 'flaky completed by its third attempt',
    });
    expect(runs.filter((r) => r.key === 'flaky').map((r) => r.attempt)).toEqual([0, 1, 2]);
  });
});
