import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, In, Repository } from 'typeorm';
import { PersonEntity, Role } from './person.entity';

export type PersonFromSlack = Pick<
  PersonEntity,
  'slackUserId' | 'name' | 'realName' | 'email' | 'tz' | 'tzOffset' | 'active'
>;

@Injectable()
export class PeopleRepository {
  constructor(@InjectRepository(PersonEntity) private readonly repo: Repository<PersonEntity>) {}

  /** Stored user tokens (for re-sealing under a new ENCRYPTION_KEY). */
  async sealedValues(): Promise<{ id: string; sealed: string }[]> {
    return this.repo.query(
      `SELECT id, user_token_enc AS sealed FROM people WHERE user_token_enc IS NOT NULL`,
    );
  }

  /** Replaces a sealed token unless it changed meanwhile (a reconnect, another replica). */
  async replaceSealed(id: string, from: string, to: string): Promise<void> {
    await this.repo.query(
      `UPDATE people SET user_token_enc = $3 WHERE id = $1 AND user_token_enc = $2`,
      [id, from, to],
    );
  }

  findBySlackUserId(workspaceId: string, slackUserId: string): Promise<PersonEntity | null> {
    return this.repo.findOneBy({ workspaceId, slackUserId });
  }

  findManyBySlackUserIds(
    manager: EntityManager,
    workspaceId: string,
    slackUserIds: string[],
  ): Promise<PersonEntity[]> {
    return manager.findBy(PersonEntity, { workspaceId, slackUserId: In(slackUserIds) });
  }

  findById(id: string): Promise<PersonEntity | null> {
    return this.repo.findOneBy({ id });
  }

  /** Active agents and leads, optionally of some teams: who a survey asks. */
  listAudience(
    manager: EntityManager,
    workspaceId: string,
    teamIds: string[] | null,
  ): Promise<PersonEntity[]> {
    return manager.findBy(PersonEntity, {
      workspaceId,
      active: true,
      role: In(['agent', 'lead']),
      ...(teamIds ? { teamId: In(teamIds) } : {}),
    });
  }

  /** The team's active agents and leads, locked until the transaction ends (coverage guard). */
  lockTeamMembers(
    manager: EntityManager,
    workspaceId: string,
    teamId: string,
  ): Promise<PersonEntity[]> {
    return manager.find(PersonEntity, {
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
    manager: EntityManager,
    workspaceId: string,
    people: (PersonFromSlack & { role?: Role })[],
    syncedAt: Date,
  ): Promise<void> {
    if (people.length === 0) return;
    // Two syncs of one workspace can overlap (the import queued at boot and POST
    // /api/people/sync): a person the other one inserted first is left to it, not a 500.
    await manager
      .createQueryBuilder()
      .insert()
      .into(PersonEntity)
      .values(people.map((p) => ({ ...p, workspaceId, syncedAt })))
      .orIgnore()
      .execute();
  }

  async updateFromSlack(
    manager: EntityManager,
    id: string,
    fields: Partial<PersonFromSlack & { role: Role }>,
    syncedAt: Date,
  ): Promise<void> {
    await manager.update(PersonEntity, { id }, { ...fields, syncedAt });
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
