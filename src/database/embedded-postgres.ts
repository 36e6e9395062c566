/**
 * The embedded Postgres used when DATABASE_URL is unset: PGlite persisted under DATA_DIR and
 * served over the Postgres wire protocol, so TypeORM and pg-boss take exactly the same `pg`
 * driver path as with a real server. Persisted, it listens on a Unix socket in a directory of
 * its own (mode 0700) under DATA_DIR, never on TCP: the embedded server has no password and its
 * user is a superuser, so on a port any local user could read the database or make themselves
 * admin. In memory (the tests' template copies) it listens on 127.0.0.1.
 *
 * PGlite is one backend session shared by every socket connection: it runs transactions one at
 * a time, and session state (SET, session advisory locks) is visible to all connections. Code
 * that must work on both engines therefore uses transaction-scoped locks only.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
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
  const socketDir = dataDir === undefined ? undefined : privateSocketDir(dataDir);
  const server = new PGLiteSocketServer({
    db,
    ...(socketDir ? { path: path.join(socketDir, SOCKET_FILE) } : { host: '127.0.0.1', port: 0 }),
    maxConnections: MAX_CONNECTIONS,
  });
  serializeExtendedQueries(server);
  await server.start();
  if (socketDir) fs.chmodSync(path.join(socketDir, SOCKET_FILE), 0o600);
  return {
    // `host` a directory: pg connects to <dir>/.s.PGSQL.<port>, as to a server's socket.
    url: socketDir
      ? `postgres://postgres@localhost:${SOCKET_PORT}/postgres?host=${encodeURIComponent(socketDir)}`
      : `postgres://postgres@${server.getServerConn()}/postgres`,
    dumpDataDir: async () => db.dumpDataDir('none'),
    async stop() {
      await server.stop();
      await db.close();
      releaseLock();
    },
  };
}

const SOCKET_PORT = 5432;
const SOCKET_FILE = `.s.PGSQL.${SOCKET_PORT}`;
/** sun_path holds 108 bytes with its terminating zero; libuv truncates longer paths silently. */
const SOCKET_PATH_MAX = 107;

/**
 * A directory only this user can enter, for the socket: `DATA_DIR/run`, or, when that path is
 * too long for a socket, a fresh one under the system's temporary directory. A socket left by a
 * process that died (kill -9) is removed first; the DATA_DIR lock says nobody else holds it.
 */
function privateSocketDir(dataDir: string): string {
  let dir = path.join(dataDir, 'run');
  if (Buffer.byteLength(path.join(dir, SOCKET_FILE)) > SOCKET_PATH_MAX) {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pulsedesk-'));
  }
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  fs.chmodSync(dir, 0o700);
  fs.rmSync(path.join(dir, SOCKET_FILE), { force: true });
  return dir;
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

/** The internals of pglite-socket's query queue that serializeExtendedQueries relies on. */
interface QueuedMessage {
  handlerId: number;
  message: Uint8Array;
  resolve: (size: number) => void;
  reject: (error: Error) => void;
  onData: (data: Uint8Array) => void;
}
interface QueryQueue {
  queue: QueuedMessage[];
  processing: boolean;
  lastHandlerId: number | null;
  db: {
    isInTransaction(): boolean;
    runExclusive<T>(fn: () => Promise<T>): Promise<T>;
    execProtocolRawStream(
      message: Uint8Array,
      options: { onRawData: (data: Uint8Array) => void },
    ): Promise<unknown>;
  };
  processQueue(): Promise<void>;
  clearQueueForHandler(handlerId: number): void;
}

/** Message types that end a protocol exchange: Sync, simple Query, Terminate (0: startup). */
const EXCHANGE_END = new Set([0x53, 0x51, 0x58, 0x00]);

/**
 * pglite-socket queues each wire-protocol *message* and, outside a transaction, interleaves the
 * messages of different connections. PGlite being one session, connection B's Parse of the
 * unnamed statement can then land between connection A's Parse and Bind, and A executes B's
 * statement ("invalid input syntax for type bigint" on a uuid, seen under load). This keeps a
 * connection's extended-query exchange (Parse … Sync) together, as a server's backends would,
 * and fixes the queue staying blocked after a failed message.
 */
export function serializeExtendedQueries(server: object): void {
  const queue = (server as { queryQueue?: QueryQueue }).queryQueue;
  if (!queue || typeof queue.processQueue !== 'function' || !Array.isArray(queue.queue)) {
    throw new Error(
      '@electric-sql/pglite-socket internals changed: review serializeExtendedQueries',
    );
  }
  let midExchange: number | null = null;
  const clear = queue.clearQueueForHandler.bind(queue);
  queue.clearQueueForHandler = (handlerId: number) => {
    if (midExchange === handlerId) midExchange = null;
    clear(handlerId);
  };
  queue.processQueue = async function processQueue(this: QueryQueue): Promise<void> {
    if (this.processing || this.queue.length === 0) return;
    this.processing = true;
    try {
      while (this.queue.length > 0) {
        const owner =
          this.db.isInTransaction() && this.lastHandlerId ? this.lastHandlerId : midExchange;
        let next: QueuedMessage | undefined;
        if (owner !== null) {
          const i = this.queue.findIndex((q) => q.handlerId === owner);
          // The owner's next message has not arrived yet: the others wait for it.
          if (i === -1) break;
          next = this.queue.splice(i, 1)[0];
        } else {
          next = this.queue.shift();
        }
        if (!next) break;
        const query = next;
        let size = 0;
        try {
          await this.db.runExclusive(() =>
            this.db.execProtocolRawStream(query.message, {
              onRawData: (data) => {
                size += data.length;
                query.onData(data);
              },
            }),
          );
        } catch (error) {
          midExchange = null;
          query.reject(error as Error);
          continue;
        }
        midExchange = EXCHANGE_END.has(query.message[0]) ? null : query.handlerId;
        this.lastHandlerId = query.handlerId;
        query.resolve(size);
      }
    } finally {
      this.processing = false;
    }
  };
}
