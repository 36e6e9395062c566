/**
 * Focus retention (docs/contract.md): ended and cancelled blocks are deleted after the workspace's
 * focusRetentionDays, and so are coverage refusals; what stays is one row of figures per team
 * and week (focus_weeks), so the summary still answers for old weeks.
 *
 * Per workspace, in one transaction under the workspace's roll-up lock:
 * 1. every week that ended at least ROLLUP_DELAY_MS ago and is not rolled up yet is written to
 *    focus_weeks, and the mark moves past it (a second run or replica then finds nothing to do);
 * 2. finished blocks and refusals older than the retention are deleted — never past the mark,
 *    so a deleted block's weeks are always already rolled up, whatever the setting says;
 * 3. a kept status still held a day after its block's end is forgotten (an end sync that never
 *    finished; the end sync itself clears it when it restores or gives up).
 * Time is the injected clock's.
 */
import { Injectable, Logger } from '@nestjs/common';
import { Clock } from '../common/clock';
import { JobsService } from '../jobs/jobs.service';
import { WorkspacesService } from '../workspaces/workspaces.service';
import { WEEK_MS, weekStartOf } from './focus-weeks';
import { FocusWeeksRepository } from './focus-weeks.repository';
import { FocusRepository } from './focus.repository';
import { FOCUS_QUEUES, FocusRetentionJobData } from './focus.queues';
import { TransactionHost, TransactionalAdapterTypeOrm } from '../database/transactions';

/**
 * A week is rolled up once it has been over this long: longer than the longest block (12 h),
 * so no block that started in the week is still running and can change, and any write racing
 * the week's end (a replica's clock a little behind) has landed.
 */
export const ROLLUP_DELAY_MS = 24 * 3_600_000;

/**
 * A kept status still held this long after its block's end is forgotten even if the end sync
 * never finished (a lost job): far longer than the end sync's retries (about 20 minutes) and
 * the pacing of a large wave of ends.
 */
export const KEPT_STATUS_GRACE_MS = 24 * 3_600_000;

export interface RetentionOutcome {
  weeksRolledUp: number;
  rowsWritten: number;
  blocksDeleted: number;
  refusalsDeleted: number;
  keptStatusesForgotten: number;
}

@Injectable()
export class FocusRetentionService {
  private readonly logger = new Logger(FocusRetentionService.name);

  constructor(
    private readonly blocks: FocusRepository,
    private readonly weeks: FocusWeeksRepository,
    private readonly workspaces: WorkspacesService,
    private readonly jobs: JobsService,
    private readonly clock: Clock,
    private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>,
  ) {}

  /** The cron's tick: one retention job per workspace (a workspace's job waiting is not doubled). */
  async fanOut(): Promise<number> {
    const ids = await this.workspaces.listIds();
    await this.jobs.sendMany<FocusRetentionJobData>(
      FOCUS_QUEUES.retention,
      ids.map((workspaceId) => ({ data: { workspaceId }, singletonKey: workspaceId })),
    );
    return ids.length;
  }

  /** Rolls up the workspace's ended weeks, then deletes what is past its retention. */
  async apply(workspaceId: string): Promise<RetentionOutcome> {
    const now = this.clock.now();
    const { focusRetentionDays } = await this.workspaces.getSettings(workspaceId);
    const rollUpTo = weekStartOf(new Date(now.getTime() - ROLLUP_DELAY_MS));
    const cutoff = new Date(now.getTime() - focusRetentionDays * 86_400_000);
    const outcome = await this.txHost.withTransaction(async () => {
      // First, so runs of one workspace take their locks in one order.
      let mark = await this.weeks.lockRollup(workspaceId);
      const keptStatusesForgotten = await this.blocks.forgetKeptStatusEndedBefore(
        workspaceId,
        new Date(now.getTime() - KEPT_STATUS_GRACE_MS),
      );
      let weeksRolledUp = 0;
      let rowsWritten = 0;
      const start = mark ?? (await this.weeks.firstWeekWithData(workspaceId)) ?? rollUpTo;
      if (start < rollUpTo) {
        weeksRolledUp = Math.round((rollUpTo.getTime() - start.getTime()) / WEEK_MS);
        rowsWritten = await this.weeks.rollUp(workspaceId, start, rollUpTo);
        mark = rollUpTo;
      }
      // Nothing rolled up yet: nothing may be deleted yet either.
      if (!mark) {
        return {
          weeksRolledUp,
          rowsWritten,
          blocksDeleted: 0,
          refusalsDeleted: 0,
          keptStatusesForgotten,
        };
      }
      const before = new Date(Math.min(cutoff.getTime(), mark.getTime()));
      return {
        weeksRolledUp,
        rowsWritten,
        blocksDeleted: await this.blocks.deleteFinishedBefore(workspaceId, before),
        refusalsDeleted: await this.weeks.deleteRefusalsBefore(workspaceId, before),
        keptStatusesForgotten,
      };
    });
    if (Object.values(outcome).some((n) => n > 0)) {
      this.logger.log({ msg: 'focus retention applied', workspaceId, ...outcome });
    }
    return outcome;
  }
}
