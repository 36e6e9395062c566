/**
 * Published results. Only closed rounds, only from the aggregates computed at close, always
 * through buildRoundResults (thresholds and complementary suppression). A lead reads only
 * their own team's group; HR and admins read the workspace.
 */
import { Inject, Injectable } from '@nestjs/common';
import type { Principal } from '../auth/principal';
import type { AppConfig } from '../config/config';
import { APP_CONFIG } from '../config/config.module';
import { DomainError } from '../common/errors';
import { TeamsService } from '../teams/teams.service';
import { RoundEntity } from './entities/round.entity';
import { PULSE_QUEUES, RoundJob } from './pulse.queues';
import { Counts } from './results/pulse-statistics';
import { buildRoundResults, GroupInput, RoundResults } from './results/round-results';
import { GroupSizeRow, ResponsesRepository, TallyRow } from './responses.repository';
import { Participation, RoundsService } from './rounds.service';
import { PulseNotifier } from './slack/pulse.notifier';
import { SurveysService } from './surveys.service';
import { WorkspacesService } from '../workspaces/workspaces.service';

export const NO_TEAM_KEY = 'no-team';
export type GroupBy = 'team' | undefined;

export interface PublishedRound extends RoundResults {
  status: 'closed';
  openedAt: string;
  closedAt: string;
  participation: Participation;
}

