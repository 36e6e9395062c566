/**
 * Reading rounds: one round in a workspace, the rounds of surveys or of a person, participation
 * and the k in force. What happens to a round is decided elsewhere, one service per stage:
 * RoundOpeningService (by hand) and RoundSchedulerService (on schedule) open it,
 * RoundDeliveryService DMs the invitations, RoundRemindersService sends the one reminder, and
 * RoundClosingService closes it.
 */
import { Injectable } from '@nestjs/common';
import { notFound } from '../common/errors';
import { WorkspacesService } from '../workspaces/workspaces.service';
import { effectiveK } from './effective-k';
import { RoundEntity } from './entities/round.entity';
import { RoundsRepository } from './rounds.repository';

export interface Participation {
  invited: number;
  responded: number;
  /** responded / invited, 0..1 with 3 decimals; 0 when nobody was invited. */
  rate: number;
}

export function participationOf(
  counts: { invited: number; responded: number } | undefined,
): Participation {
  const invited = counts?.invited ?? 0;
  const responded = counts?.responded ?? 0;
  return {
    invited,
    responded,
    rate: invited ? Math.round((responded / invited) * 1000) / 1000 : 0,
  };
}

@Injectable()
export class RoundsService {
  constructor(
    private readonly roundsRepository: RoundsRepository,
    private readonly workspacesService: WorkspacesService,
  ) {}

  async get(workspaceId: string, roundId: string): Promise<RoundEntity> {
    const round = await this.roundsRepository.findInWorkspace(workspaceId, roundId);
    if (!round) throw notFound('Round');
    return round;
  }

  /** A round asked for through the API (scoped to `workspaceId`) or by a job (`null`: any). */
  async getScoped(workspaceId: string | null, roundId: string): Promise<RoundEntity> {
    if (workspaceId) return this.get(workspaceId, roundId);
    const round = await this.roundsRepository.findById(roundId);
    if (!round) throw notFound('Round');
    return round;
  }

  listOpenFor(personId: string): Promise<RoundEntity[]> {
    return this.roundsRepository.listOpenFor(personId);
  }

  latestClosedFor(personId: string): Promise<RoundEntity | null> {
    return this.roundsRepository.latestClosedFor(personId);
  }

  findById(roundId: string): Promise<RoundEntity | null> {
    return this.roundsRepository.findById(roundId);
  }

  async participation(roundIds: string[]): Promise<Map<string, Participation>> {
    const counts = await this.roundsRepository.participation(roundIds);
    return new Map(roundIds.map((id) => [id, participationOf(counts.get(id))]));
  }

  /** Participation of one team (its members now), live: what a team lead may see. */
  async teamParticipation(
    roundIds: string[],
    teamId: string | null,
  ): Promise<Map<string, Participation>> {
    const counts = teamId
      ? await this.roundsRepository.teamParticipation(roundIds, teamId)
      : new Map<string, { invited: number; responded: number }>();
    return new Map(roundIds.map((id) => [id, participationOf(counts.get(id))]));
  }

  listForSurveys(surveyIds: string[]): Promise<RoundEntity[]> {
    return this.roundsRepository.listForSurveys(surveyIds);
  }

  /** The anonymity threshold in force for a round (effectiveK), with the workspace's settings now. */
  async effectiveK(round: RoundEntity): Promise<number> {
    return effectiveK(round, await this.workspacesService.getSettings(round.workspaceId));
  }
}
