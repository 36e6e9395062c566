/**
 * Published results. Only closed rounds, only from the aggregates computed at close (kept in
 * memory once read: they never change), always through buildRoundResults (thresholds and
 * complementary suppression), rebuilt whenever k or the team names differ. A lead reads only
 * their own team's group; HR and admins read the workspace.
 */
import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Principal } from '../auth/principal';
import type { AppConfig } from '../config/config';
import { APP_CONFIG } from '../config/config.module';
import { DomainError } from '../common/errors';
import { SlackRateGate } from '../slack/slack-rate-gate';
import { FORMER_TEAM_LABEL, NO_TEAM_LABEL, TeamsService } from '../teams/teams.service';
import { effectiveK } from './effective-k';
import { RoundEntity } from './entities/round.entity';
import { RoundJobData } from './pulse.queues';
import { ClosedRoundFigures, ClosedRoundFiguresCache } from './closed-round-figures.cache';
import {
  buildRoundResults,
  RoundResults,
  RoundResultsInput,
  shuffle,
} from './result-building/round-results';
import { Participation, RoundsService } from './rounds.service';
import { MERGED_TEAM_ID } from './sealing/publishable-groups';
import { PulseNotifier } from './slack/pulse.notifier';
import { RoundMessenger } from './slack/round-messenger';
import { SurveysService } from './surveys.service';
import { WorkspacesService } from '../workspaces/workspaces.service';

export const NO_TEAM_KEY = 'no-team';
/** The group every team that was not publishable at close is stored in (publishable-groups.ts). */
export const MERGED_GROUP_KEY = 'merged';
export const MERGED_GROUP_NAME = 'Smaller teams, merged';

/** A stored group's key and name as results show them. */
function groupLabel(
  teamId: string | null,
  names: Map<string, string>,
): { key: string; name: string } {
  if (teamId === MERGED_TEAM_ID) return { key: MERGED_GROUP_KEY, name: MERGED_GROUP_NAME };
  if (!teamId) return { key: NO_TEAM_KEY, name: NO_TEAM_LABEL };
  return { key: teamId, name: names.get(teamId) ?? FORMER_TEAM_LABEL };
}
/** Built results kept (per round, view, k and team names): a year of weekly rounds, both views, twice over. */
const BUILT_RESULTS_KEPT = 256;
/** Serialized trends kept, in bytes of JSON: a year of weekly rounds by team is ~2.5 MB. */
export const TRENDS_BODIES_KEPT_BYTES = 32 * 1024 * 1024;
export type GroupBy = 'team' | undefined;

/** A trends response as sent: the JSON as UTF-8 bytes, and an ETag naming it (same bytes, same tag). */
export interface SerializedTrends {
  body: Buffer;
  etag: string;
}

export interface PublishedRound extends RoundResults {
  status: 'closed';
  openedAt: string;
  closedAt: string;
  participation: Participation;
}

/** A published round without comment fields (trends). */
function withoutComments({ comments: _comments, ...round }: PublishedRound) {
  return {
    ...round,
    groups: round.groups?.map(({ comments: _groupComments, ...group }) => group),
  };
}

/** A built result with its comments in a fresh random order: no two requests replay one order. */
function reshuffled(results: RoundResults): RoundResults {
  const out: RoundResults = { ...results, comments: shuffle(results.comments, Math.random) };
  if (results.groups) {
    out.groups = results.groups.map((g) =>
      g.comments ? { ...g, comments: shuffle(g.comments, Math.random) } : g,
    );
  }
  return out;
}

@Injectable()
export class ResultsService {
  private readonly results = new Map<string, RoundResults>();
  /** Serialized trends by everything they depend on (see `trends`); least recently used first. */
  private readonly trendsBodies = new Map<string, SerializedTrends>();
  private trendsBytes = 0;

  constructor(
    private readonly roundsService: RoundsService,
    private readonly surveysService: SurveysService,
    private readonly figures: ClosedRoundFiguresCache,
    private readonly teamsService: TeamsService,
    private readonly messenger: RoundMessenger,
    private readonly notifier: PulseNotifier,
    private readonly workspacesService: WorkspacesService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly gate: SlackRateGate,
  ) {}

