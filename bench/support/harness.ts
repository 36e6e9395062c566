/**
 * What both benchmarks share: a throwaway database on the Postgres server (dropped at the end,
 * also on failure or Ctrl-C), the app in a child process, a keep-alive HTTP load generator with
 * latency percentiles, and a plain-text table printer.
 */
import { ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { migrate } from '../../src/database/database';
import {
  interactionBody,
  pulseAnswerPayload,
  signSlackRequest,
} from '../../test/support/slack-signing';
import { SlackStandIn } from '../../test/support/slack-stand-in';
import type { AppServerMessage, ParentMessage, QueryCounts, TracedStatement } from './app-server';

export type { QueryCounts, TracedStatement };

/** What the app process reports of itself (see app-server.ts). */
export type AppResources = Omit<Extract<AppServerMessage, { type: 'resources' }>, 'type'>;

export const ADMIN_URL =
  process.env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';

const BENCH_DIR = path.resolve(__dirname, '..');

// ------------------------------------------------------------------------------ cleanup

type Cleanup = () => Promise<void>;
const cleanups: Cleanup[] = [];

/** Registers work to undo at the end; runs last-in first-out, once, even after a failure. */
export function onCleanup(fn: Cleanup): void {
  cleanups.push(fn);
}

export async function runCleanups(): Promise<void> {
  while (cleanups.length > 0) {
    const fn = cleanups.pop()!;
    try {
      await fn();
    } catch (err) {
      console.error(`cleanup failed: ${(err as Error).message}`);
    }
  }
}

/** Runs a benchmark's main: cleanups always run; a signal stops the run and still cleans up. */
export function runBenchmark(main: () => Promise<void>): void {
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) return;
    interrupted = true;
    console.error(`\n${signal}: cleaning up`);
    void runCleanups().then(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  main()
    .then(
      () => 0,
      (err: Error) => {
        console.error(err.stack ?? err.message);
        return 1;
      },
    )
    .then(async (code) => {
      await runCleanups();
      process.exit(code);
    });
}

// ------------------------------------------------------------------------------ database

export function databaseUrl(name: string): string {
  const u = new URL(ADMIN_URL);
  u.pathname = `/${name}`;
  return u.href;
}

export async function adminQuery(sql: string): Promise<void> {
  const client = new Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/**
 * `CREATE DATABASE pd_bench_<ts>_<rand>`; dropped (WITH FORCE) at cleanup, unless
 * BENCH_KEEP_DATABASE=1 (to investigate afterwards; drop it yourself).
 */
export async function createBenchDatabase(): Promise<{ name: string; url: string }> {
  const name = `pd_bench_${Date.now()}_${randomBytes(3).toString('hex')}`;
  await adminQuery(`CREATE DATABASE ${name}`);
  onCleanup(async () => {
    if (process.env.BENCH_KEEP_DATABASE === '1') {
      console.log(`kept database ${name}: DROP DATABASE ${name} WITH (FORCE) when done`);
      return;
    }
    await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    console.log(`dropped database ${name}`);
  });
  return { name, url: databaseUrl(name) };
}

export async function serverVersion(): Promise<string> {
  const client = new Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    const { rows } = await client.query<{ v: string }>(
      `SELECT current_setting('server_version') v`,
    );
    return rows[0].v;
  } finally {
    await client.end();
  }
}

// ------------------------------------------------------------------------------ the app

export interface AppProcess {
  url: string;
  pid: number;
  /** Statements the app has sent so far, by pool and statement head (see app-server.ts). */
  queryCounts(): Promise<QueryCounts>;
  /**
   * Records every statement the app sends from the moment this resolves; the function it
   * resolves to stops the recording and returns the statements.
   */
  trace(): Promise<() => Promise<TracedStatement[]>>;
  /** The app process's CPU time so far and its memory. */
  resources(): Promise<AppResources>;
  /** Starts a CPU profile of the app; the returned function stops it and writes `file`. */
  profile(file: string): () => Promise<void>;
  stop(): Promise<void>;
}

/** Forks bench/support/app-server.ts with exactly `env` (plus PATH); resolves once it listens. */
export async function startAppProcess(env: Record<string, string>): Promise<AppProcess> {
  const child: ChildProcess = fork(path.join(BENCH_DIR, 'support/app-server.ts'), [], {
    execArgv: [
      '--enable-source-maps',
      '-r',
      path.join(BENCH_DIR, 'swc-register.cjs'),
      // e.g. BENCH_APP_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" to profile the app.
      ...(process.env.BENCH_APP_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
    ],
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'production',
      DATA_DIR: path.join(os.tmpdir(), `pulsedesk-bench-${randomBytes(4).toString('hex')}`),
      ...env,
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    child.once('message', (m: AppServerMessage) => {
      if (m.type === 'ready') resolve(m.url);
      else if (m.type === 'failed') reject(new Error(`app failed to start:\n${m.error}`));
    });
    child.once('exit', (code) => reject(new Error(`app exited with ${code} before listening`)));
  });
  const ask = <T extends AppServerMessage['type']>(message: ParentMessage, reply: T) =>
    new Promise<Extract<AppServerMessage, { type: T }>>((resolve) => {
      const listener = (m: AppServerMessage) => {
        if (m.type !== reply) return;
        child.off('message', listener);
        resolve(m as Extract<AppServerMessage, { type: T }>);
      };
      child.on('message', listener);
      child.send(message);
    });
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    if (child.exitCode === null) {
      child.send({ type: 'stop' } satisfies ParentMessage);
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    }
  };
  onCleanup(stop);
  return {
    url,
    pid: child.pid!,
    queryCounts: async () => (await ask({ type: 'stats' }, 'stats')).queries,
    trace: async () => {
      await ask({ type: 'trace-start' }, 'tracing');
      return async () => (await ask({ type: 'trace-stop' }, 'trace')).statements;
    },
    resources: async () => {
      const { type: _type, ...resources } = await ask({ type: 'resources' }, 'resources');
      return resources;
    },
    profile: (file) => {
      child.send({ type: 'profile-start' } satisfies ParentMessage);
      return async () => {
        await ask({ type: 'profile-stop', file }, 'profiled');
      };
    },
    stop,
  };
}

// ------------------------------------------------------------------------------ pulse setup

/** A fresh operator credential (ADMIN_API_TOKEN) for one run. */
export function benchAdminToken(): string {
  return `bench-admin-${randomBytes(12).toString('hex')}`;
}

/** The first lines of a benchmark's output: its name, the time, the machine and Postgres. */
export async function printBanner(name: string): Promise<void> {
  console.log(`${name} — ${new Date().toISOString()}`);
  console.log(`  ${machineLine()}, Postgres ${await serverVersion()}`);
}

/** A throwaway database (see createBenchDatabase), migrated by the app's own migrations. */
export async function migratedBenchDatabase(): Promise<{ name: string; url: string }> {
  const db = await createBenchDatabase();
  await migrate(db.url);
  return db;
}

/**
 * The app on `db` with the operator token `adminToken`, logging at BENCH_LOG_LEVEL (default
 * silent); `env` adds to that (Slack settings). Prints where it listens.
 */
export async function startBenchApp(
  db: { name: string; url: string },
  adminToken: string,
  env: Record<string, string> = {},
): Promise<AppProcess> {
  const app = await startAppProcess({
    DATABASE_URL: db.url,
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'silent',
    ADMIN_API_TOKEN: adminToken,
    ...env,
  });
  console.log(`  app (pid ${app.pid}) at ${app.url}, database ${db.name}`);
  return app;
}

/** A form-encoded Slack request to /slack/events (a command or an interaction), signed. */
export function signedSlackRequest(body: string, signingSecret: string): RequestSpec {
  return {
    method: 'POST',
    path: '/slack/events',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...signSlackRequest(body, signingSecret),
    },
    body,
  };
}