@Injectable()
export class ResultsService {
  constructor(
    private readonly rounds: RoundsService,
    private readonly surveys: SurveysService,
    private readonly responses: ResponsesRepository,
    private readonly teams: TeamsService,
    private readonly notifier: PulseNotifier,
    private readonly workspaces: WorkspacesService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async roundResults(
    principal: Principal,
    roundId: string,
    groupBy: GroupBy,
  ): Promise<PublishedRound> {
    const round = await this.rounds.get(principal.workspaceId, roundId);
    if (round.status !== 'closed') {
      throw new DomainError(
        'conflict',
        'Results are released when the round closes (participation is live at GET /api/rounds/:id)',
      );
    }
    const [published] = await this.publish(principal, [round], groupBy);
    return published;
  }

  /** Every closed round of a survey, oldest first; `from`/`to` select whole rounds by their opening. */
  async trends(
    principal: Principal,
    surveyId: string,
    groupBy: GroupBy,
    range: { from?: Date; to?: Date },
  ) {
    const survey = await this.surveys.get(principal.workspaceId, surveyId);
    const rounds = (await this.rounds.listForSurveys([survey.id])).filter(
      (r) =>
        r.status === 'closed' &&
        (!range.from || r.openedAt >= range.from) &&
        (!range.to || r.openedAt <= range.to),
    );
    return {
      surveyId: survey.id,
      title: survey.title,
      rounds: await this.publish(principal, rounds, groupBy),
    };
  }

  /** The latest closed round's figures for one team, when shareable: for /pulse. */
  async teamResults(round: RoundEntity, teamId: string | null): Promise<RoundResults | null> {
    const k = await this.rounds.effectiveK(round);
    const [tallies, sizes] = await Promise.all([
      this.responses.tallies([round.id]),
      this.responses.groupSizes([round.id]),
    ]);
    const names = await this.teamNames(round.workspaceId);
    const results = buildRoundResults(this.input(round, k, tallies, sizes, [], names, 'team'));
    const group = results.groups?.find((g) => g.key === (teamId ?? NO_TEAM_KEY));
    if (!group || group.suppressed) return null;
    return {
      ...results,
      respondents: group.respondents,
      questions: group.questions ?? [],
      groups: undefined,
      comments: [],
    };
  }

  /** The HR channel summary when a round closes; nothing below k. */
  async postHrSummary({ roundId }: RoundJob): Promise<void> {
    const round = await this.rounds.findById(roundId);
    if (!round || round.status !== 'closed') return;
    const context = await this.rounds.slackContext(round);
    const channel = context?.workspace.hrChannelId;
    if (!context || !channel) return;
    const [tallies, sizes] = await Promise.all([
      this.responses.tallies([round.id]),
      this.responses.groupSizes([round.id]),
    ]);
    const results = buildRoundResults(
      this.input(round, context.k, tallies, sizes, [], new Map(), undefined),
    );
    if (results.suppressed) return;
    const participation = (await this.rounds.participation([round.id])).get(round.id)!;
    await this.rounds.withRateLimit(PULSE_QUEUES.hrSummary, { roundId }, () =>
      this.notifier.postHrSummary(context.botToken, channel, {
        title: context.survey.title,
        closedAt: round.closedAt!,
        respondents: results.respondents ?? 0,
        invited: participation.invited,
        questions: results.questions.filter((q) => q.kind !== 'text'),
        dashboardUrl: `${this.config.publicUrl}/`,
      }),
    );
  }

  private async publish(
    principal: Principal,
    rounds: RoundEntity[],
    groupBy: GroupBy,
  ): Promise<PublishedRound[]> {
    const ids = rounds.map((r) => r.id);
    const [tallies, sizes, comments, participation, names, settings] = await Promise.all([
      this.responses.tallies(ids),
      this.responses.groupSizes(ids),
      this.responses.comments(ids),
      this.rounds.participation(ids),
      this.teamNames(principal.workspaceId),
      this.workspaces.getSettings(principal.workspaceId),
    ]);
    const byRound = <T extends { roundId: string }>(rows: T[]) => {
      const map = new Map<string, T[]>();
      for (const row of rows) map.set(row.roundId, [...(map.get(row.roundId) ?? []), row]);
      return map;
    };
    const [talliesBy, sizesBy, commentsBy] = [byRound(tallies), byRound(sizes), byRound(comments)];
    const lead = principal.role === 'lead';
    const out: PublishedRound[] = [];
    for (const round of rounds) {
      // The round's own k, raised (never lowered) by the workspace's current one.
      const k = Math.max(round.k, settings.anonymityThreshold);
      const results = buildRoundResults(
        this.input(
          round,
          k,
          talliesBy.get(round.id) ?? [],
          sizesBy.get(round.id) ?? [],
          commentsBy.get(round.id) ?? [],
          names,
          lead ? 'team' : groupBy,
        ),
      );
      const published: PublishedRound = {
        ...results,
        status: 'closed',
        openedAt: round.openedAt.toISOString(),
        closedAt: round.closedAt!.toISOString(),
        participation: participation.get(round.id)!,
      };
      out.push(lead ? this.onlyTeam(published, principal.teamId) : published);
    }
    return out;
  }

  /** A lead's view: their team's group (as suppressed in the full breakdown), nothing workspace-wide. */
  private onlyTeam(results: PublishedRound, teamId: string | null): PublishedRound {
    const group = results.groups?.find((g) => g.key === teamId);
    return {
      ...results,
      respondents: undefined,
      questions: [],
      comments: [],
      groups: group ? [group] : [],
    };
  }

  private input(
    round: RoundEntity,
    k: number,
    tallies: TallyRow[],
    sizes: GroupSizeRow[],
    comments: { teamId: string | null; questionId: string; text: string }[],
    names: Map<string, string>,
    groupBy: GroupBy,
  ) {
    const keyOf = (teamId: string | null) => teamId ?? NO_TEAM_KEY;
    const countsBy = (rows: TallyRow[]) => {
      const counts: Record<string, Counts> = {};
      for (const row of rows) {
        counts[row.questionId] ??= {};
        counts[row.questionId][row.value] = (counts[row.questionId][row.value] ?? 0) + row.n;
      }
      return counts;
    };
    const groups: GroupInput[] | undefined =
      groupBy === 'team'
        ? sizes.map((size) => ({
            key: keyOf(size.teamId),
            name: size.teamId ? (names.get(size.teamId) ?? 'Former team') : 'No team',
            respondents: size.respondents,
            counts: countsBy(tallies.filter((t) => t.teamId === size.teamId)),
            comments: comments
              .filter((c) => c.teamId === size.teamId)
              .map(({ questionId, text }) => ({ questionId, text })),
          }))
        : undefined;
    return {
      roundId: round.id,
      k,
      questions: round.questions,
      overall: {
        respondents: sizes.reduce((sum, s) => sum + s.respondents, 0),
        counts: countsBy(tallies),
        comments: comments.map(({ questionId, text }) => ({ questionId, text })),
      },
      groups,
    };
  }

  private async teamNames(workspaceId: string): Promise<Map<string, string>> {
    const teams = await this.teams.listFor({
      workspaceId,
      role: 'admin',
      teamId: null,
      via: 'operator',
    });
    return new Map(teams.map((t) => [t.team.id, t.team.name]));
  }
}
