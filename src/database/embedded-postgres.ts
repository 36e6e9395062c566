/**
 * The embedded Postgres used when DATABASE_URL is unset: PGlite persisted under DATA_DIR and
 * served over the Postgres wire protocol on loopback, so TypeORM and pg-boss take exactly the
 * same `pg` driver path as with a real server.
 *
 * PGlite is one backend session shared by every socket connection: it runs transactions one at
 * a time, and session state (SET, session advisory locks) is visible to all connections. Code
 * that must work on both engines therefore uses transaction-scoped locks only.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface EmbeddedPostgres {
  url: string;
  /** A tarball of the whole database, from which another instance can start (test templates). */
  dumpDataDir(): Promise<Blob>;
  stop(): Promise<void>;
}

/** Enough for TypeORM's pool plus pg-boss's, with room for the CLI and health checks. */
const MAX_CONNECTIONS = 64;

/** Persisted under `dataDir` when given; in memory otherwise (optionally loaded from a dump). */
export async function startEmbeddedPostgres(
  options: { dataDir?: string; loadDataDir?: Blob } = {},
): Promise<EmbeddedPostgres> {
  const { dataDir } = options;
  // Loaded lazily: a server deployment never pays for the WebAssembly engine.
  const { PGlite } = await import('@electric-sql/pglite');
  const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket');
  let releaseLock = (): void => undefined;
  let db;
  if (dataDir === undefined) {
    db = await PGlite.create({ loadDataDir: options.loadDataDir });
  } else {
    fs.mkdirSync(dataDir, { recursive: true });
    releaseLock = acquireDataDirLock(dataDir);
    db = await PGlite.create({ dataDir: path.join(dataDir, 'pgdata') });
  }
  const server = new PGLiteSocketServer({
    db,
    host: '127.0.0.1',
    port: 0,
    maxConnections: MAX_CONNECTIONS,
  });
  await server.start();
  return {
    url: `postgres://postgres@${server.getServerConn()}/postgres`,
    dumpDataDir: async () => db.dumpDataDir('none'),
    async stop() {
      await server.stop();
      await db.close();
      releaseLock();
    },
  };
}

/**
 * Two processes writing one PGlite directory would corrupt it: the second one is refused
 * with a message saying which process holds it. A lock left by a dead process is taken over.
 */
function acquireDataDirLock(dataDir: string): () => void {
  const lockFile = path.join(dataDir, 'pulsedesk.pid');
  try {
    const holder = Number(fs.readFileSync(lockFile, 'utf8'));
    if (holder && holder !== process.pid && isAlive(holder)) {
      throw new Error(
        `DATA_DIR ${dataDir} is in use by process ${holder}; the embedded database allows one ` +
          'process. Stop it, choose another DATA_DIR, or set DATABASE_URL to share a Postgres server.',
      );
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  fs.writeFileSync(lockFile, String(process.pid));
  return () => {
    try {
      if (fs.readFileSync(lockFile, 'utf8') === String(process.pid)) fs.unlinkSync(lockFile);
    } catch {
      // already gone
    }
  };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