/** A migrated database, the Slack stand-in with one workspace of agents, and the app on both. */
export interface SlackBench {
  db: { name: string; url: string };
  /** A connection of the bench's own, for counting what the app wrote. */
  sql: Client;
  slack: SlackStandIn;
  /** The agents' Slack user ids, `${idPrefix}00000000` onwards. */
  userIds: string[];
  app: AppProcess;
}

/**
 * Sets up a bench over Slack: everything it starts is stopped by runCleanups(). Agents live in
 * `zones` in turn (default: four zones a round's 15:00 reaches at different moments); `env`
 * adds to the app's settings.
 */
export async function startSlackBench(options: {
  team: { id: string; name: string };
  agents: number;
  idPrefix: string;
  signingSecret: string;
  adminToken: string;
  zones?: readonly string[];
  env?: Record<string, string>;
}): Promise<SlackBench> {
  const { team, idPrefix } = options;
  const zones = options.zones ?? ['Europe/Paris', 'America/New_York', 'Asia/Manila', 'UTC'];
  const db = await migratedBenchDatabase();
  const sql = new Client({ connectionString: db.url });
  await sql.connect();
  onCleanup(() => sql.end());
  const slack = await SlackStandIn.start();
  onCleanup(() => slack.stop());
  slack.addTeam(team);
  const userIds = Array.from(
    { length: options.agents },
    (_, i) => `${idPrefix}${String(i).padStart(8, '0')}`,
  );
  userIds.forEach((id, i) =>
    slack.addUser({ id, teamId: team.id, name: `agent-${i}`, tz: zones[i % zones.length] }),
  );
  const app = await startBenchApp(db, options.adminToken, {
    SLACK_SIGNING_SECRET: options.signingSecret,
    SLACK_BOT_TOKEN: slack.issueBotToken(team.id),
    SLACK_API_URL: slack.apiUrl,
    SLACK_OAUTH_AUTHORIZE_URL: slack.authorizeUrl,
    ...options.env,
  });
  return { db, sql, slack, userIds, app };
}

