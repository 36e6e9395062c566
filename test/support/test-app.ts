/**
 * Starts the real application for an e2e test file: its own database, the local Slack
 * stand-in, real HTTP on 127.0.0.1. The app is built by the same createApp() as production.
 */
import type { NestExpressApplication } from '@nestjs/platform-express';
import { createHash, randomBytes } from 'node:crypto';
import * as os from 'node:os';
import type { Server } from 'node:http';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import { createApp } from '../../src/app.factory';
import { Clock } from '../../src/common/clock';
import { PACED_METHODS } from '../../src/slack/slack-tiers';
import { createLogger } from '../../src/common/logging';
import { loadConfig, type AppConfig } from '../../src/config/config';
import { SlackStandIn } from './slack-stand-in';
import { captureLog, recordSecret } from './log-capture';
import { acquireTestDatabase, TestDatabase } from './test-database';

export const TEST_SIGNING_SECRET = 'test-signing-secret-0123456789abcdef';
export const TEST_ADMIN_TOKEN = 'test-admin-token-0123456789';
export const TEST_OAUTH = {
  clientId: '1111.2222',
  clientSecret: 'test-client-secret',
  stateSecret: 'test-state-secret-0123456789',
};

recordSecret(
  TEST_SIGNING_SECRET,
  TEST_ADMIN_TOKEN,
  TEST_OAUTH.clientSecret,
  TEST_OAUTH.stateSecret,
);

export interface TestApp {
  app: NestExpressApplication;
  url: string;
  config: AppConfig;
  db: TestDatabase;
  /** Every log line the app wrote, as parsed JSON (for redaction tests). */
  logs: Record<string, unknown>[];
  rawLogs: string[];
  close(): Promise<void>;
}

/** What the app is told the stand-in allows, per paced method and minute. */
export const STAND_IN_METHOD_RATES = PACED_METHODS.map((m) => `${m}=6000`).join(',');

export interface TestAppOptions {
  /** Extra environment, e.g. SLACK_BOT_TOKEN; SLACK_API_URL points at `slack` when given. */
  env?: Record<string, string | undefined>;
  slack?: SlackStandIn;
  clock?: Clock;
  /** Reuse a database (e.g. a second replica); otherwise the file gets a fresh one. */
  db?: TestDatabase;
  /** Slack on (signing secret, OAuth); default true when `slack` is given. */
  slackEnabled?: boolean;
}

/** How a key could appear in a log line. */
function keyForms(key: Buffer | undefined): string[] {
  return key ? [key.toString('base64'), key.toString('base64url'), key.toString('hex')] : [];
}

/**
 * The apps this test file has started and not closed, by URL, with a way to close each;
 * test-environment.ts closes what is left when the file ends, and fails a file that left any.
 */
function openApps(): Map<string, () => Promise<void>> {
  const g = globalThis as { __pulsedeskOpenApps?: Map<string, () => Promise<void>> };
  return (g.__pulsedeskOpenApps ??= new Map());
}

export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const db = options.db ?? (await acquireTestDatabase());
  const slackEnabled = options.slackEnabled ?? options.slack !== undefined;
  const env: Record<string, string | undefined> = {
    DATABASE_URL: db.url,
    DATA_DIR: path.join(os.tmpdir(), `pulsedesk-test-${randomBytes(4).toString('hex')}`),
    ADMIN_API_TOKEN: TEST_ADMIN_TOKEN,
    LOG_LEVEL: 'info',
    ...(slackEnabled
      ? {
          SLACK_SIGNING_SECRET: TEST_SIGNING_SECRET,
          SLACK_CLIENT_ID: TEST_OAUTH.clientId,
          SLACK_CLIENT_SECRET: TEST_OAUTH.clientSecret,
          SLACK_STATE_SECRET: TEST_OAUTH.stateSecret,
        }
      : {}),
    ...(options.slack
      ? {
          SLACK_API_URL: options.slack.apiUrl,
          SLACK_OAUTH_AUTHORIZE_URL: options.slack.authorizeUrl,
          // The stand-in limits a method only when a test says so (setRateLimit); pacing the
          // app to Slack's real tiers (20 dnd.setSnooze a minute) would only slow the suite.
          // Tests of pacing set their own rates.
          SLACK_METHOD_RATES: STAND_IN_METHOD_RATES,
        }
      : {}),
    ...options.env,
  };
  const config = loadConfig(env);
  const rawLogs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      const text = chunk.toString('utf8');
      captureLog(text);
      rawLogs.push(...text.split('\n').filter(Boolean));
      done();
    },
  });
  const encryptionKey =
    config.encryptionKey ?? createHash('sha256').update(`pulsedesk-test-key:${db.url}`).digest();
  recordSecret(...keyForms(encryptionKey), ...keyForms(config.previousEncryptionKey));
  const app = await createApp({
    config,
    databaseUrl: db.url,
    // One key per database, as replicas of one deployment share ENCRYPTION_KEY: a second app
    // on the same database (a replica, a restart) reads the tokens the first one stored.
    // A test of key rotation sets ENCRYPTION_KEY (and ENCRYPTION_KEY_PREVIOUS) itself.
    encryptionKey,
    previousEncryptionKey: config.previousEncryptionKey,
    clock: options.clock,
    logger: createLogger(config.logLevel, sink),
  });
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  const open = openApps();
  open.set(url, () => app.close());
  // Closed by close() below, or by app.close() in a test that keeps the database (a restart).
  (app.getHttpServer() as Server).once('close', () => open.delete(url));
  // PUBLIC_URL is only known once listening; tests that need it read `url`.
  return {
    app,
    url,
    config,
    db,
    get logs() {
      return rawLogs.map((l) => JSON.parse(l) as Record<string, unknown>);
    },
    rawLogs,
    close: async () => {
      await app.close();
      // pg-boss's stop() leaves one clean-up loop per queue that checks its workers every
      // second (`await delay(1000)`, a lazy require) and can outlive stop(); if the test file
      // ends first, Jest tears the module system down under it and marks the whole file failed
      // ("Cannot destructure property 'setTimeout'"). One period lets every loop see its
      // stopped workers and end. Not a wait for the app's behaviour: teardown only.
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      if (!options.db) await db.release();
    },
  };
}
