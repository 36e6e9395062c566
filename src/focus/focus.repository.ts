import { Injectable } from '@nestjs/common';
import { EntityManager, In, LessThan, MoreThan, Repository } from 'typeorm';
import { updateReturning } from '../database/returning';
import { FocusBlockEntity } from './focus-block.entity';
import type { RecurringRule } from './recurring-rule';
import { TransactionHost, TransactionalAdapterTypeOrm } from '../database/transactions';

const LIVE = ['scheduled', 'active'] as const;

export interface FocusRule extends RecurringRule {
  id: string;
  workspaceId: string;
  personId: string;
}

interface RuleRow {
  id: string;
  workspace_id: string;
  person_id: string;
  rrule: string;
  local_start: string;
  duration_minutes: number;
  time_zone: string;
  note: string | null;
}

const toRule = (r: RuleRow): FocusRule => ({
  id: r.id,
  workspaceId: r.workspace_id,
  personId: r.person_id,
  rrule: r.rrule,
  localStart: r.local_start,
  durationMinutes: r.duration_minutes,
  timeZone: r.time_zone,
  note: r.note,
});

@Injectable()
export class FocusRepository {
  constructor(private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>) {}

  private get repo(): Repository<FocusBlockEntity> {
    return this.txHost.tx.getRepository(FocusBlockEntity);
  }

  /** The ambient transaction's manager, or the DataSource's outside one. */
  private get db(): EntityManager {
    return this.txHost.tx;
  }

  insert(
    values: Pick<
      FocusBlockEntity,
      'workspaceId' | 'personId' | 'teamId' | 'startsAt' | 'endsAt' | 'note' | 'source' | 'ruleId'
    >,
  ): Promise<FocusBlockEntity> {
    return this.db.save(this.db.create(FocusBlockEntity, { ...values, state: 'scheduled' }));
  }

  async insertRule(rule: Omit<FocusRule, 'id'>): Promise<FocusRule> {
    const [row]: RuleRow[] = await this.repo.query(
      `INSERT INTO focus_rules (workspace_id, person_id, rrule, local_start, duration_minutes, time_zone, note)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *`,
      [
        rule.workspaceId,
        rule.personId,
        rule.rrule,
        rule.localStart,
        rule.durationMinutes,
        rule.timeZone,
        rule.note,
      ],
    );
    return toRule(row);
  }

  async activeRules(): Promise<FocusRule[]> {
    const rows: RuleRow[] = await this.repo.query(`SELECT * FROM focus_rules WHERE active`);
    return rows.map(toRule);
  }

  async ruleHasBlockAt(ruleId: string, startsAt: Date): Promise<boolean> {
    return (await this.repo.countBy({ ruleId, startsAt })) > 0;
  }

  /**
   * Takes the block's sync lease (start and end syncs of one block never interleave) and reads
   * the block as it is then, in one statement; null while another sync holds an unexpired lease
   * (or when the block is gone).
   */
  async acquireSyncLease(
    id: string,
    leaseId: string,
    now: Date,
    until: Date,
  ): Promise<FocusBlockEntity | null> {
    const rows = await updateReturning<Record<string, unknown>>(
      this.repo.manager,
      `UPDATE focus_blocks SET sync_lease_id = $2, sync_lease_until = $3
        WHERE id = $1 AND (sync_lease_until IS NULL OR sync_lease_until <= $4)
        RETURNING *`,
      [id, leaseId, until, now],
    );
    return rows[0] ? this.fromRow(rows[0]) : null;
  }

  /** A raw focus_blocks row (RETURNING *) as the entity TypeORM would load. */
  private fromRow(row: Record<string, unknown>): FocusBlockEntity {
    return this.repo.create(
      Object.fromEntries(
        this.repo.metadata.columns.map((c) => [c.propertyName, row[c.databaseName]]),
      ) as Partial<FocusBlockEntity>,
    );
  }

  /**
   * Moves a block out of `scheduled`, once: to `active` when its start sync claims it (just
   * before the first Slack call), to `cancelled` when its owner cancels it before that. False
   * when it had already left `scheduled` — the other move came first.
   */
  async leaveScheduled(id: string, to: 'active' | 'cancelled'): Promise<boolean> {
    const rows = await updateReturning<{ id: string }>(
      this.repo.manager,
      `UPDATE focus_blocks SET state = $2 WHERE id = $1 AND state = 'scheduled' RETURNING id`,
      [id, to],
    );
    return rows.length === 1;
  }

