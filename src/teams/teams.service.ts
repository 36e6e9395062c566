import { Injectable } from '@nestjs/common';
import type { Principal } from '../auth/principal';
import { notFound } from '../common/errors';
import { TeamEntity } from './team.entity';
import { TeamsRepository } from './teams.repository';

/** How results and summaries name people who are in no team. */
export const NO_TEAM_LABEL = 'No team';
/** How results name a team that answered a round and has since been deleted. */
export const FORMER_TEAM_LABEL = 'Former team';

export interface TeamView {
  team: TeamEntity;
  members: number;
}

@Injectable()
export class TeamsService {
  constructor(private readonly teams: TeamsRepository) {}

  async get(workspaceId: string, id: string): Promise<TeamEntity> {
    const team = await this.teams.findInWorkspace(workspaceId, id);
    if (!team) throw notFound('Team');
    return team;
  }

  create(workspaceId: string, input: { name: string; minOnDuty?: number }): Promise<TeamEntity> {
    return this.teams.create({
      workspaceId,
      name: input.name.trim(),
      minOnDuty: input.minOnDuty ?? 0,
    });
  }

  async update(
    workspaceId: string,
    id: string,
    patch: { name?: string; minOnDuty?: number },
  ): Promise<TeamView> {
    const team = await this.teams.update(await this.get(workspaceId, id), {
      ...patch,
      name: patch.name?.trim(),
    });
    const counts = await this.teams.memberCounts(workspaceId);
    return { team, members: counts.get(team.id) ?? 0 };
  }

  /** Team names by id, without member counts: what results label their groups with. */
  async namesIn(workspaceId: string): Promise<Map<string, string>> {
    const teams = await this.teams.listForWorkspace(workspaceId);
    return new Map(teams.map((t) => [t.id, t.name]));
  }

  /** A lead sees their own team only; HR and admins see every team of the workspace. */
  async listFor(principal: Principal): Promise<TeamView[]> {
    const [teams, counts] = await Promise.all([
      this.teams.listForWorkspace(principal.workspaceId),
      this.teams.memberCounts(principal.workspaceId),
    ]);
    return teams
      .filter((t) => principal.role !== 'lead' || t.id === principal.teamId)
      .map((team) => ({ team, members: counts.get(team.id) ?? 0 }));
  }
}
