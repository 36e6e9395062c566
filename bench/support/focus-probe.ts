/**
 * Where a focus-sync phase spends its time, sampled from outside the app every `everyMs`:
 * - CPU of the app replicas, of this process (the load generator and the Slack stand-in), of
 *   the Postgres backends serving the bench database, and of the whole machine (with steal),
 *   from /proc — so only when Postgres runs on this host (Linux); otherwise left out; and how
 *   long the replicas' main (JavaScript) threads and those backends were ready to run but
 *   waiting for a CPU (/proc/<pid>/schedstat: the run-queue delay of a crowded machine);
 * - what those backends are doing, from pg_stat_activity: per pool (application_name),
 *   running (CPU), waiting on a lock or on WAL/IO, or idle (waiting for the app to send).
 * The figures are means over the samples of a time range: "backends waiting on a lock" 12.3
 * means that at any moment ~12 of the bench's connections were queued on a lock.
 */
import { readFileSync } from 'node:fs';
import type { Client } from 'pg';

interface Sample {
  at: number;
  /** utime + stime in clock ticks (1/100 s), per app pid; NaN when /proc is not readable. */
  appTicks: number[];
  /** ns ready to run but not running (run-queue delay), per app pid's main thread. */
  appQueued: number[];
  benchMs: number;
  /** Sum over the backends that are connected at both ends of an interval. */
  pgTicks: Map<number, number>;
  pgQueued: Map<number, number>;
  machine?: { busy: number; total: number; steal: number };
  /** `pool · state` → backends, e.g. `pulsedesk · Lock:transactionid`. */
  activity: Record<string, number>;
}

export interface Probe {
  stop(): Promise<void>;
  /** Means over [from, to] (ms since epoch), as printable rows. */
  summary(from: number, to: number): { cpu: [string, string][]; activity: [string, string][] };
}

function procTicks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]); // utime, stime
  } catch {
    return NaN;
  }
}

/** ns the process's main thread has waited on a run queue (ready, no CPU free). */
function runQueueNs(pid: number): number {
  try {
    return Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[1]);
  } catch {
    return NaN;
  }
}

function machine(): Sample['machine'] {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
    const v = line.trim().split(/\s+/).slice(1).map(Number);
    const [user, nice, system, idle, iowait, irq, softirq, steal] = v;
    return {
      busy: user + nice + system + irq + softirq + steal,
      total: user + nice + system + idle + iowait + irq + softirq + steal,
      steal,
    };
  } catch {
    return undefined;
  }
}

export function startProbe(options: {
  /** A connection of its own to the bench database (not the app's). */
  sql: Client;
  database: string;
  appPids: number[];
  everyMs?: number;
}): Probe {
  const { sql, database, appPids } = options;
  const samples: Sample[] = [];
  let stopped = false;
  const take = async () => {
    const { rows } = await sql.query<{ pid: number; pool: string; what: string }>(
      `SELECT pid, coalesce(nullif(application_name, ''), '?') AS pool,
              CASE WHEN state <> 'active' THEN coalesce(state, '?')
                   WHEN wait_event IS NULL THEN 'running'
                   ELSE wait_event_type || ':' || wait_event END AS what
         FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`,
      [database],
    );
    const activity: Record<string, number> = {};
    const pgTicks = new Map<number, number>();
    const pgQueued = new Map<number, number>();
    for (const r of rows) {
      const key = `${r.pool} · ${r.what}`;
      activity[key] = (activity[key] ?? 0) + 1;
      pgTicks.set(r.pid, procTicks(r.pid));
      pgQueued.set(r.pid, runQueueNs(r.pid));
    }
    const cpu = process.cpuUsage();
    samples.push({
      at: Date.now(),
      appTicks: appPids.map(procTicks),
      appQueued: appPids.map(runQueueNs),
      benchMs: (cpu.user + cpu.system) / 1000,
      pgTicks,
      pgQueued,
      machine: machine(),
      activity,
    });
  };
  const loop = (async () => {
    while (!stopped) {
      const t = Date.now();
      await take().catch(() => undefined);
      await new Promise((r) =>
        setTimeout(r, Math.max(0, (options.everyMs ?? 250) - (Date.now() - t))),
      );
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
    },
    summary(from, to) {
      const s = samples.filter((x) => x.at >= from && x.at <= to);
      if (s.length < 2) return { cpu: [], activity: [] };
      const a = s[0];
      const b = s[s.length - 1];
      const seconds = (b.at - a.at) / 1000;
      const pct = (ticks: number) => `${((ticks / 100 / seconds) * 100).toFixed(0)} %`;
      const queued = (ns: number) => `${((ns / 1e9 / seconds) * 100).toFixed(0)} %`;
      const cpu: [string, string][] = appPids.map((pid, i) => [
        `app replica ${i + 1} (pid ${pid})`,
        `${pct(b.appTicks[i] - a.appTicks[i])}; main thread waiting for a CPU ` +
          queued(b.appQueued[i] - a.appQueued[i]),
      ]);
      cpu.push([
        'this process (load generator, Slack stand-in)',
        `${(((b.benchMs - a.benchMs) / 1000 / seconds) * 100).toFixed(0)} %`,
      ]);
      let pg = 0;
      let pgQueued = 0;
      for (const [pid, ticks] of b.pgTicks) {
        const before = a.pgTicks.get(pid);
        if (before !== undefined) pg += ticks - before;
        const queuedBefore = a.pgQueued.get(pid);
        if (queuedBefore !== undefined) pgQueued += b.pgQueued.get(pid)! - queuedBefore;
      }
      cpu.push([
        'Postgres backends of the bench database',
        `${pct(pg)}; waiting for a CPU ${queued(pgQueued)} (summed over backends)`,
      ]);
      if (a.machine && b.machine) {
        const total = b.machine.total - a.machine.total;
        const cores = total / 100 / seconds;
        cpu.push([
          `whole machine (${cores.toFixed(1)} cores)`,
          `${(((b.machine.busy - a.machine.busy) / total) * 100).toFixed(0)} % busy, ` +
            `${(((b.machine.steal - a.machine.steal) / total) * 100).toFixed(1)} % steal`,
        ]);
      }
      const sums: Record<string, number> = {};
      for (const x of s) {
        for (const [k, n] of Object.entries(x.activity)) sums[k] = (sums[k] ?? 0) + n;
      }
      const activity = Object.entries(sums)
        .sort((p, q) => q[1] - p[1])
        .map(([k, n]): [string, string] => [k, (n / s.length).toFixed(1)]);
      return { cpu, activity };
    },
  };
}
