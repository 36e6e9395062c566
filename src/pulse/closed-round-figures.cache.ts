/**
 * What the published results of a closed round are built from — its tallies and group sizes,
 * its comments, its participation — read once per process and kept in memory. All of it is
 * written by the closing transaction and never changes afterwards, so an entry cannot go stale;
 * what can change after close (the workspace's k, team names) is applied per request by
 * ResultsService, and the anonymity rules still run on every request (buildRoundResults).
 * Nothing here identifies a person: these are the same aggregates the database holds.
 */
import { Injectable } from '@nestjs/common';
import { RoundEntity } from './entities/round.entity';
import type { Counts } from './result-building/pulse-statistics';
import type { Comment } from './result-building/round-results';
import { ResponsesRepository, TallyRow } from './responses.repository';
import { RoundsRepository } from './rounds.repository';
import { Participation, participationOf } from './rounds.service';

export interface ClosedRoundGroup {
  teamId: string | null;
  respondents: number;
  /** questionId → counts, as buildRoundResults takes them. */
  counts: Record<string, Counts>;
  comments: Comment[];
}

export interface ClosedRoundFigures {
  respondents: number;
  counts: Record<string, Counts>;
  comments: Comment[];
  /** One per team snapshot that answered (round_group_sizes), "no team" included. */
  groups: ClosedRoundGroup[];
  /** Teams stored merged at close (in the group MERGED_TEAM_ID); null is "no team". */
  mergedTeams: (string | null)[];
  participation: Participation;
}

/** Rows (tallies + comments + groups) held at most; least recently used rounds go first. */
export const CLOSED_ROUND_CACHE_ROWS = 400_000;

@Injectable()
export class ClosedRoundFiguresCache {
  protected readonly maxRows: number = CLOSED_ROUND_CACHE_ROWS;
  private readonly entries = new Map<string, { figures: ClosedRoundFigures; rows: number }>();
  private rows = 0;

  constructor(
    private readonly responsesRepository: ResponsesRepository,
    private readonly roundsRepository: RoundsRepository,
  ) {}

  /** The figures of closed rounds by round id; rounds not in memory are read in one batch. */
  async of(rounds: RoundEntity[]): Promise<Map<string, ClosedRoundFigures>> {
    const out = new Map<string, ClosedRoundFigures>();
    const missing: string[] = [];
    for (const round of rounds) {
      if (round.status !== 'closed') throw new Error(`round ${round.id} is not closed`);
      const hit = this.entries.get(round.id);
      if (!hit) {
        missing.push(round.id);
        continue;
      }
      // Most recently used last: Map keeps insertion order.
      this.entries.delete(round.id);
      this.entries.set(round.id, hit);
      out.set(round.id, hit.figures);
    }
    if (missing.length > 0) {
      for (const [id, loaded] of await this.load(missing)) {
        out.set(id, loaded.figures);
        this.remember(id, loaded);
      }
    }
    return out;
  }

  private remember(id: string, entry: { figures: ClosedRoundFigures; rows: number }): void {
    const previous = this.entries.get(id);
    if (previous) {
      this.entries.delete(id);
      this.rows -= previous.rows;
    }
    this.entries.set(id, entry);
    this.rows += entry.rows;
    for (const [oldest, { rows }] of this.entries) {
      if (this.rows <= this.maxRows || oldest === id) break;
      this.entries.delete(oldest);
      this.rows -= rows;
    }
  }

  private async load(
    roundIds: string[],
  ): Promise<Map<string, { figures: ClosedRoundFigures; rows: number }>> {
    const [tallies, sizes, comments, participation, merged] = await Promise.all([
      this.responsesRepository.tallies(roundIds),
      this.responsesRepository.groupSizes(roundIds),
      this.responsesRepository.comments(roundIds),
      this.roundsRepository.participation(roundIds),
      this.responsesRepository.mergedTeams(roundIds),
    ]);
    const out = new Map<string, { figures: ClosedRoundFigures; rows: number }>();
    for (const id of roundIds) {
      out.set(id, {
        rows: 0,
        figures: {
          respondents: 0,
          counts: {},
          comments: [],
          groups: [],
          mergedTeams: [],
          participation: participationOf(participation.get(id)),
        },
      });
    }
    for (const m of merged) out.get(m.roundId)!.figures.mergedTeams.push(m.teamId);
    const groupOf = new Map<string, ClosedRoundGroup>();
    const groupKey = (roundId: string, teamId: string | null) => `${roundId}/${teamId ?? ''}`;
    for (const size of sizes) {
      const entry = out.get(size.roundId)!;
      const group: ClosedRoundGroup = {
        teamId: size.teamId,
        respondents: size.respondents,
        counts: {},
        comments: [],
      };
      entry.figures.respondents += size.respondents;
      entry.figures.groups.push(group);
      entry.rows++;
      groupOf.set(groupKey(size.roundId, size.teamId), group);
    }
    // Own properties only: a question id or choice such as "constructor" must not reach Object.prototype.
    const add = (counts: Record<string, Counts>, t: TallyRow) => {
      const forQuestion = Object.hasOwn(counts, t.questionId)
        ? counts[t.questionId]
        : (counts[t.questionId] = {});
      forQuestion[t.value] = (Object.hasOwn(forQuestion, t.value) ? forQuestion[t.value] : 0) + t.n;
    };
    for (const t of tallies) {
      const entry = out.get(t.roundId)!;
      add(entry.figures.counts, t);
      const group = groupOf.get(groupKey(t.roundId, t.teamId));
      if (group) add(group.counts, t);
      entry.rows++;
    }
    for (const c of comments) {
      const entry = out.get(c.roundId)!;
      const comment = { questionId: c.questionId, text: c.text };
      entry.figures.comments.push(comment);
      groupOf.get(groupKey(c.roundId, c.teamId))?.comments.push(comment);
      entry.rows++;
    }
    return out;
  }
}
