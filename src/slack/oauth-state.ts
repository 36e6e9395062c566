/**
 * OAuth `state`: an HMAC-signed, expiring value (SLACK_STATE_SECRET) that also carries a nonce
 * bound to a cookie in the browser that started the flow, so a callback cannot be replayed
 * from another browser (CSRF on the redirect).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export type OAuthFlow = 'install' | 'connect';

export interface OAuthState {
  flow: OAuthFlow;
  nonce: string;
  expiresAt: number;
}

export const STATE_TTL_MS = 10 * 60 * 1000;

export function createState(
  secret: string,
  flow: OAuthFlow,
  now: Date,
): { state: string; nonce: string } {
  const nonce = randomBytes(16).toString('base64url');
  const body = Buffer.from(
    JSON.stringify({ flow, nonce, expiresAt: now.getTime() + STATE_TTL_MS } satisfies OAuthState),
  ).toString('base64url');
  return { state: `${body}.${sign(secret, body)}`, nonce };
}

/** Returns the state when the signature holds and it has not expired; otherwise a reason. */
export function verifyState(secret: string, state: string, now: Date): OAuthState | string {
  const parts = state.split('.');
  const [body, signature] = parts;
  if (parts.length !== 2 || !body || !signature) return 'malformed state';
  const expected = Buffer.from(sign(secret, body));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given))
    return 'state signature mismatch';
  let parsed: OAuthState | null;
  try {
    parsed = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as OAuthState | null;
  } catch {
    return 'malformed state';
  }
  if (typeof parsed?.expiresAt !== 'number' || typeof parsed.nonce !== 'string')
    return 'malformed state';
  if (parsed.expiresAt < now.getTime()) return 'state expired';
  return parsed;
}

function sign(secret: string, body: string): string {
  return createHmac('sha256', secret).update(body).digest('base64url');
}
