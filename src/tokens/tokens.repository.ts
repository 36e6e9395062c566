import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { ApiTokenEntity } from './api-token.entity';

@Injectable()
export class TokensRepository {
  constructor(
    @InjectRepository(ApiTokenEntity) private readonly repo: Repository<ApiTokenEntity>,
  ) {}

  create(values: Omit<ApiTokenEntity, 'id' | 'createdAt' | 'lastUsedAt'>): Promise<ApiTokenEntity> {
    return this.repo.save(this.repo.create(values));
  }

  findByHash(tokenHash: string): Promise<ApiTokenEntity | null> {
    return this.repo.findOneBy({ tokenHash });
  }

  listForWorkspace(workspaceId: string): Promise<ApiTokenEntity[]> {
    return this.repo.find({ where: { workspaceId }, order: { createdAt: 'ASC' } });
  }

  async deleteInWorkspace(workspaceId: string, id: string): Promise<boolean> {
    const result = await this.repo.delete({ workspaceId, id });
    return (result.affected ?? 0) > 0;
  }

  async touch(id: string, at: Date): Promise<void> {
    await this.repo.update({ id }, { lastUsedAt: at });
  }
}
