/**
 * Resolves the database the app will use — DATABASE_URL, or the embedded engine under
 * DATA_DIR — and brings its schema up to date. Used by main.ts, the migration CLI and the
 * test harness, so all three take the same path.
 */
import { DataSource } from 'typeorm';
import type { AppConfig } from '../config/config';
import { startEmbeddedPostgres } from './embedded-postgres';
import { revertLastMigration, runMigrations } from './migrator';

export interface OpenDatabase {
  url: string;
  embedded: boolean;
  stop(): Promise<void>;
}

export async function openDatabase(
  config: Pick<AppConfig, 'databaseUrl' | 'dataDir'>,
): Promise<OpenDatabase> {
  if (config.databaseUrl) {
    return { url: config.databaseUrl, embedded: false, stop: async () => undefined };
  }
  const embedded = await startEmbeddedPostgres({ dataDir: config.dataDir });
  return { url: embedded.url, embedded: true, stop: () => embedded.stop() };
}

/** A short-lived DataSource for schema work (migrations), separate from the app's pool. */
export async function withSchemaDataSource<T>(
  url: string,
  work: (ds: DataSource) => Promise<T>,
): Promise<T> {
  const dataSource = new DataSource({ type: 'postgres', url, extra: { max: 1 } });
  await dataSource.initialize();
  try {
    return await work(dataSource);
  } finally {
    await dataSource.destroy();
  }
}

export function migrate(url: string): Promise<string[]> {
  return withSchemaDataSource(url, (ds) => runMigrations(ds));
}

export function revert(url: string): Promise<string | undefined> {
  return withSchemaDataSource(url, (ds) => revertLastMigration(ds));
}
