/**
 * Ballots are sealed with the round's own data key (AES-256-GCM, random nonce). The associated
 * data names the round and the ballot's row id, so a ballot copied to another round or row
 * fails authentication when the round closes and is counted as invalid.
 */
import { randomBytes } from 'node:crypto';
import { gcmOpen, gcmSeal, KeyRing } from '../../common/key-ring';

const ballotContext = (roundId: string, ballotId: string) =>
  Buffer.from(`pulsedesk/ballot/v1/${roundId}/${ballotId}`, 'utf8');

/** What a round key is wrapped for: a wrapped key moved to another round does not open. */
const roundKeyContext = (roundId: string) => `pulsedesk/round-key/v1/${roundId}`;

export function sealBallot(key: Buffer, roundId: string, ballotId: string, plain: Buffer): Buffer {
  return gcmSeal(key, plain, ballotContext(roundId, ballotId));
}

/** Throws SealBrokenError when the ballot was tampered with or does not belong here. */
export function openBallot(key: Buffer, roundId: string, ballotId: string, sealed: Buffer): Buffer {
  return gcmOpen(key, sealed, ballotContext(roundId, ballotId));
}

/** A fresh random 256-bit round key, and the form it is stored in: wrapped by the key ring. */
export function newRoundKey(ring: KeyRing, roundId: string): { key: Buffer; wrapped: string } {
  const key = randomBytes(32);
  return { key, wrapped: ring.seal(key, roundKeyContext(roundId)) };
}

/** KeyUnavailableError when ENCRYPTION_KEY (or the previous key) is not the one that wrapped it. */
export function unwrapRoundKey(ring: KeyRing, roundId: string, wrapped: string): Buffer {
  return ring.open(wrapped, roundKeyContext(roundId));
}

export function rewrapRoundKey(ring: KeyRing, roundId: string, wrapped: string): string {
  return ring.seal(unwrapRoundKey(ring, roundId, wrapped), roundKeyContext(roundId));
}
