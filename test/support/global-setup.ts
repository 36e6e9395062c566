import { DatabaseProvider, SETTINGS_ENV } from './database-provider';

export default async function globalSetup(): Promise<void> {
  const provider = await DatabaseProvider.start();
  (globalThis as { __pdProvider?: DatabaseProvider }).__pdProvider = provider;
  process.env[SETTINGS_ENV] = JSON.stringify(provider.settings);
}