/** `POST /api/surveys` as the operator; returns the new survey's id. */
export async function createSurvey(
  agent: http.Agent,
  base: string,
  admin: Record<string, string>,
  survey: { title: string; questions: readonly object[] },
): Promise<string> {
  const created = await json<{ id: string }>(
    agent,
    base,
    { method: 'POST', path: '/api/surveys', headers: admin, json: survey },
    201,
  );
  return created.id;
}

// ------------------------------------------------------------------------------ HTTP

export interface HttpResult {
  status: number;
  body: string;
}

export interface RequestSpec {
  method: 'GET' | 'POST' | 'PATCH';
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

export function keepAliveAgent(sockets: number): http.Agent {
  return new http.Agent({ keepAlive: true, maxSockets: sockets, maxFreeSockets: sockets });
}

export function send(agent: http.Agent, base: string, spec: RequestSpec): Promise<HttpResult> {
  const url = new URL(spec.path, base);
  const body = spec.body === undefined ? undefined : Buffer.from(spec.body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        agent,
        host: url.hostname,
        port: url.port,
        path: url.pathname + url.search,
        method: spec.method,
        headers: { ...spec.headers, ...(body ? { 'content-length': String(body.length) } : {}) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** A JSON call that must answer `expect` (an HTTP status); returns the parsed body. */
export async function json<T = unknown>(
  agent: http.Agent,
  base: string,
  spec: RequestSpec & { json?: unknown },
  expect = 200,
): Promise<T> {
  const res = await send(agent, base, {
    ...spec,
    headers: { 'content-type': 'application/json', ...spec.headers },
    body: spec.json === undefined ? spec.body : JSON.stringify(spec.json),
  });
  if (res.status !== expect) {
    throw new Error(`${spec.method} ${spec.path}: ${res.status} (wanted ${expect}) ${res.body}`);
  }
  return (res.body ? JSON.parse(res.body) : undefined) as T;
}

// ------------------------------------------------------------------------------ load

export interface LoadResult {
  label: string;
  requests: number;
  errors: number;
  firstError?: string;
  seconds: number;
  rps: number;
  /** Latencies in ms, sorted ascending. */
  latencies: number[];
}

/**
 * Closed-loop load: `concurrency` clients on keep-alive sockets, each sending its next request
 * as soon as the previous one answered. Stops after `total` requests, or after `seconds` when
 * `total` is not given. `ok` decides whether an answer counts as a success.
 */
export async function runLoad(options: {
  label: string;
  base: string;
  concurrency: number;
  total?: number;
  seconds?: number;
  request: (i: number) => RequestSpec;
  ok: (res: HttpResult) => boolean;
}): Promise<LoadResult> {
  const { concurrency, total, base } = options;
  const agent = keepAliveAgent(concurrency);
  const deadline = options.seconds ? performance.now() + options.seconds * 1000 : Infinity;
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  let issued = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (;;) {
        if (total !== undefined ? issued >= total : performance.now() >= deadline) return;
        const spec = options.request(issued++);
        const t0 = performance.now();
        try {
          const res = await send(agent, base, spec);
          latencies.push(performance.now() - t0);
          if (!options.ok(res)) {
            errors++;
            firstError ??= `${res.status} ${res.body.slice(0, 300)}`;
          }
        } catch (err) {
          latencies.push(performance.now() - t0);
          errors++;
          firstError ??= (err as Error).message;
        }
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return {
    label: options.label,
    requests: latencies.length,
    errors,
    firstError,
    seconds,
    rps: latencies.length / seconds,
    latencies,
  };
}

/** Statements sent between two snapshots, by pool (application_name) and statement head. */
export function queryDelta(before: QueryCounts, after: QueryCounts): QueryCounts {
  const delta: QueryCounts = {};
  for (const [key, n] of Object.entries(after)) {
    const d = n - (before[key] ?? 0);
    if (d > 0) delta[key] = d;
  }
  return delta;
}

/** Statements of one pool (application_name) in a delta. */
export function poolTotal(delta: QueryCounts, pool: string): number {
  return Object.entries(delta)
    .filter(([key]) => key.startsWith(`${pool}\t`))
    .reduce((sum, [, n]) => sum + n, 0);
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

// ------------------------------------------------------------------------------ output

export function fmt(n: number, digits = 1): string {
  return Number.isFinite(n) ? n.toFixed(digits) : '-';
}

export function table(header: string[], rows: (string | number)[][]): string {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) =>
    r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(cells[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)]
    .map((l) => `  ${l}`)
    .join('\n');
}

export function verdict(pass: boolean): string {
  return pass ? 'PASS' : 'MISS';
}

export function machineLine(): string {
  const cpus = os.cpus();
  return `node ${process.version}, ${cpus.length} cores (${cpus[0]?.model.trim() ?? '?'}), load avg ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`;
}

/** An answer to the pulse benches' survey: workload (scale5), enps and an optional comment. */
export interface BenchAnswer {
  workload: string;
  enps: string;
  comment: string;
}

/** One agent's modal submission of a BenchAnswer, as Slack posts it (unsigned). */
export function benchSubmissionBody(
  teamId: string,
  userId: string,
  roundId: string,
  answer: BenchAnswer,
): string {
  const payload = pulseAnswerPayload({
    teamId,
    userId,
    roundId,
    answers: {
      workload: { kind: 'scale5', value: answer.workload },
      enps: { kind: 'enps', value: answer.enps },
      comment: { kind: 'text', value: answer.comment },
    },
  });
  return interactionBody(payload);
}
