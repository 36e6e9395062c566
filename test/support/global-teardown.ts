import type { DatabaseProvider } from './database-provider';

export default async function globalTeardown(): Promise<void> {
  await (globalThis as { __pdProvider?: DatabaseProvider }).__pdProvider?.stop();
}
