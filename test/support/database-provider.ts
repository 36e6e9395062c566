/**
 * Test databases, one per test file, cloned from a template migrated once per run:
 * - against a server (TEST_DATABASE_URL or DATABASE_URL): CREATE DATABASE ... TEMPLATE;
 * - embedded (the default): a fresh in-memory PGlite per file, loaded from a dump of the
 *   migrated template and served on loopback by a control server in jest's main process
 *   (PGlite cannot start inside a jest worker's VM).
 * Workers learn which through PD_TEST_DB, set by global-setup.
 */
import { randomBytes } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from 'pg';
import PgBoss from 'pg-boss';
import { migrate } from '../../src/database/database';
import { startEmbeddedPostgres, EmbeddedPostgres } from '../../src/database/embedded-postgres';
import { JOBS_SCHEMA } from '../../src/jobs/jobs.service';

export type TestDbSettings =
  | { mode: 'server'; adminUrl: string; template: string; runId: string }
  | { mode: 'embedded'; controlUrl: string };

export const SETTINGS_ENV = 'PD_TEST_DB';

/** The schema every fresh database starts with: our migrations and pg-boss's tables. */
export async function prepareSchema(url: string): Promise<void> {
  await migrate(url);
  const boss = new PgBoss({
    connectionString: url,
    schema: JOBS_SCHEMA,
    max: 1,
    supervise: false,
    schedule: false,
  });
  await boss.start();
  await boss.stop({ graceful: false, wait: true });
}

export function serverUrlFromEnv(): string | undefined {
  return process.env.TEST_DATABASE_URL || process.env.DATABASE_URL || undefined;
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.href;
}

export async function adminQuery(
  adminUrl: string,
  sql: string,
): Promise<{ rows: Record<string, unknown>[] }> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Runs in jest's main process: prepares the template and, embedded, the control server. */
export class DatabaseProvider {
  private readonly instances = new Map<string, EmbeddedPostgres>();
  private control?: http.Server;
  private templateDump?: Blob;

  private constructor(readonly settings: TestDbSettings) {}

  static async start(): Promise<DatabaseProvider> {
    const serverUrl = serverUrlFromEnv();
    if (serverUrl) {
      const runId = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
      const template = `pd_tpl_${runId}`;
      await adminQuery(serverUrl, `CREATE DATABASE ${template}`);
      await prepareSchema(withDatabase(serverUrl, template));
      return new DatabaseProvider({ mode: 'server', adminUrl: serverUrl, template, runId });
    }
    const provider = new DatabaseProvider({ mode: 'embedded', controlUrl: '' });
    await provider.startEmbeddedControl();
    return provider;
  }

  async stop(): Promise<void> {
    if (this.settings.mode === 'server') {
      const { adminUrl, runId } = this.settings;
      const { rows } = await adminQuery(
        adminUrl,
        `SELECT datname FROM pg_database WHERE datname LIKE 'pd_%${runId}%'`,
      );
      for (const { datname } of rows) {
        await adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${String(datname)} WITH (FORCE)`);
      }
      return;
    }
    for (const instance of this.instances.values()) await instance.stop();
    this.instances.clear();
    await new Promise<void>((resolve) => this.control?.close(() => resolve()) ?? resolve());
  }

  private async startEmbeddedControl(): Promise<void> {
    const template = await startEmbeddedPostgres();
    await prepareSchema(template.url);
    this.templateDump = await template.dumpDataDir();
    await template.stop();
    this.control = http.createServer((req, res) => {
      void this.handle(req, res).catch((err: Error) => {
        res.writeHead(500).end(err.message);
      });
    });
    // Jest workers keep their connection to this server between test files; Node's default
    // 5-second keep-alive closed it under a worker about to reuse it (ECONNRESET in CI).
    this.control.keepAliveTimeout = 15 * 60_000;
    this.control.headersTimeout = 15 * 60_000 + 1_000;
    await new Promise<void>((resolve) => this.control!.listen(0, '127.0.0.1', resolve));
    const { port } = this.control.address() as AddressInfo;
    (this.settings as { controlUrl: string }).controlUrl = `http://127.0.0.1:${port}`;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (req.method === 'POST' && (req.url === '/databases' || req.url === '/databases?empty=1')) {
      const empty = req.url.endsWith('empty=1');
      const instance = await startEmbeddedPostgres(empty ? {} : { loadDataDir: this.templateDump });
      const id = randomBytes(6).toString('hex');
      this.instances.set(id, instance);
      res
        .writeHead(201, { 'content-type': 'application/json' })
        .end(JSON.stringify({ id, url: instance.url }));
      return;
    }
    const match = /^\/databases\/(\w+)$/.exec(req.url ?? '');
    if (req.method === 'DELETE' && match) {
      const instance = this.instances.get(match[1]);
      this.instances.delete(match[1]);
      await instance?.stop();
      res.writeHead(204).end();
      return;
    }
    res.writeHead(404).end();
  }
}
