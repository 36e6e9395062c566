import request from 'supertest';
import { startTestApp, TestApp } from '../support/test-app';

describe('GET /health when the database goes away', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });

  afterAll(async () => {
    // The database is already gone; closing the app must still finish.
    await t?.app.close().catch(() => undefined);
  });

  it('answers 503 with db "down"', async () => {
    await request(t.url).get('/health').expect(200);
    await t.db.release();
    const res = await request(t.url).get('/health').expect(503);
    expect(res.body).toEqual({ status: 'error', db: 'down' });
  });
});
