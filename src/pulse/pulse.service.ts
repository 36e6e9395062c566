/**
 * The pulse feature's entry points for its interfaces (HTTP controller, Slack listener):
 * each method is one use case, delegating to the surveys, rounds (reading, opening, reminders,
 * closing), responses and results services and mapping to the API's shapes.
 */
import { Injectable } from '@nestjs/common';
import type { Principal } from '../auth/principal';
import { PeopleService } from '../people/people.service';
import { WorkspacesService } from '../workspaces/workspaces.service';
import { RoundDto, toRoundDto, toSurveyDto, TrendsQueryDto } from './dto/round.dto';
import type { CreateSurveyDto } from './dto/survey.dto';
import { RoundEntity } from './entities/round.entity';
import { GroupBy, ResultsService } from './results.service';
import type { PulseStatusInput } from './pulse.types';
import { RoundClosingService } from './round-closing.service';
import { RoundOpeningService } from './round-opening.service';
import { RoundRemindersService } from './round-reminders.service';
import { RoundsService } from './rounds.service';
import { SurveysService } from './surveys.service';

/** What `/pulse` shows an agent; rendered by pulseStatusMessage. */
export type PulseStatus = PulseStatusInput;

@Injectable()
export class PulseService {
  constructor(
    private readonly surveysService: SurveysService,
    private readonly roundsService: RoundsService,
    private readonly roundOpening: RoundOpeningService,
    private readonly roundReminders: RoundRemindersService,
    private readonly roundClosing: RoundClosingService,
    private readonly resultsService: ResultsService,
    private readonly peopleService: PeopleService,
    private readonly workspacesService: WorkspacesService,
  ) {}

  templates() {
    return this.surveysService.templates();
  }

  async createSurvey(p: Principal, body: CreateSurveyDto) {
    return toSurveyDto(await this.surveysService.create(p.workspaceId, body), []);
  }

  async listSurveys(p: Principal) {
    const surveys = await this.surveysService.list(p.workspaceId);
    const rounds = await this.roundDtos(
      await this.roundsService.listForSurveys(surveys.map((s) => s.id)),
    );
    return surveys.map((s) =>
      toSurveyDto(
        s,
        rounds.filter((r) => r.surveyId === s.id),
      ),
    );
  }

  async getSurvey(p: Principal, id: string) {
    const survey = await this.surveysService.get(p.workspaceId, id);
    return toSurveyDto(
      survey,
      await this.roundDtos(await this.roundsService.listForSurveys([survey.id])),
    );
  }

  async openRound(p: Principal, surveyId: string) {
    const { round, invited } = await this.roundOpening.openNow(p.workspaceId, surveyId);
    return { id: round.id, invited };
  }

  async round(p: Principal, id: string): Promise<RoundDto> {
    const round = await this.roundsService.get(p.workspaceId, id);
    if (p.role === 'lead') {
      // A lead sees their own team's participation, never the workspace's.
      return toRoundDto(
        round,
        (await this.roundsService.teamParticipation([round.id], p.teamId)).get(round.id)!,
        await this.roundsService.effectiveK(round),
      );
    }
    const [dto] = await this.roundDtos([round]);
    return dto;
  }

  async closeRound(p: Principal, id: string): Promise<RoundDto> {
    const [dto] = await this.roundDtos([await this.roundClosing.close(p.workspaceId, id)]);
    return dto;
  }

  remind(p: Principal, id: string) {
    return this.roundReminders.remind(p.workspaceId, id);
  }

  results(p: Principal, id: string, groupBy: GroupBy) {
    return this.resultsService.roundResults(p, id, groupBy);
  }

  trends(p: Principal, surveyId: string, query: TrendsQueryDto) {
    return this.resultsService.trends(p, surveyId, query.groupBy, {
      from: query.from ? new Date(query.from) : undefined,
      to: query.to ? new Date(query.to) : undefined,
    });
  }

  /** `/pulse` for an agent: open pulses and their team's last shareable results. */
  async statusFor(slackTeamId: string, slackUserId: string): Promise<PulseStatus | null> {
    const workspace = await this.workspacesService.findBySlackTeamId(slackTeamId);
    const person = workspace
      ? await this.peopleService.findBySlackUserId(workspace.id, slackUserId)
      : null;
    if (!workspace || !person) return null;
    const k = this.workspacesService.settingsOf(workspace).anonymityThreshold;
    const open = await this.roundsService.listOpenFor(person.id);
    const titles = await this.titles(
      workspace.id,
      open.map((r) => r.surveyId),
    );
    const latest = await this.roundsService.latestClosedFor(person.id);
    const team = latest ? await this.resultsService.teamResults(latest, person.teamId) : null;
    const latestTitle = latest
      ? (await this.titles(workspace.id, [latest.surveyId])).get(latest.surveyId)
      : undefined;
    return {
      openRounds: open.map((r) => ({
        roundId: r.id,
        title: titles.get(r.surveyId) ?? 'Pulse',
        closesAt: r.closesAt,
        questionCount: r.questions.length,
      })),
      timeZone: person.tz,
      k,
      teamResults:
        latest && team
          ? {
              title: latestTitle ?? 'Pulse',
              closedAt: latest.closedAt!,
              respondents: team.respondents ?? 0,
              highlights: team.questions.filter((q) => q.kind !== 'text'),
            }
          : null,
    };
  }

  private async titles(workspaceId: string, surveyIds: string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const id of new Set(surveyIds)) {
      const survey = await this.surveysService.get(workspaceId, id).catch(() => null);
      if (survey) out.set(id, survey.title);
    }
    return out;
  }

  private async roundDtos(rounds: RoundEntity[]): Promise<RoundDto[]> {
    const participation = await this.roundsService.participation(rounds.map((r) => r.id));
    const out: RoundDto[] = [];
    for (const round of rounds) {
      out.push(
        toRoundDto(round, participation.get(round.id)!, await this.roundsService.effectiveK(round)),
      );
    }
    return out;
  }
}
