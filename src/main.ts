/**
 * Entry point: validate the environment, open the database (embedded unless DATABASE_URL is
 * set), migrate under the advisory lock, then serve the API, the dashboard and /slack/events.
 */
import 'reflect-metadata';
import { createApp } from './app.factory';
import { ConfigError, loadConfig } from './config/config';
import { resolveEncryptionKey } from './common/token-cipher';
import { consoleDestination, createLogger } from './common/logging';
import { SessionsService } from './auth/sessions/sessions.service';
import { migrate, openDatabase } from './database/database';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
  const logger = createLogger(config.logLevel, consoleDestination(config.logFormat));
  const database = await openDatabase(config);
  logger.info(
    { embedded: database.embedded, dataDir: database.embedded ? config.dataDir : undefined },
    'database ready',
  );
  const applied = await migrate(database.url);
  if (applied.length > 0) logger.info({ applied }, 'migrations applied');
  const key = resolveEncryptionKey(config.encryptionKey, config.dataDir);
  if (key.source === 'generated') {
    logger.warn(
      { file: key.file },
      'ENCRYPTION_KEY is unset: generated a key into DATA_DIR; keep it, or set ENCRYPTION_KEY',
    );
  }
  if (!config.encryptionKey && !database.embedded) {
    logger.warn(
      'ENCRYPTION_KEY is unset while sharing a Postgres server: every replica must use the same key',
    );
  }
  const app = await createApp({
    config,
    databaseUrl: database.url,
    encryptionKey: key.key,
    previousEncryptionKey: config.previousEncryptionKey,
    logger,
  });
  let closing = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'shutting down');
    await app.close();
    await database.stop();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  await app.listen(config.port);
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  // First run (as Jupyter prints its token): with no Slack and no ADMIN_API_TOKEN nobody could
  // reach the dashboard, so the operator gets a one-time sign-in link on the console.
  if (!config.slack.enabled && !config.adminApiToken) {
    // PUBLIC_URL left at its default names the port asked for (0 means any): use the real one.
    const base =
      config.publicUrl === `http://localhost:${config.port}`
        ? `http://localhost:${port}`
        : undefined;
    const { url } = await app.get(SessionsService).operatorLink(base);
    logger.info(
      { signInUrl: url },
      `Sign in to the dashboard as operator (one-time link, 15 minutes; restart for another): ${url}`,
    );
  }
  // Last, after the sign-in line: whoever waits for this line has seen everything before it.
  logger.info({ url: config.publicUrl, port }, 'Pulsedesk is listening');
}

main().catch((err: Error) => {
  process.stderr.write(`Pulsedesk failed to start: ${err.stack ?? err.message}\n`);
  process.exit(1);
});
