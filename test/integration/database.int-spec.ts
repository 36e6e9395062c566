/**
 * The database layer on whichever engine the run uses (embedded PGlite by default, the server
 * in CI): concurrent connections and transactions through the `pg` driver, rollbacks that do
 * not leak into other transactions, and migrations that run once when started concurrently.
 */
import { DataSource } from 'typeorm';
import { migrate, revert, withSchemaDataSource } from '../../src/database/database';
import { MIGRATIONS } from '../../migrations';
import { acquireTestDatabase, TestDatabase } from '../support/test-database';

describe('database', () => {
  describe('concurrency through the pg driver', () => {
    let db: TestDatabase;
    let ds: DataSource;

    beforeAll(async () => {
      db = await acquireTestDatabase();
      ds = new DataSource({ type: 'postgres', url: db.url, extra: { max: 10 } });
      await ds.initialize();
      await ds.query('CREATE TABLE probe (id serial PRIMARY KEY, n integer NOT NULL)');
      await ds.query('CREATE TABLE counter (id integer PRIMARY KEY, value integer NOT NULL)');
      await ds.query('INSERT INTO counter VALUES (1, 0)');
    });

    afterAll(async () => {
      await ds?.destroy();
      await db?.release();
    });

    it('serves 50 concurrent inserts and selects over a pool of 10', async () => {
      const results = await Promise.all(
        Array.from({ length: 50 }, async (_, i) => {
          await ds.query('INSERT INTO probe (n) VALUES ($1)', [i]);
          const [row] = await ds.query('SELECT count(*)::int AS c FROM probe WHERE n = $1', [i]);
          return row.c as number;
        }),
      );
      expect(results).toEqual(Array(50).fill(1));
      const [{ c }] = await ds.query('SELECT count(*)::int AS c FROM probe');
      expect(c).toBe(50);
    });

    it('keeps each connection’s parameterized statements apart under concurrency', async () => {
      // Different parameter types on different connections: an interleaved Parse/Bind would
      // bind a uuid to a bigint statement (or the reverse) and fail.
      const results = await Promise.all(
        Array.from({ length: 200 }, (_, i) =>
          i % 2
            ? ds
                .query('SELECT $1::uuid AS v', ['6f0c5a3e-8d7b-4c1a-9e2f-0123456789ab'])
                .then(([r]) => String(r.v))
            : ds.query('SELECT $1::bigint + 1 AS v', [i]).then(([r]) => String(r.v)),
        ),
      );
      results.forEach((v, i) =>
        expect(v).toBe(i % 2 ? '6f0c5a3e-8d7b-4c1a-9e2f-0123456789ab' : String(i + 1)),
      );
    });

    it('keeps concurrent transactions isolated: every increment counts, a rollback undoes only its own', async () => {
      await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          ds
            .transaction(async (m) => {
              await m.query('UPDATE counter SET value = value + 1 WHERE id = 1');
              await m.query('INSERT INTO probe (n) VALUES ($1)', [1000 + i]);
              if (i % 4 === 0) throw new Error('roll back');
            })
            .catch((err: Error) => {
              if (err.message !== 'roll back') throw err;
            }),
        ),
      );
      const [{ value }] = await ds.query('SELECT value FROM counter WHERE id = 1');
      expect(value).toBe(15);
      const kept = await ds.query('SELECT n FROM probe WHERE n >= 1000 ORDER BY n');
      expect(kept.map((r: { n: number }) => r.n)).toEqual(
        Array.from({ length: 20 }, (_, i) => 1000 + i).filter((n) => (n - 1000) % 4 !== 0),
      );
    });
  });

  describe('migrations', () => {
    it('apply once when three runners start together on an empty database, and not again', async () => {
      const db = await acquireTestDatabase({ empty: true });
      try {
        const runs = await Promise.all([migrate(db.url), migrate(db.url), migrate(db.url)]);
        const applied = runs.flat();
        expect(applied.sort()).toEqual(MIGRATIONS.map((m) => new m().name).sort());
        expect(await migrate(db.url)).toEqual([]);
        const rows = await withSchemaDataSource(db.url, (ds) =>
          ds.query('SELECT name FROM migrations'),
        );
        expect(rows).toHaveLength(MIGRATIONS.length);
      } finally {
        await db.release();
      }
    });

    it('revert one by one, newest first, to an empty schema, and apply again', async () => {
      const db = await acquireTestDatabase({ empty: true });
      const functions = () =>
        withSchemaDataSource(db.url, (ds) =>
          ds.query(
            `SELECT p.oid::regprocedure::text AS f FROM pg_proc p
               JOIN pg_namespace n ON n.oid = p.pronamespace
              WHERE n.nspname = current_schema() ORDER BY 1`,
          ),
        );
      try {
        await migrate(db.url);
        const reverted: string[] = [];
        for (let name = await revert(db.url); name; name = await revert(db.url))
          reverted.push(name);
        expect(reverted).toEqual(MIGRATIONS.map((m) => new m().name).reverse());
        expect(await functions()).toEqual([]);
        expect(await migrate(db.url)).toHaveLength(MIGRATIONS.length);
        // slack_reserve() is gone at the top; reverting its drop gives both versions back.
        const names = async () => (await functions()).map((r: { f: string }) => r.f);
        expect(await names()).not.toContainEqual(expect.stringMatching(/^slack_reserve/));
        let last: string | undefined;
        do last = await revert(db.url);
        while (last && last !== 'DropSlackReserve1765046400000');
        expect(await names()).toEqual(
          expect.arrayContaining([
            'slack_reserve(uuid,character varying,timestamp with time zone,integer)',
            expect.stringMatching(/^slack_reserve\(uuid,.*,integer,integer\)$/),
          ]),
        );
      } finally {
        await db.release();
      }
    });
  });
});
