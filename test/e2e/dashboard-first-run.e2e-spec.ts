/**
 * First run in a real process (`node dist/src/main.js`, what `npm start` runs): with no Slack
 * and no ADMIN_API_TOKEN the console carries one line with a one-time operator sign-in link,
 * and that link signs in; with an ADMIN_API_TOKEN there is none. Logs are JSON off a terminal.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import request from 'supertest';
import { assertBuilt, startAppProcess } from '../support/app-process';
import { eventually } from '../support/eventually';

jest.setTimeout(120_000);

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'pulsedesk-first-run-'));
}

describe('first run', () => {
  beforeAll(() => assertBuilt());

  it('prints one operator sign-in link that signs in once', async () => {
    const app = await startAppProcess({ DATA_DIR: tempDir() });
    try {
      const line = await eventually(
        () =>
          app
            .output()
            .split('\n')
            .find((l) => l.includes('signInUrl')),
        { what: 'the sign-in line' },
      );
      const lines = app.output().split('\n').filter(Boolean);
      // Not a terminal: every line is JSON.
      for (const l of lines) expect(() => JSON.parse(l)).not.toThrow();
      expect(lines.filter((l) => l.includes('/auth/link/'))).toHaveLength(1);
      const { signInUrl } = JSON.parse(line) as { signInUrl: string };
      const url = new URL(signInUrl);
      expect(`${url.protocol}//${url.host}`).toBe(app.url.replace('127.0.0.1', 'localhost'));
      const token = url.pathname.split('/').pop()!;
      const signedIn = await request(app.url).post('/auth/link').type('form').send({ token });
      expect(signedIn.status).toBe(303);
      const cookie = String(signedIn.headers['set-cookie']).split(';')[0];
      // No workspace yet: the operator is signed in and told what to do next.
      const home = await request(app.url).get('/').set('Cookie', cookie);
      expect(home.status).toBe(409);
      expect(home.text).toContain('No workspace yet');
      const again = await request(app.url).post('/auth/link').type('form').send({ token });
      expect(again.status).toBe(401);
    } finally {
      await app.stop();
    }
  });

  it('prints no link when ADMIN_API_TOKEN gives the operator a way in', async () => {
    const app = await startAppProcess({
      DATA_DIR: tempDir(),
      ADMIN_API_TOKEN: 'first-run-admin-token-0123456789',
    });
    try {
      await request(app.url).get('/health').expect(200);
      expect(app.output()).not.toContain('/auth/link/');
    } finally {
      await app.stop();
    }
  });
});
