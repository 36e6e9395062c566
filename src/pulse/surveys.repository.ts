import { Injectable } from '@nestjs/common';
import { EntityManager, IsNull, Not, Repository } from 'typeorm';
import { SurveyEntity } from './entities/survey.entity';
import { TransactionHost, TransactionalAdapterTypeOrm } from '../database/transactions';

export type NewSurvey = Omit<SurveyEntity, 'id' | 'rotationCursor' | 'updatedAt'>;

@Injectable()
export class SurveysRepository {
  constructor(private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>) {}

  private get repo(): Repository<SurveyEntity> {
    return this.txHost.tx.getRepository(SurveyEntity);
  }

  /** The ambient transaction's manager, or the DataSource's outside one. */
  private get db(): EntityManager {
    return this.txHost.tx;
  }

  create(values: NewSurvey): Promise<SurveyEntity> {
    return this.repo.save(this.repo.create(values));
  }

  findInWorkspace(workspaceId: string, id: string): Promise<SurveyEntity | null> {
    return this.repo.findOneBy({ workspaceId, id });
  }

  /** Locks the survey row: two rounds opened at once must not take the same questions. */
  lockInWorkspace(workspaceId: string, id: string): Promise<SurveyEntity | null> {
    return this.db.findOne(SurveyEntity, {
      where: { workspaceId, id },
      lock: { mode: 'pessimistic_write' },
    });
  }

  list(workspaceId: string): Promise<SurveyEntity[]> {
    return this.repo.find({ where: { workspaceId }, order: { createdAt: 'DESC' } });
  }

  listScheduled(): Promise<SurveyEntity[]> {
    return this.repo.find({ where: { scheduleRrule: Not(IsNull()) } });
  }

  async advanceRotation(id: string, cursor: number): Promise<void> {
    await this.db.update(SurveyEntity, { id }, { rotationCursor: cursor });
  }
}
