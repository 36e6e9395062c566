/**
 * The ballot box: the round keys, and opening the ballots when a round closes
 * (docs/anonymity.md). At close, in the closing transaction: the round's key is unwrapped, every
 * ballot is opened (one that fails authentication is counted, never read), the responses are
 * shuffled with a cryptographic RNG, unpublishable teams are merged, and the responses are
 * written with fresh random ids; the ballots are deleted and the key is already gone
 * (RoundsRepository.markClosed). If the key cannot be unwrapped, the close stops with a clear
 * error and the transaction leaves the round open, its ballots untouched.
 */
import { randomInt } from 'node:crypto';
import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { AppConfig } from '../config/config';
import { APP_CONFIG } from '../config/config.module';
import { DomainError } from '../common/errors';
import { KeyRing } from '../common/key-ring';
import { resealColumn } from '../common/reseal';
import { effectiveK } from './effective-k';
import { RoundEntity } from './entities/round.entity';
import { ResponsesRepository } from './responses.repository';
import { RoundsRepository } from './rounds.repository';
import { BallotContent, decodeBallot } from './sealing/ballot-codec';
import { newRoundKey, openBallot, rewrapRoundKey, unwrapRoundKey } from './sealing/ballot-seal';
import { MERGED_TEAM_ID, mergedTeams, mergeUnpublishable } from './sealing/publishable-groups';
import { TransactionHost, TransactionalAdapterTypeOrm } from '../database/transactions';

/** Fisher–Yates with a cryptographic RNG: the written order says nothing of the arrival order. */
export function cryptoShuffle<T>(items: T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

@Injectable()
export class BallotBoxService implements OnApplicationBootstrap {
  private readonly logger = new Logger(BallotBoxService.name);

  constructor(
    private readonly ring: KeyRing,
    private readonly roundsRepository: RoundsRepository,
    private readonly responsesRepository: ResponsesRepository,
    private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  private get defaultK(): number {
    return this.config.anonymityThreshold;
  }

  /** A new round's key, stored wrapped in the opening transaction. */
  async keyNewRound(roundId: string): Promise<void> {
    await this.roundsRepository.setBallotKey(roundId, newRoundKey(this.ring, roundId).wrapped);
  }

  /**
   * Opens a closing round's ballots and writes its responses and aggregates, in the closing
   * transaction `m`. `wrappedKey` is the key markClosed took off the round.
   */
  async openAtClose(
    round: RoundEntity,
    wrappedKey: string | null,
    k: number,
  ): Promise<{ responses: number; invalid: number }> {
    const ballots = await this.responsesRepository.ballotsOf(round.id);
    const opened: BallotContent[] = await this.responsesRepository.takeUnsealed(round.id);
    let invalid = 0;
    if (ballots.length > 0) {
      if (!wrappedKey) throw keyUnavailable(round.id, 'it has ballots but no key');
      let key: Buffer;
      try {
        key = unwrapRoundKey(this.ring, round.id, wrappedKey);
      } catch (err) {
        throw keyUnavailable(round.id, (err as Error).message);
      }
      for (const ballot of ballots) {
        try {
          opened.push(
            decodeBallot(round.questions, openBallot(key, round.id, ballot.id, ballot.sealed)),
          );
        } catch {
          // Tampered with, moved from another round or row, or not of this round's layout.
          invalid += 1;
        }
      }
      key.fill(0);
      await this.responsesRepository.deleteBallots(round.id);
    }
    const publishable = mergeUnpublishable(opened, k);
    await this.responsesRepository.writeOpened(
      round.id,
      cryptoShuffle(publishable.responses),
      publishable.merged,
    );
    await this.roundsRepository.markMergedAtRest(round.id);
    if (invalid > 0) {
      await this.roundsRepository.recordInvalidBallots(round.id, invalid);
      // A count only: what an invalid ballot held is never read.
      this.logger.warn({ msg: 'invalid ballots at close', roundId: round.id, invalid });
    }
    return { responses: opened.length, invalid };
  }

  /**
   * After a rotation (ENCRYPTION_KEY new, ENCRYPTION_KEY_PREVIOUS the old one), open rounds'
   * keys are wrapped again under the new key, so the previous key can then be dropped.
   */
  async onApplicationBootstrap(): Promise<void> {
    await this.rewrapKeys();
    await this.mergeEarlierRounds();
  }

  /**
   * Rounds closed before merging at rest kept every team, a one-person team included: merged
   * once, each in its own transaction, with the k in force for it. Replicas booting together
   * may both merge a round: the second finds it marked and does nothing.
   */
  async mergeEarlierRounds(): Promise<void> {
    let merged = 0;
    for (const unmerged of await this.roundsRepository.closedUnmerged(this.defaultK)) {
      const { id } = unmerged;
      const k = effectiveK(unmerged, unmerged);
      await this.txHost.withTransaction(async () => {
        if (!(await this.roundsRepository.lockUnmerged(id))) return;
        const sizes = await this.responsesRepository.groupSizesIn(id);
        const suppressed = mergedTeams(sizes, k);
        if (suppressed.length > 0) {
          await this.responsesRepository.mergeStored(id, suppressed, MERGED_TEAM_ID);
          merged += 1;
        }
        await this.roundsRepository.markMergedAtRest(id);
      });
    }
    if (merged > 0) this.logger.log({ msg: 'earlier closed rounds merged at rest', merged });
  }

  private async rewrapKeys(): Promise<void> {
    const { resealed: rewrapped, unreadable } = await resealColumn(
      this.roundsRepository.ballotKeys,
      (wrapped) => this.ring.isCurrent(wrapped),
      (id, wrapped) => rewrapRoundKey(this.ring, id, wrapped),
    );
    if (rewrapped > 0)
      this.logger.log({ msg: 'round keys wrapped under ENCRYPTION_KEY', rewrapped });
    if (unreadable > 0) {
      this.logger.error({
        msg: 'open rounds whose key neither ENCRYPTION_KEY nor ENCRYPTION_KEY_PREVIOUS unwraps: they cannot close until the key that opened them is set',
        rounds: unreadable,
      });
    }
  }
}

function keyUnavailable(roundId: string, reason: string): DomainError {
  return new DomainError(
    'key_unavailable',
    `Round ${roundId} cannot be closed: its ballots' key cannot be unwrapped (${reason}). ` +
      'It stays open with every ballot kept; start Pulsedesk with the ENCRYPTION_KEY it was opened under (or as ENCRYPTION_KEY_PREVIOUS).',
  );
}