  async roundResults(
    principal: Principal,
    roundId: string,
    groupBy: GroupBy,
  ): Promise<PublishedRound> {
    const round = await this.roundsService.get(principal.workspaceId, roundId);
    if (round.status !== 'closed') {
      throw new DomainError(
        'conflict',
        'Results are released when the round closes (participation is live at GET /api/rounds/:id)',
      );
    }
    const [published] = await this.publish(principal, [round], groupBy);
    return published;
  }

  /**
   * Every closed round of a survey, oldest first; `from`/`to` select whole rounds by their
   * opening. The figures only: comments are read round by round (results), so a year of
   * trends is a few kilobytes per round, not every comment ever written.
   *
   * Served as JSON bytes built once and reused. A closed round never changes, so the text is a
   * function of what the key below holds: the survey and its title, the view (overall, by team,
   * or a lead's own team), the closed rounds selected with their own k, the workspace's k, and
   * the team names where groups are shown. A round closing, k or a team name changing makes a
   * new key, and the next request builds again through buildRoundResults (the anonymity rules
   * are never skipped: only their output is reused). Nothing here is per person.
   */
  async trends(
    principal: Principal,
    surveyId: string,
    groupBy: GroupBy,
    range: { from?: Date; to?: Date },
  ): Promise<SerializedTrends> {
    // Read together: the survey scopes the request (404 outside the workspace); the rest is only
    // used once it has been found.
    const [survey, surveyRounds, names, settings] = await Promise.all([
      this.surveysService.get(principal.workspaceId, surveyId),
      this.roundsService.listForSurveys([surveyId]),
      this.teamsService.namesIn(principal.workspaceId),
      this.workspacesService.getSettings(principal.workspaceId),
    ]);
    const rounds = surveyRounds.filter(
      (r) =>
        r.workspaceId === principal.workspaceId &&
        r.status === 'closed' &&
        (!range.from || r.openedAt >= range.from) &&
        (!range.to || r.openedAt <= range.to),
    );
    const lead = principal.role === 'lead';
    const view = lead ? `lead:${principal.teamId ?? ''}` : (groupBy ?? 'overall');
    const teamParticipation = lead ? await this.leadParticipation(principal, rounds) : undefined;
    const key = JSON.stringify([
      survey.id,
      survey.title,
      view,
      settings.anonymityThreshold,
      rounds.map((r) => [r.id, r.k]),
      lead || groupBy === 'team' ? [...names] : [],
      // A lead's participation is their team's as it is now: part of what the body says.
      teamParticipation ? [...teamParticipation] : [],
    ]);
    const hit = this.trendsBodies.get(key);
    if (hit) {
      // Most recently used last.
      this.trendsBodies.delete(key);
      this.trendsBodies.set(key, hit);
      return hit;
    }
    const figures = await this.figures.of(rounds);
    const body = Buffer.from(
      JSON.stringify({
        surveyId: survey.id,
        title: survey.title,
        rounds: this.published(
          principal,
          rounds,
          groupBy,
          false,
          figures,
          names,
          settings,
          teamParticipation,
        ).map(withoutComments),
      }),
    );
    const serialized = {
      body,
      etag: `W/"${createHash('sha256').update(body).digest('base64url')}"`,
    };
    this.rememberTrends(key, serialized);
    return serialized;
  }

