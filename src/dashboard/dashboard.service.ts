/**
 * What each dashboard page shows, gathered from the services the API uses, called with the
 * signed-in principal: the same roles, the same anonymity rules, the same figures. Nothing here
 * computes a figure; it only picks which survey or round a page is about.
 */
import { Injectable } from '@nestjs/common';
import { validate } from 'class-validator';
import { plainToInstance } from 'class-transformer';
import type { Principal } from '../auth/principal';
import { DomainError, notFound } from '../common/errors';
import { FocusService } from '../focus/focus.service';
import type { RoundDto, TrendsQueryDto } from '../pulse/dto/round.dto';
import type { CreateSurveyDto } from '../pulse/dto/survey.dto';
import { PulseService } from '../pulse/pulse.service';
import type { PublishedRound } from '../pulse/results.service';
import { FeedQueryDto } from '../stories/dto/stories.dto';
import { type Decision, type FeedPage, StoriesService } from '../stories/stories.service';
import type { StoryTag } from '../stories/stories.types';
import { UpdateSettingsDto } from '../workspaces/dto/settings.dto';
import { WorkspacesService } from '../workspaces/workspaces.service';

export type SurveyView = Awaited<ReturnType<PulseService['listSurveys']>>[number];
export type TrendRound = Omit<PublishedRound, 'comments'>;
export interface StoriesFilter {
  q?: string;
  tag?: StoryTag;
  cursor?: string;
}
export interface Trends {
  surveyId: string;
  title: string;
  rounds: TrendRound[];
}

/** The latest closed round first; a survey with none sorts last. */
function latestClosed(rounds: RoundDto[]): RoundDto | undefined {
  return rounds
    .filter((r) => r.status === 'closed' && r.closedAt)
    .sort((a, b) => b.closedAt!.localeCompare(a.closedAt!))[0];
}

@Injectable()
export class DashboardService {
  constructor(
    private readonly pulse: PulseService,
    private readonly focusService: FocusService,
    private readonly workspaces: WorkspacesService,
    private readonly stories: StoriesService,
  ) {}

  /**
   * Leads read trends like on the API; the survey list is used only to name and pick the
   * survey (titles and ids, never its workspace-wide participation).
   */
  async overview(p: Principal, surveyId: string | undefined) {
    const surveys = await this.pulse.listSurveys(p);
    const selected = this.pickSurvey(surveys, surveyId);
    if (!selected) return { surveys: [], selected: null, trends: null };
    const { body } = await this.pulse.trends(p, selected.id, {} as TrendsQueryDto);
    const trends = JSON.parse(body.toString('utf8')) as Trends;
    return { surveys: surveys.map(({ id, title }) => ({ id, title })), selected, trends };
  }

  /** The team × question breakdown of one closed round (the latest by default). */
  async heatmap(p: Principal, roundId: string | undefined) {
    const surveys = await this.pulse.listSurveys(p);
    const closed = surveys
      .flatMap((s) =>
        s.rounds
          .filter((r) => r.status === 'closed')
          .map((r) => ({ id: r.id, closedAt: r.closedAt!, title: s.title })),
      )
      .sort((a, b) => b.closedAt.localeCompare(a.closedAt));
    const chosen = roundId ? closed.find((r) => r.id === roundId) : closed[0];
    if (roundId && !chosen) throw notFound('Closed round');
    if (!chosen) return { rounds: closed, chosen: null, results: null };
    const results = await this.pulse.results(p, chosen.id, 'team');
    return { rounds: closed, chosen, results };
  }

  async round(p: Principal, roundId: string) {
    const round = await this.pulse.round(p, roundId);
    const surveys = await this.pulse.listSurveys(p);
    const title = surveys.find((s) => s.id === round.surveyId)?.title ?? 'Pulse';
    const results = round.status === 'closed' ? await this.pulse.results(p, roundId, 'team') : null;
    return { round, title, results };
  }

  async surveys(p: Principal) {
    const [surveys, templates] = await Promise.all([
      this.pulse.listSurveys(p),
      Promise.resolve(this.pulse.templates()),
    ]);
    return { surveys, templates };
  }

  /** A survey from a built-in template: its questions copied, under the title given. */
  createFromTemplate(p: Principal, templateId: string, title: string) {
    const template = this.pulse.templates().find((t) => t.id === templateId);
    if (!template) throw new DomainError('validation_failed', 'template: choose a template');
    const name = title.trim() || template.title;
    if (name.length > 120) {
      throw new DomainError('validation_failed', 'title must be at most 120 characters');
    }
    const body = {
      title: name,
      questions: template.questions.map((q) => ({ ...q })),
      questionsPerRound: template.questionsPerRound,
      ...(template.suggestedSchedule ? { schedule: { ...template.suggestedSchedule } } : {}),
    } as unknown as CreateSurveyDto;
    return this.pulse.createSurvey(p, body);
  }

