/** The shapes of a pulse survey's questions, shared by templates, rotation, Slack and results. */

export type QuestionKind = 'scale5' | 'enps' | 'text' | 'choice';

export interface QuestionDef {
  id: string;
  kind: QuestionKind;
  prompt: string;
  options?: string[];
}

/** A survey's recurring schedule: when rounds open, at a local time in each agent's own zone. */
export interface SurveySchedule {
  /** An RFC 5545 recurrence rule, checked by schedule/recurrence.ts */
  rrule: string;
  /** HH:mm */
  localTime: string;
}

export interface HeadlineFigures {
  mean: number | null;
  favorability: number | null;
  enps: number | null;
}

export interface PulseStatusInput {
  openRounds: { roundId: string; title: string; closesAt: Date; questionCount: number }[];
  timeZone: string;
  k: number;
  teamResults: {
    title: string;
    closedAt: Date;
    respondents: number;
    highlights: ({ prompt: string } & HeadlineFigures)[];
  } | null;
}

// Shapes other features use, from pulse's own modules (docs/architecture.md, Boundaries).
export type { PublishedQuestion } from './result-building/round-results';
export type { SurveyTemplate } from './templates/pulse-templates';
