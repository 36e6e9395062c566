/**
 * A world whose app is restarted on the same database with other encryption keys: a rotation,
 * a key lost, what boot re-seals. The world's helpers post to `w.t`, so it is pointed at the
 * running app after each restart.
 */
import { PulseWorld } from './pulse-world';
import { startTestApp, TestApp, TestAppOptions } from './test-app';

/** A 32-byte key as ENCRYPTION_KEY takes it. */
export const keyEnv = (key: Buffer): string => key.toString('base64');

export interface RestartableApp {
  /** The app running now. */
  readonly app: TestApp;
  /** Stops the running app and starts another on the same database with these keys. */
  restart(keys: { current: Buffer; previous?: Buffer }): Promise<TestApp>;
  /** Stops the running app and the stand-in, and releases the database. */
  close(): Promise<void>;
}

export function restartable(
  w: PulseWorld,
  options: Pick<TestAppOptions, 'clock'> = {},
): RestartableApp {
  // The world's first app owns the database; the apps after it only use it.
  const first = w.t;
  let running = first;
  return {
    get app() {
      return running;
    },
    async restart(keys) {
      if (running === first) await first.app.close();
      else await running.close();
      running = await startTestApp({
        slack: w.slack,
        db: first.db,
        clock: options.clock,
        env: {
          SLACK_BOT_TOKEN: w.slack.issueBotToken(w.teamId),
          ENCRYPTION_KEY: keyEnv(keys.current),
          ENCRYPTION_KEY_PREVIOUS: keys.previous ? keyEnv(keys.previous) : undefined,
        },
      });
      (w as { t: TestApp }).t = running;
      return running;
    },
    async close() {
      if (running === first) return w.close();
      await running.close();
      await w.slack.stop();
      await first.db.release();
    },
  };
}