  /** The latest closed round's figures for one team, when shareable: for /pulse. */
  async teamResults(round: RoundEntity, teamId: string | null): Promise<RoundResults | null> {
    const [k, figures, names] = await Promise.all([
      this.roundsService.effectiveK(round),
      this.figures.of([round]),
      this.teamsService.namesIn(round.workspaceId),
    ]);
    const results = buildRoundResults(
      this.input(round, k, figures.get(round.id)!, names, 'team', false),
    );
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
  async postHrSummary({ roundId }: RoundJobData): Promise<void> {
    const round = await this.roundsService.findById(roundId);
    if (!round || round.status !== 'closed') return;
    const context = await this.messenger.context(round);
    const channel = context?.workspace.hrChannelId;
    if (!context || !channel) return;
    const figures = (await this.figures.of([round])).get(round.id)!;
    const results = buildRoundResults(
      this.input(round, context.k, figures, new Map(), undefined, false),
    );
    if (results.suppressed) return;
    const { participation } = figures;
    await this.gate.paced(round.workspaceId, ['chat.postMessage'], () =>
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
    const [figures, names, settings, teamParticipation] = await Promise.all([
      this.figures.of(rounds),
      this.teamsService.namesIn(principal.workspaceId),
      this.workspacesService.getSettings(principal.workspaceId),
      principal.role === 'lead' ? this.leadParticipation(principal, rounds) : undefined,
    ]);
    return this.published(
      principal,
      rounds,
      groupBy,
      true,
      figures,
      names,
      settings,
      teamParticipation,
    );
  }

  /** A lead sees participation of their own team only, never the workspace's. */
  private leadParticipation(
    principal: Principal,
    rounds: RoundEntity[],
  ): Promise<Map<string, Participation>> {
    return this.roundsService.teamParticipation(
      rounds.map((r) => r.id),
      principal.teamId,
    );
  }

  private published(
    principal: Principal,
    rounds: RoundEntity[],
    groupBy: GroupBy,
    withComments: boolean,
    figures: Map<string, ClosedRoundFigures>,
    names: Map<string, string>,
    settings: { anonymityThreshold: number },
    teamParticipation?: Map<string, Participation>,
  ): PublishedRound[] {
    const lead = principal.role === 'lead';
    const view = lead ? 'team' : groupBy;
    const namesKey = view === 'team' ? JSON.stringify([...names]) : '';
    const out: PublishedRound[] = [];
    for (const round of rounds) {
      const k = effectiveK(round, settings);
      const roundFigures = figures.get(round.id)!;
      const results = this.built(`${round.id}|${view}|${k}|${withComments}|${namesKey}`, () =>
        buildRoundResults(this.input(round, k, roundFigures, names, view, withComments)),
      );
      const published: PublishedRound = {
        ...reshuffled(results),
        status: 'closed',
        openedAt: round.openedAt.toISOString(),
        closedAt: round.closedAt!.toISOString(),
        participation: teamParticipation?.get(round.id) ?? roundFigures.participation,
      };
      out.push(lead ? this.onlyTeam(published, principal.teamId) : published);
    }
    return out;
  }

  /**
   * The result of a closed round is a function of its frozen figures, k and the team names, so
   * it is built once per combination of those (key) and reused; only the comments' order is
   * drawn again per request (`reshuffled`). Bounded; the oldest results go first.
   */
  private built(key: string, build: () => RoundResults): RoundResults {
    const hit = this.results.get(key);
    if (hit) return hit;
    const results = build();
    if (this.results.size >= BUILT_RESULTS_KEPT) {
      this.results.delete(this.results.keys().next().value!);
    }
    this.results.set(key, results);
    return results;
  }

  /** Keeps a serialized trends body; least recently used ones go first past the size bound. */
  private rememberTrends(key: string, serialized: SerializedTrends): void {
    if (serialized.body.length > TRENDS_BODIES_KEPT_BYTES) return;
    // Two requests may have built the same body at once: count it once.
    const previous = this.trendsBodies.get(key);
    if (previous) {
      this.trendsBodies.delete(key);
      this.trendsBytes -= previous.body.length;
    }
    this.trendsBodies.set(key, serialized);
    this.trendsBytes += serialized.body.length;
    for (const [oldest, { body }] of this.trendsBodies) {
      if (this.trendsBytes <= TRENDS_BODIES_KEPT_BYTES) break;
      this.trendsBodies.delete(oldest);
      this.trendsBytes -= body.length;
    }
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
    figures: ClosedRoundFigures,
    names: Map<string, string>,
    groupBy: GroupBy,
    withComments: boolean,
  ): RoundResultsInput {
    return {
      roundId: round.id,
      k,
      questions: round.questions,
      overall: {
        respondents: figures.respondents,
        counts: figures.counts,
        comments: withComments ? figures.comments : [],
      },
      groups:
        groupBy === 'team'
          ? figures.groups.map((g) => ({
              ...groupLabel(g.teamId, names),
              ...(g.teamId === MERGED_TEAM_ID
                ? { shownAs: figures.mergedTeams.map((teamId) => groupLabel(teamId, names)) }
                : {}),
              respondents: g.respondents,
              counts: g.counts,
              comments: withComments ? g.comments : [],
            }))
          : undefined,
    };
  }
}
