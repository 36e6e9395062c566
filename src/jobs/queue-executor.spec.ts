import { randomUUID } from 'node:crypto';
import * as net from 'node:net';
import { Pool } from 'pg';
import PgBoss from 'pg-boss';
import { Activity } from './activity';
import { JOBS_SCHEMA } from './jobs.service';
import { queueExecutors } from './queue-executor';

/** A loopback port nothing listens on: every connection is refused, as with Postgres killed. */
async function refusedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('queueExecutors on a database that refuses connections', () => {
  let pool: Pool;
  let lost: unknown[];
  let boss: PgBoss;
  let awaited: PgBoss.Db;

  beforeEach(async () => {
    pool = new Pool({ connectionString: `postgres://postgres@127.0.0.1:${await refusedPort()}/x` });
    lost = [];
    const db = queueExecutors(pool, new Activity(), JOBS_SCHEMA, (err) => lost.push(err));
    awaited = db.awaited;
    // Never started: complete/fail only run their statement through the db they are given.
    boss = new PgBoss({ db: db.forQueue, schema: JOBS_SCHEMA });
  });

  afterEach(() => pool.end());

  // pg-boss's worker sends these two without awaiting them: a rejection would end the process.
  it.each(['complete', 'fail'] as const)(
    "resolves pg-boss's %s of a batch, and reports the failure",
    async (outcome) => {
      await expect(boss[outcome]('pulse.answered', [randomUUID()])).resolves.toEqual(
        expect.objectContaining({ affected: 0 }),
      );
      expect(lost).toEqual([expect.objectContaining({ code: 'ECONNREFUSED' })]);
    },
  );

  it('rejects every other statement, which pg-boss awaits', async () => {
    await expect(boss.getQueues()).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    expect(lost).toEqual([]);
  });

  it('rejects a fail the app awaits itself', async () => {
    await expect(
      boss.fail('pulse.answered', randomUUID(), { message: 'x' }, { db: awaited }),
    ).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    expect(lost).toEqual([]);
  });

  it("does not send pg-boss's batch completion for a queue whose outcomes the app records", async () => {
    const db = queueExecutors(
      pool,
      new Activity(),
      JOBS_SCHEMA,
      (err) => lost.push(err),
      (queue) => queue === 'focus.start',
    );
    const own = new PgBoss({ db: db.forQueue, schema: JOBS_SCHEMA });
    // Not sent: the refused connection would have been reported.
    await expect(own.complete('focus.start', [randomUUID()])).resolves.toEqual(
      expect.objectContaining({ affected: 0 }),
    );
    expect(lost).toEqual([]);
    // Another queue's completion is sent as before.
    await own.complete('__pgboss__send-it', [randomUUID()]);
    expect(lost).toEqual([expect.objectContaining({ code: 'ECONNREFUSED' })]);
  });
});
