import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildApp } from './app-process';
import { DatabaseProvider, SETTINGS_ENV } from './database-provider';
import { LOG_CAPTURE_ENV } from './log-capture';

export default async function globalSetup(): Promise<void> {
  // Once for the whole run, before any file starts the built app as a real process.
  buildApp();
  const provider = await DatabaseProvider.start();
  (globalThis as { __pdProvider?: DatabaseProvider }).__pdProvider = provider;
  process.env[SETTINGS_ENV] = JSON.stringify(provider.settings);
  // Every worker appends what its apps logged here; globalTeardown scans it (log-capture.ts).
  process.env[LOG_CAPTURE_ENV] = fs.mkdtempSync(path.join(os.tmpdir(), 'pulsedesk-logs-'));
}
