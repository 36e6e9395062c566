/**
 * A job whose every attempt fails: each failure before the last is a `job failed` warning, and
 * the last one — pg-boss gives the job up — is said once, as `job given up` at error level, so
 * an operator sees what was lost without counting warnings. And a retry is never put further
 * off than the queue's maximum, however far pg-boss's doubling would put it.
 */
import { Injectable, Logger } from '@nestjs/common';
import type { INestApplicationContext } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Job, JobHandler } from '../../src/jobs/job.decorator';
import { JobsService } from '../../src/jobs/jobs.service';
import { eventually } from '../support/eventually';
import { jobsApp } from '../support/jobs-app';
import { acquireTestDatabase, TestDatabase } from '../support/test-database';

const QUEUE = 'test.always-fails';
const SLOW_QUEUE = 'test.fails-with-long-backoff';

@Injectable()
@Job({ queue: QUEUE, retryLimit: 2, retryDelaySeconds: 1, retryBackoff: false })
class AlwaysFailsJob implements JobHandler<{ key: string }> {
  handle(): Promise<void> {
    return Promise.reject(new Error('Slack chat.postMessage failed with HTTP 500'));
  }
}

/** pg-boss alone would retry it 100–200 s after its first failure, twice that after the next. */
@Injectable()
@Job({
  queue: SLOW_QUEUE,
  retryLimit: 5,
  retryDelaySeconds: 100,
  retryBackoff: true,
  retryDelayMaxSeconds: 30,
})
class FailsWithLongBackoffJob implements JobHandler<{ key: string }> {
  handle(): Promise<void> {
    return Promise.reject(new Error('Slack dnd.setSnooze failed with HTTP 500'));
  }
}

describe('a job that exhausts its retries', () => {
  let db: TestDatabase;
  let app: INestApplicationContext;
  const lines: { level: 'warn' | 'error'; entry: Record<string, unknown> }[] = [];

  beforeAll(async () => {
    for (const level of ['warn', 'error'] as const) {
      jest.spyOn(Logger.prototype, level).mockImplementation(function (
        this: Logger,
        ...args: unknown[]
      ) {
        if ((this as unknown as { context?: string }).context === JobsService.name)
          lines.push({ level, entry: args[0] as Record<string, unknown> });
      });
    }
    db = await acquireTestDatabase();
    app = await jobsApp(db.url, [AlwaysFailsJob, FailsWithLongBackoffJob]);
  });

  afterAll(async () => {
    await app?.close();
    await db?.release();
    jest.restoreAllMocks();
  });

  it('warns at each failed attempt and says once, at error level, that it gave the job up', async () => {
    await app.get(JobsService).send(QUEUE, { key: 'k1' });
    await eventually(() => lines.some((l) => l.entry.msg === 'job given up'), {
      what: 'the job given up',
      timeoutMs: 60_000,
    });
    const mine = lines.filter((l) => l.entry.queue === QUEUE);
    expect(mine.map((l) => [l.level, l.entry.msg, l.entry.retryCount])).toEqual([
      ['warn', 'job failed', 0],
      ['warn', 'job failed', 1],
      ['error', 'job given up', 2],
    ]);
    expect(mine[2].entry.err).toBe('Slack chat.postMessage failed with HTTP 500');
  });

  it("puts a retry no further off than the queue's maximum, jittered between half of it and all of it", async () => {
    const jobs = app.get(JobsService);
    const ids = await Promise.all(
      Array.from({ length: 6 }, (_, i) => jobs.send(SLOW_QUEUE, { key: `s${i}` })),
    );
    const ds = app.get(DataSource);
    const retries = async () =>
      (await ds.query(
        `SELECT extract(epoch FROM start_after - now())::float AS wait
           FROM pgboss.job WHERE name = $1 AND id = ANY($2::uuid[]) AND state = 'retry'`,
        [SLOW_QUEUE, ids],
      )) as { wait: number }[];
    // pg-boss puts the first retry 100–200 s off; the cap, in the statement after its fail,
    // draws it again between 15 and 30 s. A job whose retry stays beyond 30 s fails the wait.
    await eventually(
      async () => {
        const found = await retries();
        return found.length === ids.length && found.every((r) => r.wait <= 30);
      },
      { what: 'every job failed once, its retry brought within 30 s', timeoutMs: 30_000 },
    );
    const waits = (await retries()).map((r) => r.wait);
    for (const wait of waits) expect(wait).toBeGreaterThan(10);
    expect(new Set(waits.map((w) => Math.round(w))).size).toBeGreaterThan(1);
  });
});
