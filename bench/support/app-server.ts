/**
 * The app under benchmark, in a process of its own (so the load generator does not share its
 * event loop): built by the same createApp() as production and the e2e tests, configured from
 * the environment the benchmark passes, listening on 127.0.0.1 on a free port. It tells the
 * parent its URL over IPC and closes gracefully when the parent says `stop` (or goes away).
 *
 * Three diagnostics, all from outside src/:
 * - every statement sent through `pg` is counted by connection pool (application_name) and by
 *   statement head, so a benchmark can print database round trips per request (`stats`);
 * - between `trace-start` and `trace-stop`, every statement is also recorded with its
 *   connection, its start and its end (when its result was parsed), in ms since the epoch, so a
 *   benchmark can split one request into its statements and the app's work between them;
 * - `profile-start` / `profile-stop <file>` take a V8 CPU profile of the app over one pass.
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Session } from 'node:inspector';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Client } from 'pg';
import { createApp } from '../../src/app.factory';
import { createLogger } from '../../src/common/logging';
import { loadConfig } from '../../src/config/config';

export type QueryCounts = Record<string, number>;

/** One statement of a trace; times are ms since the epoch (performance.timeOrigin + now()). */
export interface TracedStatement {
  pool: string;
  /** Which connection (a number per `pg` Client of the process). */
  client: number;
  head: string;
  start: number;
  end: number;
  /** Rows returned (or affected); -1 when the statement failed. */
  rows: number;
}

export type ParentMessage =
  | { type: 'stop' }
  | { type: 'stats' }
  | { type: 'trace-start' }
  | { type: 'trace-stop' }
  | { type: 'resources' }
  | { type: 'profile-start' }
  | { type: 'profile-stop'; file: string };

export type AppServerMessage =
  | { type: 'ready'; url: string }
  | { type: 'failed'; error: string }
  | { type: 'stats'; queries: QueryCounts }
  | { type: 'tracing' }
  | { type: 'trace'; statements: TracedStatement[] }
  | {
      type: 'resources';
      /** CPU time of the app process (user + system), ms. */
      cpuMs: number;
      rss: number;
      heapUsed: number;
      /** Event-loop delay since the previous `resources` request (ms): p99 and max. */
      loopDelayP99Ms: number;
      loopDelayMaxMs: number;
    }
  | { type: 'profiled'; file: string };

/** `<application_name>\t<first words of the statement>` → statements sent. */
const queries: QueryCounts = {};
let trace: TracedStatement[] | null = null;
const clientIds = new WeakMap<object, number>();
let nextClientId = 1;
const epochNow = () => performance.timeOrigin + performance.now();

function countQueries(): void {
  type Query = (this: Client, ...args: unknown[]) => unknown;
  const proto = Client.prototype as unknown as { query: Query };
  const original = proto.query;
  proto.query = function (this: Client, ...args: unknown[]) {
    const first = args[0] as string | { text?: string } | undefined;
    const text = typeof first === 'string' ? first : (first?.text ?? '');
    const pool =
      (this as unknown as { connectionParameters?: { application_name?: string } })
        .connectionParameters?.application_name ?? '?';
    const head = text.replace(/\s+/g, ' ').trim().slice(0, 60);
    const key = `${pool}\t${head}`;
    queries[key] = (queries[key] ?? 0) + 1;
    if (!trace) return original.apply(this, args);
    const into = trace;
    let client = clientIds.get(this);
    if (client === undefined) clientIds.set(this, (client = nextClientId++));
    const record = { pool, client, head: text.replace(/\s+/g, ' ').trim().slice(0, 120) };
    const start = epochNow();
    const done = (rows: number) => into.push({ ...record, start, end: epochNow(), rows });
    const rowsOf = (res: unknown) => {
      const r = res as { rowCount?: number | null; rows?: unknown[] } | undefined;
      return r?.rowCount ?? r?.rows?.length ?? 0;
    };
    const last = args[args.length - 1];
    if (typeof last === 'function') {
      const callback = last as (err: unknown, res: unknown) => void;
      args[args.length - 1] = (err: unknown, res: unknown) => {
        done(err ? -1 : rowsOf(res));
        callback(err, res);
      };
      return original.apply(this, args);
    }
    const result = original.apply(this, args);
    if (result instanceof Promise) {
      result.then(
        (res) => done(rowsOf(res)),
        () => done(-1),
      );
    }
    return result;
  };
}

/** How late the event loop runs timers (10 ms resolution), reset at each `resources` reply. */
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();

async function main(): Promise<void> {
  countQueries();
  const config = loadConfig(process.env);
  if (!config.databaseUrl) throw new Error('DATABASE_URL must be set for a benchmark app');
  const app = await createApp({
    config,
    databaseUrl: config.databaseUrl,
    encryptionKey: config.encryptionKey ?? randomBytes(32),
    logger: createLogger(config.logLevel),
  });
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  let closing = false;
  const stop = async () => {
    if (closing) return;
    closing = true;
    await app.close();
    process.exit(0);
  };
  const inspector = new Session();
  const post = (method: string, params?: object) =>
    new Promise<unknown>((resolve, reject) =>
      inspector.post(method, params ?? {}, (err, result) => (err ? reject(err) : resolve(result))),
    );
  process.on('message', (m: ParentMessage) => {
    if (m.type === 'stop') void stop();
    if (m.type === 'stats') process.send!({ type: 'stats', queries: { ...queries } });
    if (m.type === 'trace-start') {
      trace = [];
      process.send!({ type: 'tracing' });
    }
    if (m.type === 'trace-stop') {
      process.send!({ type: 'trace', statements: trace ?? [] });
      trace = null;
    }
    if (m.type === 'resources') {
      const cpu = process.cpuUsage();
      const memory = process.memoryUsage();
      process.send!({
        type: 'resources',
        cpuMs: (cpu.user + cpu.system) / 1000,
        rss: memory.rss,
        heapUsed: memory.heapUsed,
        loopDelayP99Ms: loopDelay.percentile(99) / 1e6,
        loopDelayMaxMs: loopDelay.max / 1e6,
      });
      loopDelay.reset();
    }
    if (m.type === 'profile-start') {
      inspector.connect();
      void post('Profiler.enable').then(() => post('Profiler.start'));
    }
    if (m.type === 'profile-stop') {
      void post('Profiler.stop').then((result) => {
        mkdirSync(path.dirname(m.file), { recursive: true });
        writeFileSync(m.file, JSON.stringify((result as { profile: unknown }).profile));
        inspector.disconnect();
        process.send!({ type: 'profiled', file: m.file });
      });
    }
  });
  process.on('disconnect', () => void stop());
  process.send!({ type: 'ready', url } satisfies AppServerMessage);
}

main().catch((err: Error) => {
  process.send?.({ type: 'failed', error: err.stack ?? err.message } satisfies AppServerMessage);
  process.exit(1);
});