  openRound(p: Principal, surveyId: string) {
    return this.pulse.openRound(p, surveyId);
  }

  closeRound(p: Principal, roundId: string) {
    return this.pulse.closeRound(p, roundId);
  }

  remind(p: Principal, roundId: string) {
    return this.pulse.remind(p, roundId);
  }

  focusNow(p: Principal) {
    return this.focusService.now(p);
  }

  /** One team's board; a lead asking for another team's is refused, as the API scopes them. */
  async teamFocus(p: Principal, teamId: string) {
    const board = (await this.focusService.now(p)).find((t) => t.teamId === teamId);
    if (!board) {
      if (p.role === 'lead') {
        throw new DomainError('forbidden', 'A team lead sees their own team only');
      }
      throw notFound('Team');
    }
    return board;
  }

  settings(p: Principal) {
    return this.workspaces.getSettings(p.workspaceId);
  }

  /** The same validation as PATCH /api/settings (UpdateSettingsDto), then the same service. */
  async updateSettings(p: Principal, patch: Record<string, unknown>) {
    const dto = plainToInstance(UpdateSettingsDto, patch);
    const errors = await validate(dto, { whitelist: true, forbidNonWhitelisted: true });
    if (errors.length) {
      const message = errors.flatMap((e) => Object.values(e.constraints ?? {})).join('; ');
      throw new DomainError('validation_failed', message);
    }
    return this.workspaces.updateSettings(p.workspaceId, dto);
  }

  /**
   * The Stories page: the published feed as GET /api/stories gives it (q, tag and cursor checked
   * by the same FeedQueryDto), and for HR and admins the stories waiting for review: pending
   * ones and reported (hidden) ones, each read from the same feed with its status.
   */
  async storiesView(
    p: Principal,
    query: Record<string, unknown>,
  ): Promise<{ feed: FeedPage; filter: StoriesFilter; pending: FeedPage; hidden: FeedPage }> {
    // An empty box submits q= (and "any tag" tag=): no filter, as when the field is absent.
    const given = (name: string) =>
      typeof query[name] === 'string' && query[name].trim() === '' ? undefined : query[name];
    const dto = plainToInstance(FeedQueryDto, {
      q: given('q'),
      tag: given('tag'),
      cursor: given('cursor'),
    });
    const errors = await validate(dto, { whitelist: true, forbidNonWhitelisted: true });
    if (errors.length) {
      const message = errors.flatMap((e) => Object.values(e.constraints ?? {})).join('; ');
      throw new DomainError('validation_failed', message);
    }
    const filter: StoriesFilter = { q: dto.q, tag: dto.tag, cursor: dto.cursor };
    const none: FeedPage = { items: [], nextCursor: null };
    const reviewer = p.role === 'hr' || p.role === 'admin';
    const [feed, pending, hidden] = await Promise.all([
      this.stories.feed(p, { q: dto.q, tag: dto.tag, cursor: dto.cursor }),
      reviewer ? this.stories.feed(p, { status: 'pending', limit: 50 }) : none,
      reviewer ? this.stories.feed(p, { status: 'hidden', limit: 50 }) : none,
    ]);
    return { feed, filter, pending, hidden };
  }

  /** What POST /api/stories/:id/approve and /reject do; the HR message then says "in the dashboard". */
  async reviewStory(p: Principal, id: string, decision: Decision) {
    const { outcome } = await this.stories.decideAsPrincipal(p, id, decision, 'dashboard');
    return outcome;
  }

  /** What DELETE /api/stories/:id does (admins only, as there). */
  deleteStory(p: Principal, id: string) {
    return this.stories.remove(p, id);
  }

  private pickSurvey(surveys: SurveyView[], surveyId: string | undefined): SurveyView | null {
    if (surveyId) {
      const found = surveys.find((s) => s.id === surveyId);
      if (!found) throw notFound('Survey');
      return found;
    }
    const withClosed = surveys
      .map((s) => ({ s, last: latestClosed(s.rounds) }))
      .filter((x) => x.last)
      .sort((a, b) => b.last!.closedAt!.localeCompare(a.last!.closedAt!));
    return withClosed[0]?.s ?? surveys[0] ?? null;
  }
}
