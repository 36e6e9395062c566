import { Injectable } from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';
import { Clock } from '../common/clock';
import { DomainError, notFound } from '../common/errors';
import { TeamsService } from '../teams/teams.service';
import { ApiTokenEntity, TokenRole } from './api-token.entity';
import { TokensRepository } from './tokens.repository';

/** last_used_at is informative; writing it at most once a minute keeps reads read-only. */
const TOUCH_INTERVAL_MS = 60_000;

export const hashToken = (token: string): string =>
  createHash('sha256').update(token).digest('hex');

@Injectable()
export class TokensService {
  constructor(
    private readonly tokens: TokensRepository,
    private readonly teams: TeamsService,
    private readonly clock: Clock,
  ) {}

  /** Returns the secret once; only its hash is kept. */
  async create(
    workspaceId: string,
    input: { name: string; role: TokenRole; teamId?: string },
  ): Promise<{ token: ApiTokenEntity; secret: string }> {
    if (input.role === 'lead' && !input.teamId) {
      throw new DomainError('validation_failed', 'teamId is required for a lead token');
    }
    if (input.role !== 'lead' && input.teamId) {
      throw new DomainError('validation_failed', 'teamId applies to lead tokens only');
    }
    if (input.teamId) await this.teams.get(workspaceId, input.teamId);
    const secret = `pd_${randomBytes(32).toString('base64url')}`;
    const token = await this.tokens.create({
      workspaceId,
      name: input.name,
      role: input.role,
      teamId: input.teamId ?? null,
      tokenHash: hashToken(secret),
      tokenPrefix: secret.slice(0, 9),
    });
    return { token, secret };
  }

  list(workspaceId: string): Promise<ApiTokenEntity[]> {
    return this.tokens.listForWorkspace(workspaceId);
  }

  async delete(workspaceId: string, id: string): Promise<void> {
    if (!(await this.tokens.deleteInWorkspace(workspaceId, id))) throw notFound('Token');
  }

  async authenticate(secret: string): Promise<ApiTokenEntity | null> {
    const token = await this.tokens.findByHash(hashToken(secret));
    if (!token) return null;
    const now = this.clock.now();
    if (!token.lastUsedAt || now.getTime() - token.lastUsedAt.getTime() > TOUCH_INTERVAL_MS) {
      await this.tokens.touch(token.id, now);
    }
    return token;
  }
}
