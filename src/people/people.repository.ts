import { Injectable } from '@nestjs/common';
import { EntityManager, In, Repository } from 'typeorm';
import { SealedColumn, sealedColumnIn } from '../common/reseal';
import { PersonEntity, Role } from './person.entity';
import { TransactionHost, TransactionalAdapterTypeOrm } from '../database/transactions';

export type PersonFromSlack = Pick<
  PersonEntity,
  'slackUserId' | 'name' | 'realName' | 'email' | 'tz' | 'tzOffset' | 'active'
>;

@Injectable()
export class PeopleRepository {
  constructor(private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>) {}

  private get repo(): Repository<PersonEntity> {
    return this.txHost.tx.getRepository(PersonEntity);
  }

  /** The ambient transaction's manager, or the DataSource's outside one. */
  private get db(): EntityManager {
    return this.txHost.tx;
  }

  /**
   * Stored user tokens, for re-sealing under a new ENCRYPTION_KEY; each replaced only if it did
   * not change meanwhile (a reconnect, another replica).
   */
  readonly userTokens: SealedColumn = sealedColumnIn((sql, params) => this.db.query(sql, params), {
    table: 'people',
    column: 'user_token_enc',
  });

  findBySlackUserId(workspaceId: string, slackUserId: string): Promise<PersonEntity | null> {
    return this.repo.findOneBy({ workspaceId, slackUserId });
  }

  findManyBySlackUserIds(workspaceId: string, slackUserIds: string[]): Promise<PersonEntity[]> {
    return this.db.findBy(PersonEntity, { workspaceId, slackUserId: In(slackUserIds) });
  }

  findById(id: string): Promise<PersonEntity | null> {
    return this.repo.findOneBy({ id });
  }

  /** Active agents and leads, optionally of some teams: who a survey asks. */
  listAudience(workspaceId: string, teamIds: string[] | null): Promise<PersonEntity[]> {
    return this.db.findBy(PersonEntity, {
      workspaceId,
      active: true,
      role: In(['agent', 'lead']),
      ...(teamIds ? { teamId: In(teamIds) } : {}),
    });
  }

  /** The team's active agents and leads, locked until the transaction ends (coverage guard). */
  lockTeamMembers(workspaceId: string, teamId: string): Promise<PersonEntity[]> {
    return this.db.find(PersonEntity, {
      where: { workspaceId, teamId, active: true, role: In(['agent', 'lead']) },
      lock: { mode: 'pessimistic_write' },
    });
  }

  list(workspaceId: string, filter: { teamId?: string } = {}): Promise<PersonEntity[]> {
    return this.repo.find({
      where: { workspaceId, ...(filter.teamId ? { teamId: filter.teamId } : {}) },
      order: { name: 'ASC' },
    });
  }

  async insertMany(
    workspaceId: string,
    people: (PersonFromSlack & { role?: Role })[],
    syncedAt: Date,
  ): Promise<void> {
    if (people.length === 0) return;
    // Two syncs of one workspace can overlap (the import queued at boot and POST
    // /api/people/sync): a person the other one inserted first is left to it, not a 500.
    await this.db
      .createQueryBuilder()
      .insert()
      .into(PersonEntity)
      .values(people.map((p) => ({ ...p, workspaceId, syncedAt })))
      .orIgnore()
      .execute();
  }

  async updateFromSlack(
    id: string,
    fields: Partial<PersonFromSlack & { role: Role }>,
    syncedAt: Date,
  ): Promise<void> {
    await this.db.update(PersonEntity, { id }, { ...fields, syncedAt });
  }

  async assign(
    person: PersonEntity,
    patch: { teamId?: string | null; role?: Role },
  ): Promise<PersonEntity> {
    return this.repo.save(this.repo.merge(person, patch));
  }

  async saveUserToken(
    person: PersonEntity,
    token: { userTokenEnc: string | null; userScopes: string | null; connectedAt: Date | null },
  ): Promise<void> {
    await this.repo.update({ id: person.id }, token);
  }
}
