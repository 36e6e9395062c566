import { Injectable } from '@nestjs/common';
import { EntityManager, QueryFailedError, Repository } from 'typeorm';
import { DomainError } from '../common/errors';
import { sqlState } from '../database/sql-state';
import { TeamEntity } from './team.entity';
import { TransactionHost, TransactionalAdapterTypeOrm } from '../database/transactions';

const UNIQUE_VIOLATION = '23505';

function isUniqueViolation(err: unknown): boolean {
  return err instanceof QueryFailedError && sqlState(err) === UNIQUE_VIOLATION;
}

@Injectable()
export class TeamsRepository {
  constructor(private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>) {}

  private get repo(): Repository<TeamEntity> {
    return this.txHost.tx.getRepository(TeamEntity);
  }

  /** The ambient transaction's manager, or the DataSource's outside one. */
  private get db(): EntityManager {
    return this.txHost.tx;
  }

  findInWorkspace(workspaceId: string, id: string): Promise<TeamEntity | null> {
    return this.repo.findOneBy({ workspaceId, id });
  }

  listForWorkspace(workspaceId: string): Promise<TeamEntity[]> {
    return this.repo.find({ where: { workspaceId }, order: { name: 'ASC' } });
  }

  async create(values: {
    workspaceId: string;
    name: string;
    minOnDuty: number;
  }): Promise<TeamEntity> {
    try {
      return await this.repo.save(this.repo.create(values));
    } catch (err) {
      if (isUniqueViolation(err)) {
        throw new DomainError('conflict', `A team named "${values.name}" already exists`);
      }
      throw err;
    }
  }

  async update(
    team: TeamEntity,
    patch: { name?: string; minOnDuty?: number },
  ): Promise<TeamEntity> {
    try {
      return await this.repo.save(this.repo.merge(team, patch));
    } catch (err) {
      if (isUniqueViolation(err)) {
        throw new DomainError('conflict', `A team named "${patch.name}" already exists`);
      }
      throw err;
    }
  }

  /** Member counts per team, for listings. */
  async memberCounts(workspaceId: string): Promise<Map<string, number>> {
    const rows: { team_id: string; n: string }[] = await this.repo.query(
      `SELECT team_id, count(*) AS n FROM people
        WHERE workspace_id = $1 AND team_id IS NOT NULL AND active GROUP BY team_id`,
      [workspaceId],
    );
    return new Map(rows.map((r) => [r.team_id, Number(r.n)]));
  }
}
