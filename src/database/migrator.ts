/**
 * Runs pending migrations at boot. Everything happens in one transaction that first takes a
 * transaction-scoped advisory lock, so replicas starting together migrate once: the second one
 * waits, then finds nothing pending. (A session lock would not do: the embedded engine shares
 * one session across connections.) The bookkeeping table is TypeORM's own `migrations`.
 */
import { DataSource, MigrationInterface, QueryRunner } from 'typeorm';
import { MIGRATIONS } from '../../migrations';

/** Arbitrary but fixed: "pulsedesk migrate" as a 63-bit number. */
export const MIGRATION_LOCK_KEY = 7_135_460_195_443_021n;

type MigrationClass = new () => MigrationInterface;

export interface MigrationRecord {
  timestamp: number;
  name: string;
}

function describe(migration: MigrationClass): MigrationRecord {
  const name = new migration().name ?? migration.name;
  const match = /(\d{13})$/.exec(name);
  if (!match) throw new Error(`Migration ${name} must end with its 13-digit timestamp`);
  return { name, timestamp: Number(match[1]) };
}

async function ensureTable(runner: QueryRunner): Promise<void> {
  await runner.query(`CREATE TABLE IF NOT EXISTS migrations (
    id serial PRIMARY KEY, "timestamp" bigint NOT NULL, name varchar NOT NULL)`);
}

export async function runMigrations(
  dataSource: DataSource,
  migrations: MigrationClass[] = MIGRATIONS,
): Promise<string[]> {
  const runner = dataSource.createQueryRunner();
  const applied: string[] = [];
  try {
    await runner.startTransaction();
    await runner.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY.toString()]);
    await ensureTable(runner);
    const done = new Set<string>(
      (await runner.query('SELECT name FROM migrations')).map((r: { name: string }) => r.name),
    );
    for (const migration of migrations) {
      const record = describe(migration);
      if (done.has(record.name)) continue;
      await new migration().up(runner);
      await runner.query('INSERT INTO migrations ("timestamp", name) VALUES ($1, $2)', [
        record.timestamp,
        record.name,
      ]);
      applied.push(record.name);
    }
    await runner.commitTransaction();
    return applied;
  } catch (err) {
    if (runner.isTransactionActive) await runner.rollbackTransaction();
    throw err;
  } finally {
    await runner.release();
  }
}

/** Reverts the most recent migration; returns its name, or undefined when none is applied. */
export async function revertLastMigration(
  dataSource: DataSource,
  migrations: MigrationClass[] = MIGRATIONS,
): Promise<string | undefined> {
  const runner = dataSource.createQueryRunner();
  try {
    await runner.startTransaction();
    await runner.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY.toString()]);
    await ensureTable(runner);
    const [last] = await runner.query(
      'SELECT id, name FROM migrations ORDER BY "timestamp" DESC, id DESC LIMIT 1',
    );
    if (!last) {
      await runner.commitTransaction();
      return undefined;
    }
    const migration = migrations.find((m) => describe(m).name === last.name);
    if (!migration) throw new Error(`Migration ${last.name} is applied but not in migrations/`);
    await new migration().down(runner);
    await runner.query('DELETE FROM migrations WHERE id = $1', [last.id]);
    await runner.commitTransaction();
    return last.name;
  } catch (err) {
    if (runner.isTransactionActive) await runner.rollbackTransaction();
    throw err;
  } finally {
    await runner.release();
  }
}
