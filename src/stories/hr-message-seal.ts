/**
 * Where a story's HR-channel review message is (channel id and Slack `ts`), sealed by the key
 * ring. A Slack ts is a precise time (for a new story, within seconds of its writing), so the
 * reference is never stored in the clear: a database reader sees a fixed-length ciphertext.
 * The associated data names the story, so a reference copied onto another story's row does not
 * open there (and that story's message is never edited from it).
 */
import { KeyRing } from '../common/key-ring';

/** What the reference is sealed for, and for which story. */
const context = (storyId: string) => `pulsedesk/story-hr-message/v1/${storyId}`;

/**
 * Every reference is padded to this many bytes before sealing (GCM keeps the length), so
 * ciphertexts are all the same length whatever the channel id or ts. Slack channel ids are
 * about 11 characters and a ts is 17: 96 leaves room for both to grow.
 */
export const HR_MESSAGE_PADDED_LENGTH = 96;

export interface HrMessageRef {
  channel: string;
  ts: string;
}

function encode(ref: HrMessageRef): Buffer {
  if (/\s/.test(ref.channel) || /\s/.test(ref.ts))
    throw new Error('an HR message reference has no whitespace');
  const text = Buffer.from(`${ref.channel}\n${ref.ts}`, 'utf8');
  if (text.length > HR_MESSAGE_PADDED_LENGTH)
    throw new Error('an HR message reference is too long to seal');
  const padded = Buffer.alloc(HR_MESSAGE_PADDED_LENGTH, ' ');
  text.copy(padded);
  return padded;
}

function decode(plain: Buffer): HrMessageRef {
  const [channel, ts] = plain.toString('utf8').trimEnd().split('\n');
  if (!channel || !ts) throw new Error('an HR message reference has an unknown format');
  return { channel, ts };
}

export function sealHrMessage(ring: KeyRing, storyId: string, ref: HrMessageRef): string {
  return ring.seal(encode(ref), context(storyId));
}

/** KeyUnavailableError / SealBrokenError (key-ring.ts) when it does not open for this story. */
export function openHrMessage(ring: KeyRing, storyId: string, sealed: string): HrMessageRef {
  return decode(ring.open(sealed, context(storyId)));
}

/** The same reference sealed again under the ring's current key (after a rotation). */
export function resealHrMessage(ring: KeyRing, storyId: string, sealed: string): string {
  return sealHrMessage(ring, storyId, openHrMessage(ring, storyId, sealed));
}
