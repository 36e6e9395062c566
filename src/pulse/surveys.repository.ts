import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, IsNull, Not, Repository } from 'typeorm';
import { SurveyEntity } from './entities/survey.entity';

export type NewSurvey = Omit<SurveyEntity, 'id' | 'rotationCursor' | 'updatedAt'>;

@Injectable()
export class SurveysRepository {
  constructor(@InjectRepository(SurveyEntity) private readonly repo: Repository<SurveyEntity>) {}

  create(values: NewSurvey): Promise<SurveyEntity> {
    return this.repo.save(this.repo.create(values));
  }

  findInWorkspace(workspaceId: string, id: string): Promise<SurveyEntity | null> {
    return this.repo.findOneBy({ workspaceId, id });
  }

  /** Locks the survey row: two rounds opened at once must not take the same questions. */
  lockInWorkspace(
    manager: EntityManager,
    workspaceId: string,
    id: string,
  ): Promise<SurveyEntity | null> {
    return manager.findOne(SurveyEntity, {
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

  async advanceRotation(manager: EntityManager, id: string, cursor: number): Promise<void> {
    await manager.update(SurveyEntity, { id }, { rotationCursor: cursor });
  }
}
