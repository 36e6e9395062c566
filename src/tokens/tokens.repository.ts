import { Injectable } from '@nestjs/common';
import { EntityManager, Repository } from 'typeorm';
import { ApiTokenEntity } from './api-token.entity';
import { TransactionHost, TransactionalAdapterTypeOrm } from '../database/transactions';

@Injectable()
export class TokensRepository {
  constructor(private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>) {}

  private get repo(): Repository<ApiTokenEntity> {
    return this.txHost.tx.getRepository(ApiTokenEntity);
  }

  /** The ambient transaction's manager, or the DataSource's outside one. */
  private get db(): EntityManager {
    return this.txHost.tx;
  }

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