  async releaseSyncLease(id: string, leaseId: string): Promise<void> {
    await this.repo.query(
      `UPDATE focus_blocks SET sync_lease_id = NULL, sync_lease_until = NULL
        WHERE id = $1 AND sync_lease_id = $2`,
      [id, leaseId],
    );
  }

  findById(id: string): Promise<FocusBlockEntity | null> {
    return this.repo.findOneBy({ id });
  }

  /** Live blocks of these people overlapping [from, to). */
  overlapping(personIds: string[], from: Date, to: Date): Promise<FocusBlockEntity[]> {
    if (personIds.length === 0) return Promise.resolve([]);
    return this.db.find(FocusBlockEntity, {
      where: {
        personId: In(personIds),
        state: In([...LIVE]),
        startsAt: LessThan(to),
        endsAt: MoreThan(from),
      },
      order: { startsAt: 'ASC' },
    });
  }

  /**
   * The person's own live blocks overlapping or touching [from, to], locked for the merge that
   * follows (two /focus at once from one agent become one block, not two).
   */
  ownTouching(personId: string, from: Date, to: Date): Promise<FocusBlockEntity[]> {
    return this.db
      .createQueryBuilder(FocusBlockEntity, 'b')
      .setLock('pessimistic_write')
      .where('b.person_id = :personId', { personId })
      .andWhere('b.state IN (:...live)', { live: [...LIVE] })
      .andWhere('b.starts_at <= :to AND b.ends_at >= :from', { from, to })
      .orderBy('b.starts_at', 'ASC')
      .getMany();
  }

  /** The person's live blocks that have not ended yet, soonest first. */
  upcomingFor(personId: string, now: Date): Promise<FocusBlockEntity[]> {
    return this.repo.find({
      where: { personId, state: In([...LIVE]), endsAt: MoreThan(now) },
      order: { startsAt: 'ASC' },
      take: 10,
    });
  }

  liveInWorkspace(workspaceId: string, now: Date): Promise<FocusBlockEntity[]> {
    return this.repo.find({
      where: { workspaceId, state: In([...LIVE]), startsAt: LessThan(now), endsAt: MoreThan(now) },
    });
  }

  async update(id: string, patch: Partial<FocusBlockEntity>): Promise<void> {
    await this.db.update(FocusBlockEntity, { id }, patch);
  }

  async recordRefusal(workspaceId: string, teamId: string | null, at: Date): Promise<void> {
    await this.db.query(
      `INSERT INTO focus_refusals (workspace_id, team_id, refused_at) VALUES ($1, $2, $3)`,
      [workspaceId, teamId, at],
    );
  }

  /**
   * Ended and cancelled blocks of the workspace that ended before `before`, deleted inside the
   * caller's transaction (the retention job's, after their weeks are rolled up).
   */
  async deleteFinishedBefore(workspaceId: string, before: Date): Promise<number> {
    const [{ n }]: { n: number }[] = await this.db.query(
      `WITH gone AS (
         DELETE FROM focus_blocks
          WHERE workspace_id = $1 AND state IN ('ended', 'cancelled') AND ends_at < $2
          RETURNING 1)
       SELECT count(*)::int AS n FROM gone`,
      [workspaceId, before],
    );
    return n;
  }

  /**
   * Forgets the kept status of the workspace's blocks that ended before `before`, whatever their
   * state: a safety net for an end sync that never finished (its job lost with a replica).
   */
  async forgetKeptStatusEndedBefore(workspaceId: string, before: Date): Promise<number> {
    const [{ n }]: { n: number }[] = await this.db.query(
      `WITH forgotten AS (
         UPDATE focus_blocks SET kept_status = NULL
          WHERE workspace_id = $1 AND kept_status IS NOT NULL AND ends_at < $2
          RETURNING 1)
       SELECT count(*)::int AS n FROM forgotten`,
      [workspaceId, before],
    );
    return n;
  }
}
