import express from 'express';
import { createHmac } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { checkSlackSignature, slackSignatureVerifier } from './slack-signature';

const SECRET = 'sign-here';
const NOW = 1_795_660_000;
const body = Buffer.from('payload=%7B%22type%22%3A%22view_submission%22%7D');
const sign = (b: Buffer, ts: number, secret = SECRET) =>
  `v0=${createHmac('sha256', secret).update(`v0:${ts}:${b.toString()}`).digest('hex')}`;

describe('checkSlackSignature (v0)', () => {
  it('accepts Slack’s signature over the exact body and timestamp', () => {
    expect(checkSlackSignature(SECRET, body, sign(body, NOW), String(NOW), NOW)).toBe('ok');
    // Within five minutes either way (clock skew).
    expect(checkSlackSignature(SECRET, body, sign(body, NOW - 299), String(NOW - 299), NOW)).toBe(
      'ok',
    );
    expect(checkSlackSignature(SECRET, body, sign(body, NOW + 299), String(NOW + 299), NOW)).toBe(
      'ok',
    );
  });

  it.each([
    ['no signature', undefined, String(NOW), 'missing'],
    ['no timestamp', sign(body, NOW), undefined, 'missing'],
    ['a timestamp that is not a number', sign(body, NOW), '17956x', 'missing'],
    ['a timestamp over 5 minutes old', sign(body, NOW - 301), String(NOW - 301), 'stale'],
    ['a timestamp over 5 minutes ahead', sign(body, NOW + 301), String(NOW + 301), 'stale'],
    ['another secret', sign(body, NOW, 'other'), String(NOW), 'mismatch'],
    ['another body', sign(Buffer.from('payload=x'), NOW), String(NOW), 'mismatch'],
    ['the signature of another moment', sign(body, NOW - 1), String(NOW), 'mismatch'],
    ['a truncated signature', sign(body, NOW).slice(0, 20), String(NOW), 'mismatch'],
    ['a v1 signature', sign(body, NOW).replace('v0=', 'v1='), String(NOW), 'mismatch'],
  ])('refuses %s', (_name, signature, timestamp, expected) => {
    expect(checkSlackSignature(SECRET, body, signature, timestamp, NOW)).toBe(expected);
  });
});

describe('slackSignatureVerifier', () => {
  const signed = (extra: Record<string, string> = {}) => ({
    'x-slack-signature': 'v0=' + '0'.repeat(64),
    'x-slack-request-timestamp': String(NOW),
    ...extra,
  });
  let server: http.Server;
  let port: number;
  const refusals: string[] = [];
  let arrived = 0;
  /** Resolves once `n` requests have reached the verifier. */
  const arrivals = async (n: number) => {
    while (arrived < n) await new Promise((resolve) => setTimeout(resolve, 5));
  };

  beforeAll(async () => {
    const app = express();
    app.post(
      '/slack/events',
      (_req, _res, next) => {
        arrived += 1;
        next();
      },
      slackSignatureVerifier(
        SECRET,
        (why) => refusals.push(why),
        () => NOW,
        2,
      ),
      (_req, res) => {
        res.status(200).end();
      },
    );
    server = http.createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  /** A request whose body is sent in part and held open; `finish` sends the rest. */
  function slowRequest(headers: Record<string, string>) {
    const req = http.request({
      host: '127.0.0.1',
      port,
      method: 'POST',
      path: '/slack/events',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    });
    const status = new Promise<number>((resolve, reject) => {
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      // The server may answer and close before the client has sent everything.
      req.on('error', (err) => (req.writableEnded ? reject(err) : undefined));
    });
    req.write('payload=');
    return { status, finish: () => req.end('x') };
  }

  it('refuses on headers alone: a Content-Length over Slack’s sizes gets 413 unread', async () => {
    const { status } = slowRequest(signed({ 'content-length': String(2 * 1024 * 1024) }));
    expect(await status).toBe(413);
    expect(refusals).toContain('too_large');
  });

  it('holds at most its cap of unverified bodies; the next gets 503 until one is done', async () => {
    const before = arrived;
    const a = slowRequest(signed());
    const b = slowRequest(signed());
    // Both are being read (held open); a third is refused at once, before its body.
    await arrivals(before + 2);
    const c = slowRequest(signed());
    expect(await c.status).toBe(503);
    expect(refusals).toContain('busy');
    a.finish();
    b.finish();
    // Done and verified (a wrong signature here): the places are free again.
    expect(await a.status).toBe(401);
    expect(await b.status).toBe(401);
    const d = slowRequest(signed());
    d.finish();
    expect(await d.status).toBe(401);
  });
});
