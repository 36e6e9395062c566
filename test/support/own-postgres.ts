/**
 * A PostgreSQL server of the fault suite's own: `initdb` into a temporary directory and
 * `pg_ctl` on a free port of 127.0.0.1, from the machine's PostgreSQL binaries. The suite stops
 * it, kills it (SIGKILL) and restarts it mid-run, which the shared server on 5432 must never
 * suffer.
 *
 * initdb and the server refuse to run as root: when the suite is root (CI containers), they run
 * as the `postgres` OS user through `runuser`, and the temporary directory is handed to it.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { eventually } from './eventually';

const run = promisify(execFile);
const PG_ROOT = '/usr/lib/postgresql';
const OS_USER = 'postgres';

/** The newest installed major version's bin directory. */
function binDir(): string {
  const versions = fs.existsSync(PG_ROOT)
    ? fs
        .readdirSync(PG_ROOT)
        .filter((v) => fs.existsSync(path.join(PG_ROOT, v, 'bin', 'pg_ctl')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length === 0) {
    throw new Error(`no PostgreSQL binaries under ${PG_ROOT}/*/bin (apt-get install postgresql)`);
  }
  return path.join(PG_ROOT, versions[0], 'bin');
}

/** A port free on 127.0.0.1 right now (the kernel's pick, released at once). */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const isRoot = () => process.getuid?.() === 0;

export class OwnPostgres {
  private constructor(
    private readonly bin: string,
    private readonly dir: string,
    readonly port: number,
  ) {}

  get dataDir(): string {
    return path.join(this.dir, 'data');
  }

  /** A connection string to `database` (default: postgres) as the superuser, trust auth. */
  url(database = 'postgres'): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  static async start(): Promise<OwnPostgres> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pulsedesk-own-pg-'));
    if (isRoot()) {
      const { stdout } = await run('id', ['-u', OS_USER]);
      const { stdout: gid } = await run('id', ['-g', OS_USER]);
      fs.chownSync(dir, Number(stdout.trim()), Number(gid.trim()));
    }
    const pg = new OwnPostgres(binDir(), dir, await freePort());
    await pg.as('initdb', [
      '-D',
      pg.dataDir,
      '-U',
      'postgres',
      '--auth=trust',
      '--encoding=UTF8',
      '--no-locale',
      '--no-sync',
    ]);
    // TCP on loopback only, no Unix socket; room for the suite's 50 clients and the app's pools.
    fs.appendFileSync(
      path.join(pg.dataDir, 'postgresql.conf'),
      [
        `port = ${pg.port}`,
        `listen_addresses = '127.0.0.1'`,
        `unix_socket_directories = ''`,
        'max_connections = 200',
        '',
      ].join('\n'),
    );
    await pg.startServer();
    return pg;
  }

  /** Starts the server (after stop() or kill()); a killed one goes through crash recovery. */
  async startServer(): Promise<void> {
    await this.as('pg_ctl', [
      'start',
      '-w',
      '-t',
      '60',
      '-D',
      this.dataDir,
      '-l',
      path.join(this.dir, 'server.log'),
    ]);
    await eventually(() => this.accepts(), { what: 'the own Postgres to accept connections' });
  }

  /** A clean shutdown (fast: open sessions are ended). */
  async stop(): Promise<void> {
    await this.as('pg_ctl', ['stop', '-w', '-m', 'fast', '-D', this.dataDir]);
  }

  /**
   * SIGKILL to the postmaster and every server process under it, as a lost container or an OOM
   * kill of the whole server: nothing is flushed or shut down; the next start recovers from WAL.
   * Resolves once no process of the server is left (so a restart is not refused for shared
   * memory still attached).
   */
  async kill(): Promise<void> {
    const pid = this.postmasterPid();
    if (pid === undefined) return;
    const children = await this.childrenOf(pid);
    for (const p of [pid, ...children]) {
      try {
        process.kill(p, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await eventually(() => [pid, ...children].every((p) => !alive(p)), {
      what: 'the killed server processes to be gone',
    });
    // The next start refuses while the old postmaster's pid still answers signal 0 (its lock
    // file names it), which a zombie does until init reaps it: wait for that too.
    await eventually(() => !exists(pid), { what: 'the killed postmaster to be reaped' });
  }

  async restart(): Promise<void> {
    await this.startServer();
  }

  /** Stops the server if it runs and removes its directory. */
  async destroy(): Promise<void> {
    try {
      if (this.postmasterPid() !== undefined) await this.stop();
    } catch {
      await this.kill();
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  /** Runs SQL as the superuser on `database`. */
  async query<T = Record<string, unknown>>(
    sql: string,
    params: unknown[] = [],
    database = 'postgres',
  ): Promise<T[]> {
    const client = new Client({ connectionString: this.url(database) });
    await client.connect();
    try {
      return (await client.query(sql, params)).rows as T[];
    } finally {
      await client.end();
    }
  }

  /** The server's last log lines, for a failure message. */
  logTail(lines = 40): string {
    try {
      return fs
        .readFileSync(path.join(this.dir, 'server.log'), 'utf8')
        .split('\n')
        .slice(-lines)
        .join('\n');
    } catch {
      return '';
    }
  }

  private async accepts(): Promise<boolean> {
    try {
      await this.query('SELECT 1');
      return true;
    } catch {
      return false;
    }
  }

  private postmasterPid(): number | undefined {
    try {
      const first = fs
        .readFileSync(path.join(this.dataDir, 'postmaster.pid'), 'utf8')
        .split('\n')[0];
      const pid = Number(first);
      return Number.isInteger(pid) && pid > 0 && alive(pid) ? pid : undefined;
    } catch {
      return undefined;
    }
  }

  private async childrenOf(pid: number): Promise<number[]> {
    try {
      const { stdout } = await run('ps', ['-o', 'pid=', '--ppid', String(pid)]);
      return stdout
        .split('\n')
        .map((l) => Number(l.trim()))
        .filter((n) => n > 0);
    } catch {
      return []; // ps exits 1 when there are none
    }
  }

  /** A PostgreSQL program, as the postgres OS user when this process is root. */
  private async as(program: string, args: string[]): Promise<void> {
    const exe = path.join(this.bin, program);
    const [file, argv] = isRoot() ? ['runuser', ['-u', OS_USER, '--', exe, ...args]] : [exe, args];
    try {
      await run(file, argv, { cwd: this.dir, timeout: 120_000 });
    } catch (err) {
      const e = err as { stderr?: string; stdout?: string; message: string };
      throw new Error(
        `${program} ${args[0]} failed: ${e.message}\n${e.stderr ?? ''}${e.stdout ?? ''}\n${this.logTail()}`,
      );
    }
  }
}

/** What Postgres's lock-file check asks: does signal 0 reach the pid (a zombie counts)? */
function exists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    // A zombie still answers signal 0: look at its state.
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.split(') ')[1]?.[0] !== 'Z';
  } catch {
    return false;
  }
}
