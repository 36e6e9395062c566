import { buildApp } from './app-process';
import { DatabaseProvider, SETTINGS_ENV } from './database-provider';

export default async function globalSetup(): Promise<void> {
  // Once for the whole run, before any file starts the built app as a real process.
  buildApp();
  const provider = await DatabaseProvider.start();
  (globalThis as { __pdProvider?: DatabaseProvider }).__pdProvider = provider;
  process.env[SETTINGS_ENV] = JSON.stringify(provider.settings);
}
