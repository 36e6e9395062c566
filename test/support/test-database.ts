/** A database of the test file's own, cloned from the migrated template (see database-provider). */
import { randomBytes } from 'node:crypto';
import { adminQuery, SETTINGS_ENV, TestDbSettings, withDatabase } from './database-provider';

export interface TestDatabase {
  url: string;
  release(): Promise<void>;
}

function settings(): TestDbSettings {
  const raw = process.env[SETTINGS_ENV];
  if (!raw)
    throw new Error(
      `${SETTINGS_ENV} is unset: run tests through jest (global-setup prepares databases)`,
    );
  return JSON.parse(raw) as TestDbSettings;
}

/** `empty`: a database without our schema, to test migrating from nothing. */
export async function acquireTestDatabase(
  options: { empty?: boolean } = {},
): Promise<TestDatabase> {
  const s = settings();
  if (s.mode === 'server') {
    const name = `pd_t_${s.runId}_${randomBytes(4).toString('hex')}`;
    for (let attempt = 0; ; attempt++) {
      try {
        await adminQuery(
          s.adminUrl,
          options.empty
            ? `CREATE DATABASE ${name}`
            : `CREATE DATABASE ${name} TEMPLATE ${s.template}`,
        );
        break;
      } catch (err) {
        // 55006: the template is briefly in use by a concurrent CREATE DATABASE.
        if ((err as { code?: string }).code !== '55006' || attempt >= 20) throw err;
        await new Promise((r) => setTimeout(r, 25 * (attempt + 1)));
      }
    }
    // Commits here do not wait for the server's WAL flush. The server is shared and its disk
    // is not ours: a CI run once saw a pulse answer (two commits) pass Slack's 3-second ack
    // while other files' CREATE DATABASE wrote their templates through the WAL. What a test
    // asserts is behaviour, never fsync latency; durability across a crash is the fault
    // suite's, on a Postgres of its own with the defaults (test/support/own-postgres.ts).
    await adminQuery(s.adminUrl, `ALTER DATABASE ${name} SET synchronous_commit = off`);
    return {
      url: withDatabase(s.adminUrl, name),
      release: async () => {
        await adminQuery(s.adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      },
    };
  }
  const res = await controlRequest(
    `${s.controlUrl}/databases${options.empty ? '?empty=1' : ''}`,
    'POST',
  );
  if (!res.ok) throw new Error(`test database provider: ${res.status} ${await res.text()}`);
  const { id, url } = (await res.json()) as { id: string; url: string };
  return {
    url,
    release: async () => {
      await controlRequest(`${s.controlUrl}/databases/${id}`, 'DELETE');
    },
  };
}

/**
 * A request to the control server, once more if the connection was reset before an answer:
 * a kept-alive socket the server had just closed carried no request it could have acted on.
 */
async function controlRequest(url: string, method: 'POST' | 'DELETE'): Promise<Response> {
  try {
    return await fetch(url, { method });
  } catch (err) {
    const code = (err as { cause?: { code?: string } }).cause?.code;
    if (code !== 'ECONNRESET' && code !== 'UND_ERR_SOCKET') throw err;
    return fetch(url, { method });
  }
}
