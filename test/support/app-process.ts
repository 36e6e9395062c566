/**
 * Runs the built app (`node dist/src/main.js`, what `npm start` runs) as a real child process,
 * for the tests only a process can make: boot with no environment, restart, two replicas.
 */
import * as fs from 'node:fs';
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as path from 'node:path';
import { eventually } from './eventually';
import { captureLog, recordSecret } from './log-capture';

// Boot takes 6-9 s on an idle 2-core machine (PGlite init dominates); under a parallel test
// run it can take several times that, so the deadline is generous: this is not a timing test.
const ROOT = path.resolve(__dirname, '../..');

/**
 * Builds the app (swc: a second or two). Run once per test run, by jest's globalSetup: `nest
 * build` empties dist/ first, so files building at once raced (a missing dist file, or a dist
 * deleted under another file's booting app).
 */
export function buildApp(): void {
  execFileSync(
    process.execPath,
    [path.join(ROOT, 'node_modules/@nestjs/cli/bin/nest.js'), 'build'],
    { cwd: ROOT, stdio: 'pipe' },
  );
}

/** For the files that start the built app: globalSetup built it for this run. */
export function assertBuilt(): void {
  if (!fs.existsSync(path.join(ROOT, 'dist/src/main.js'))) {
    throw new Error('dist/src/main.js is missing: test/support/global-setup.ts builds it first');
  }
}

/**
 * What keeps the child on the test run's clock: TZ, and libfaketime's preload and settings when
 * the run is under `faketime` (scripts/test-any-date.sh). Without them the child of a faked run
 * runs on the real date, and refuses as stale a Slack request the test signed a year ahead.
 */
function clockEnv(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(process.env).filter(
      (e): e is [string, string] =>
        e[1] !== undefined &&
        (e[0] === 'TZ' || e[0] === 'LD_PRELOAD' || e[0].startsWith('FAKETIME')),
    ),
  );
}

export interface AppProcess {
  url: string;
  pid: number;
  output(): string;
  /** SIGTERM: a graceful shutdown; resolves with the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL: the process dies where it stands (a crash, an OOM kill, a lost node). */
  kill(): Promise<void>;
}

export async function startAppProcess(
  env: Record<string, string>,
  { timeoutMs = 60_000 } = {},
): Promise<AppProcess> {
  let output = '';
  const child: ChildProcess = spawn(process.execPath, [path.join(ROOT, 'dist/src/main.js')], {
    cwd: ROOT,
    // Only what the test gives (no inherited DATABASE_URL or Slack settings), on the clock and
    // in the zone of the test run.
    env: { PATH: process.env.PATH ?? '', ...clockEnv(), PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Credentials the test hands the process: none may come back in its output.
  recordSecret(
    ...Object.entries(env)
      .filter(([k]) => /SECRET|TOKEN|KEY/.test(k) && !/^SLACK_API_URL$/.test(k))
      .map(([, v]) => v),
  );
  // What it writes is its log (stdout, as in production): captured for the suite's scan.
  child.stdout!.on('data', (d: Buffer) => {
    output += d.toString();
    captureLog(d.toString());
  });
  child.stderr!.on('data', (d: Buffer) => {
    output += d.toString();
    captureLog(d.toString());
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  let running = true;
  void exited.then(() => (running = false));
  const listening = eventually(
    () => {
      const line = output.split('\n').find((l) => l.includes('Pulsedesk is listening'));
      return line ? (JSON.parse(line) as { port: number }).port : undefined;
    },
    { timeoutMs, what: 'the app to listen' },
  );
  // Whichever comes first: the listening line, or the process exiting (a refused start).
  const port = await Promise.race([
    listening,
    exited.then((code) => {
      throw new Error(`app exited with ${code}`);
    }),
  ]).catch((err: Error) => {
    child.kill('SIGKILL');
    throw new Error(`${err.message}\n--- output ---\n${output}`);
  });
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    output: () => output,
    stop: async () => {
      if (running) child.kill('SIGTERM');
      return exited;
    },
    kill: async () => {
      if (running) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** The TCP ports a process listens on (Linux: its socket inodes matched in /proc/net/tcp*). */
export function listeningTcpPorts(pid: number): number[] {
  const inodes = new Set<string>();
  for (const fd of fs.readdirSync(`/proc/${pid}/fd`)) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (match) inodes.add(match[1]);
    } catch {
      // closed meanwhile
    }
  }
  const ports: number[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of fs.readFileSync(table, 'utf8').split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      // local_address is cols[1] (hex ip:port), st is cols[3] (0A = LISTEN), inode is cols[9].
      if (cols.length > 9 && cols[3] === '0A' && inodes.has(cols[9])) {
        ports.push(parseInt(cols[1].split(':')[1], 16));
      }
    }
  }
  return ports.sort((a, b) => a - b);
}
