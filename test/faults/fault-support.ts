/**
 * What the fault files share: a database on the suite's own Postgres, the environment of an app
 * process as a deployment would set it, and signed Slack requests sent as Slack sends them (a
 * 3-second wait for the acknowledgement, after which Slack counts the request failed).
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { migrate } from '../../src/database/database';
import { OwnPostgres } from '../support/own-postgres';
import { SlackStandIn } from '../support/slack-stand-in';
import { signSlackRequest } from '../support/slack-signing';
import { STAND_IN_METHOD_RATES, TEST_ADMIN_TOKEN, TEST_SIGNING_SECRET } from '../support/test-app';
import type { TestDatabase } from '../support/test-database';

/** Slack's wait for an acknowledgement; later, it shows the user an error (and retries events). */
export const SLACK_ACK_TIMEOUT_MS = 3_000;

/** A fresh database on the suite's own server, migrated as main.ts does; released with the server. */
export async function ownDatabase(pg: OwnPostgres, name: string): Promise<TestDatabase> {
  await pg.query(`CREATE DATABASE ${name}`);
  await migrate(pg.url(name));
  return { url: pg.url(name), release: async () => undefined };
}

/** The key test-app.ts derives for a database: in-process and process apps read one another's tokens. */
export function encryptionKeyFor(databaseUrl: string): string {
  return createHash('sha256')
    .update(`pulsedesk-test-key:${databaseUrl}`)
    .digest()
    .toString('base64');
}

/** An app process's environment, as one deployment's replicas all get it. */
export function processEnv(
  databaseUrl: string,
  slack: SlackStandIn,
  teamId: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    DATABASE_URL: databaseUrl,
    DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'pulsedesk-fault-')),
    ENCRYPTION_KEY: encryptionKeyFor(databaseUrl),
    ADMIN_API_TOKEN: TEST_ADMIN_TOKEN,
    SLACK_SIGNING_SECRET: TEST_SIGNING_SECRET,
    SLACK_API_URL: slack.apiUrl,
    SLACK_METHOD_RATES: STAND_IN_METHOD_RATES,
    SLACK_BOT_TOKEN: slack.issueBotToken(teamId),
    LOG_FORMAT: 'json',
    ...extra,
  };
}

export interface SlackDelivery {
  /** HTTP status, or `timeout` (no answer within Slack's 3 s) or `error` (connection refused/reset). */
  status: number | 'timeout' | 'error';
  body: string;
}

/** Whether Slack counts the delivery acknowledged: a 2xx within its wait. */
export const acknowledged = (d: SlackDelivery) =>
  typeof d.status === 'number' && d.status >= 200 && d.status < 300;

/** One signed POST to /slack/events, as Slack delivers it, with extra headers (retries). */
export async function deliverToSlackEndpoint(
  appUrl: string,
  body: string,
  {
    contentType = 'application/x-www-form-urlencoded',
    headers = {},
  }: { contentType?: string; headers?: Record<string, string> } = {},
): Promise<SlackDelivery> {
  try {
    const res = await fetch(`${appUrl}/slack/events`, {
      method: 'POST',
      headers: {
        'Content-Type': contentType,
        ...(signSlackRequest(body, TEST_SIGNING_SECRET) as unknown as Record<string, string>),
        ...headers,
      },
      body,
      signal: AbortSignal.timeout(SLACK_ACK_TIMEOUT_MS),
    });
    return { status: res.status, body: await res.text() };
  } catch (err) {
    const name = (err as Error).name;
    return {
      status: name === 'TimeoutError' || name === 'AbortError' ? 'timeout' : 'error',
      body: '',
    };
  }
}

/** Log lines of an app process that parse as JSON (pino), for assertions on what it said. */
export function jsonLines(output: string): Record<string, unknown>[] {
  return output
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .flatMap((l) => {
      try {
        return [JSON.parse(l) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
}

/** Whether a process still runs (signal 0 reaches it and it is not a zombie). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !/\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}
