import { Injectable } from '@nestjs/common';
import { assertOccursWithinYear, parseRecurrence } from './schedule/recurrence';
import { Clock } from '../common/clock';
import { DomainError, notFound } from '../common/errors';
import { TeamsService } from '../teams/teams.service';
import type { CreateSurveyDto } from './dto/survey.dto';
import { SurveyEntity } from './entities/survey.entity';
import type { QuestionDef } from './pulse.types';
import { SurveysRepository } from './surveys.repository';
import { PULSE_TEMPLATES, SurveyTemplate } from './templates/pulse-templates';

@Injectable()
export class SurveysService {
  constructor(
    private readonly surveysRepository: SurveysRepository,
    private readonly teamsService: TeamsService,
    private readonly clock: Clock,
  ) {}

  templates(): readonly SurveyTemplate[] {
    return PULSE_TEMPLATES;
  }

  async create(workspaceId: string, input: CreateSurveyDto): Promise<SurveyEntity> {
    const questions = normalizeQuestions(input.questions);
    const now = this.clock.now();
    if (input.schedule) {
      assertOccursWithinYear(parseRecurrence(input.schedule.rrule, now), now);
    }
    if (
      input.reminderAfterHours !== undefined &&
      input.reminderAfterHours >= (input.windowHours ?? 72)
    ) {
      throw new DomainError(
        'validation_failed',
        'reminderAfterHours must be less than windowHours',
      );
    }
    for (const teamId of input.audienceTeamIds ?? [])
      await this.teamsService.get(workspaceId, teamId);
    return this.surveysRepository.create({
      workspaceId,
      title: input.title.trim(),
      questions,
      questionsPerRound: input.questionsPerRound ?? null,
      audienceTeamIds: input.audienceTeamIds?.length ? input.audienceTeamIds : null,
      scheduleRrule: input.schedule?.rrule ?? null,
      scheduleLocalTime: input.schedule?.localTime ?? null,
      windowHours: input.windowHours ?? 72,
      reminderAfterHours: input.reminderAfterHours ?? null,
      // The schedule's first day: the injected clock's, never the database's now().
      createdAt: now,
    });
  }

  list(workspaceId: string): Promise<SurveyEntity[]> {
    return this.surveysRepository.list(workspaceId);
  }

  async get(workspaceId: string, id: string): Promise<SurveyEntity> {
    const survey = await this.surveysRepository.findInWorkspace(workspaceId, id);
    if (!survey) throw notFound('Survey');
    return survey;
  }
}

/** Ids are generated where absent and must be unique; choice questions need options. */
export function normalizeQuestions(
  input: { id?: string; kind: QuestionDef['kind']; prompt: string; options?: string[] }[],
): QuestionDef[] {
  const questions = input.map((q, i) => ({
    id: q.id ?? `q${i + 1}`,
    kind: q.kind,
    prompt: q.prompt.trim(),
    ...(q.kind === 'choice' ? { options: q.options } : {}),
  }));
  const seen = new Set<string>();
  for (const q of questions) {
    if (seen.has(q.id))
      throw new DomainError('validation_failed', `questions.id "${q.id}" is used twice`);
    seen.add(q.id);
    if (q.kind === 'choice' && (!q.options || q.options.length < 2)) {
      throw new DomainError(
        'validation_failed',
        `questions.options: choice question "${q.id}" needs 2 to 20 options`,
      );
    }
    if (q.kind === 'choice' && new Set(q.options).size !== q.options!.length) {
      throw new DomainError(
        'validation_failed',
        `questions.options: choice question "${q.id}" repeats an option`,
      );
    }
  }
  if (!questions.some((q) => q.kind !== 'text')) {
    throw new DomainError(
      'validation_failed',
      'questions: at least one question must be scale5, enps or choice',
    );
  }
  return questions;
}
