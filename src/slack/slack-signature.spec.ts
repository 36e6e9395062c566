import { createHmac } from 'node:crypto';
import { checkSlackSignature } from './slack-signature';

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
