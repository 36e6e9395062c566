/**
 * Re-sealing at boot: after ENCRYPTION_KEY changes (the old key given as ENCRYPTION_KEY_PREVIOUS),
 * every stored token not sealed under the current key is sealed again, so the previous key can
 * then be dropped. A row that changed meanwhile is left to whoever changed it; a row no key of
 * the ring opens is counted and reported, never lost.
 */
import type { TokenCipher } from './token-cipher';

export interface SealedStore {
  sealedTokens(): Promise<{ id: string; sealed: string }[]>;
  replaceSealedToken(id: string, from: string, to: string): Promise<void>;
}

export async function resealTokens(
  cipher: TokenCipher,
  store: SealedStore,
): Promise<{ resealed: number; unreadable: number }> {
  let resealed = 0;
  let unreadable = 0;
  for (const { id, sealed } of await store.sealedTokens()) {
    if (cipher.isCurrent(sealed)) continue;
    let plain: string;
    try {
      plain = cipher.decrypt(sealed);
    } catch {
      unreadable += 1;
      continue;
    }
    await store.replaceSealedToken(id, sealed, cipher.encrypt(plain));
    resealed += 1;
  }
  return { resealed, unreadable };
}
