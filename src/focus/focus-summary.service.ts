/**
 * GET /api/focus/summary: per team and week, focus hours, blocks taken and coverage refusals —
 * aggregates only (docs/contract.md).
 *
 * - Weeks are ISO weeks in UTC (focus-weeks.ts); a window snaps outwards to whole weeks and
 *   reports only weeks that are over, so a figure never moves while someone watches it and two
 *   overlapping windows cannot be subtracted to isolate part of a week.
 * - A team's week is shown only when at least k distinct people took focus in it (k: the
 *   workspace's anonymityThreshold). Otherwise it is `suppressed` with no figure at all, zeros
 *   included: "nobody in a team of one took focus" is about that one person too. Every visible
 *   team appears in every week, so whether a row exists says nothing either.
 * - No workspace total is published, so no suppressed team can be recovered as total minus the
 *   shown ones; if a total is ever added it needs complementary suppression (suppressedGroups).
 */
import { Injectable } from '@nestjs/common';
import type { Principal } from '../auth/principal';
import { Clock } from '../common/clock';
import { DomainError } from '../common/errors';
import { NO_TEAM_LABEL, TeamsService } from '../teams/teams.service';
import { WorkspacesService } from '../workspaces/workspaces.service';
import type { FocusSummaryDto, FocusSummaryGroupDto } from './dto/focus-summary.dto';
import {
  MAX_SUMMARY_WEEKS,
  WEEK_MS,
  reportedWeeks,
  weekEndOf,
  weekLabel,
  weekStartOf,
  weekStartsBetween,
} from './focus-weeks';
import { FocusWeeksRepository, WeekFigures } from './focus-weeks.repository';

@Injectable()
export class FocusSummaryService {
  constructor(
    private readonly weeks: FocusWeeksRepository,
    private readonly teams: TeamsService,
    private readonly workspaces: WorkspacesService,
    private readonly clock: Clock,
  ) {}

  async summary(principal: Principal, from: Date, to: Date): Promise<FocusSummaryDto> {
    if (Number.isNaN(from.getTime())) throw invalid('from is not a valid date');
    if (Number.isNaN(to.getTime())) throw invalid('to is not a valid date');
    if (from >= to) throw invalid('from must be before to');
    const asked = (weekEndOf(to).getTime() - weekStartOf(from).getTime()) / WEEK_MS;
    if (asked > MAX_SUMMARY_WEEKS) {
      throw invalid(`a summary covers at most ${MAX_SUMMARY_WEEKS} weeks; this asks for ${asked}`);
    }
    const window = reportedWeeks(from, to, this.clock.now());
    const [settings, views, figures] = await Promise.all([
      this.workspaces.getSettings(principal.workspaceId),
      this.teams.listFor(principal),
      this.weeks.figures(principal.workspaceId, window.from, window.to),
    ]);
    const k = settings.anonymityThreshold;
    const groups: { teamId: string | null; team: string }[] = [
      ...views
        .map((v) => ({ teamId: v.team.id as string | null, team: v.team.name }))
        .sort((a, b) => a.team.localeCompare(b.team)),
      // A lead reads their own team only; people without a team are a group for HR and admins.
      ...(principal.role === 'lead' ? [] : [{ teamId: null, team: NO_TEAM_LABEL }]),
    ];
    const byGroupWeek = new Map<string, WeekFigures>();
    for (const f of figures) {
      const id = key(f.teamId, f.weekStart);
      // Kept and live weeks never overlap (one snapshot, split at the roll-up mark).
      if (byGroupWeek.has(id)) throw new Error(`focus figures read twice for ${id}`);
      byGroupWeek.set(id, f);
    }
    return {
      from: window.from.toISOString(),
      to: window.to.toISOString(),
      k,
      weeks: weekStartsBetween(window.from, window.to).map((start) => ({
        week: weekLabel(start),
        from: start.toISOString(),
        to: new Date(start.getTime() + WEEK_MS).toISOString(),
        teams: groups.map((g) => published(g, byGroupWeek.get(key(g.teamId, start)), k)),
      })),
    };
  }
}

function key(teamId: string | null, weekStart: Date): string {
  return `${teamId ?? ''}|${weekStart.getTime()}`;
}

function published(
  group: { teamId: string | null; team: string },
  figures: WeekFigures | undefined,
  k: number,
): FocusSummaryGroupDto {
  if (!figures || figures.people < k) return { ...group, suppressed: true };
  return {
    ...group,
    suppressed: false,
    people: figures.people,
    focusHours: Math.round(figures.focusSeconds / 36) / 100,
    blocks: figures.blocks,
    refused: figures.refused,
  };
}

function invalid(message: string): DomainError {
  return new DomainError('validation_failed', message);
}
