import { createHmac } from 'node:crypto';
import { createState, STATE_TTL_MS, verifyState } from './oauth-state';

const SECRET = 'state-secret-0123456789';
const NOW = new Date('2026-11-25T09:00:00Z');
const later = (ms: number): Date => new Date(NOW.getTime() + ms);

/** A state for an arbitrary body, signed the way the module signs. */
function signed(body: string, secret = SECRET): string {
  return `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`;
}

/** Replaces the first character of s with a different one from the base64url alphabet. */
function changeFirstChar(s: string): string {
  return (s[0] === 'A' ? 'B' : 'A') + s.slice(1);
}

describe('OAuth state', () => {
  it.each(['install', 'connect'] as const)('round-trips the %s flow with its nonce', (flow) => {
    const { state, nonce } = createState(SECRET, flow, NOW);
    expect(verifyState(SECRET, state, later(1000))).toEqual({
      flow,
      nonce,
      expiresAt: NOW.getTime() + STATE_TTL_MS,
    });
  });

  it('uses a fresh random nonce each time', () => {
    const a = createState(SECRET, 'install', NOW);
    const b = createState(SECRET, 'install', NOW);
    expect(a.nonce).not.toBe(b.nonce);
    expect(a.state).not.toBe(b.state);
    expect(Buffer.from(a.nonce, 'base64url')).toHaveLength(16);
  });

  it('expires ten minutes after it was created', () => {
    expect(STATE_TTL_MS).toBe(10 * 60 * 1000);
    const { state } = createState(SECRET, 'connect', NOW);
    expect(verifyState(SECRET, state, later(STATE_TTL_MS))).toMatchObject({ flow: 'connect' });
    expect(verifyState(SECRET, state, later(STATE_TTL_MS + 1))).toBe('state expired');
    expect(verifyState(SECRET, state, later(24 * 60 * 60 * 1000))).toBe('state expired');
  });

  it('refuses a tampered body', () => {
    const { state } = createState(SECRET, 'connect', NOW);
    const [body, signature] = state.split('.');
    expect(verifyState(SECRET, `${changeFirstChar(body)}.${signature}`, NOW)).toBe(
      'state signature mismatch',
    );
  });

  it('refuses a body rewritten to another flow under the old signature', () => {
    const { state } = createState(SECRET, 'connect', NOW);
    const [body, signature] = state.split('.');
    const decoded = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    const forged = Buffer.from(JSON.stringify({ ...decoded, flow: 'install' })).toString(
      'base64url',
    );
    expect(verifyState(SECRET, `${forged}.${signature}`, NOW)).toBe('state signature mismatch');
  });

  it('refuses a tampered or truncated signature', () => {
    const { state } = createState(SECRET, 'install', NOW);
    const [body, signature] = state.split('.');
    expect(verifyState(SECRET, `${body}.${changeFirstChar(signature)}`, NOW)).toBe(
      'state signature mismatch',
    );
    expect(verifyState(SECRET, `${body}.${signature.slice(0, -1)}`, NOW)).toBe(
      'state signature mismatch',
    );
  });

  it('refuses a state signed with another secret', () => {
    const { state } = createState('another-secret-0123456789', 'install', NOW);
    expect(verifyState(SECRET, state, NOW)).toBe('state signature mismatch');
  });

  it.each([
    ['it is empty', ''],
    ['it has no dot', 'abcdef'],
    ['it has no body', '.c2lnbmF0dXJl'],
    ['it has no signature', 'Ym9keQ.'],
  ])('calls the state malformed when %s', (_label, state) => {
    expect(verifyState(SECRET, state, NOW)).toBe('malformed state');
  });

  it('calls a state with a third part malformed', () => {
    const { state } = createState(SECRET, 'install', NOW);
    expect(verifyState(SECRET, `${state}.extra`, NOW)).toBe('malformed state');
  });

  it('calls a correctly signed JSON body that is not a state malformed', () => {
    for (const json of ['null', '{}', '{"expiresAt":"soon","nonce":"n"}']) {
      expect(verifyState(SECRET, signed(Buffer.from(json).toString('base64url')), NOW)).toBe(
        'malformed state',
      );
    }
  });

  it('calls a correctly signed body that is not JSON malformed', () => {
    const body = Buffer.from('not json').toString('base64url');
    expect(verifyState(SECRET, signed(body), NOW)).toBe('malformed state');
  });
});
