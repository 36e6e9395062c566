/**
 * Built-in question sets a survey can start from (`GET /api/surveys/templates`).
 *
 * Question ids are stable: results of a recurring survey are compared across rounds by id, so an
 * id is never renamed or reused for a different prompt — add a new question instead.
 * Everything here is frozen; copy a template before editing it into a survey.
 */
import type { QuestionDef, SurveySchedule } from '../pulse.types';

export interface SurveyTemplate {
  id: string;
  title: string;
  description: string;
  questions: QuestionDef[];
  /** How many rotating (non-text) questions one round asks; text questions come on top. */
  questionsPerRound: number;
  suggestedSchedule: SurveySchedule | null;
}

const ENPS_PROMPT = 'How likely are you to recommend working on this team to a friend?';

function scale5(id: string, prompt: string): QuestionDef {
  return { id, kind: 'scale5', prompt };
}

function text(id: string, prompt: string): QuestionDef {
  return { id, kind: 'text', prompt };
}

const weeklyPulse: SurveyTemplate = {
  id: 'weekly-pulse',
  title: 'Weekly pulse',
  description:
    'One question a week, answered with one tap from the DM. Rotates through workload, support and morale.',
  questions: [
    scale5('manageable-week', 'My workload this week was manageable.'),
    scale5('good-week', 'I had a good week at work.'),
    scale5('supported-by-team', 'I felt supported by my team this week.'),
    scale5('energy-end-of-shift', 'I finished my shifts with energy left for my own life.'),
    scale5('proud-of-work', 'I am proud of the help I gave customers this week.'),
    scale5('blockers-cleared', 'When something blocked me, I knew who could help.'),
  ],
  // One rotating question and no comment box: the DM stays a one-tap answer.
  questionsPerRound: 1,
  suggestedSchedule: { rrule: 'FREQ=WEEKLY;BYDAY=TH', localTime: '15:00' },
};

const enps: SurveyTemplate = {
  id: 'enps',
  title: 'Team eNPS',
  description:
    'The employee Net Promoter Score, with one optional question on what would raise it.',
  questions: [
    { id: 'enps', kind: 'enps', prompt: ENPS_PROMPT },
    text('enps-improve', 'What one change would make you more likely to recommend this team?'),
  ],
  questionsPerRound: 1,
  suggestedSchedule: { rrule: 'FREQ=MONTHLY;INTERVAL=3;BYDAY=1TH', localTime: '15:00' },
};

const workload: SurveyTemplate = {
  id: 'workload',
  title: 'Workload check',
  description: 'Queue volume, pace and the work that happens after a contact closes.',
  questions: [
    scale5('queue-manageable', 'The volume in my queue is manageable.'),
    scale5('time-per-contact', 'I have enough time to handle each contact properly.'),
    scale5('after-contact-time', 'I have enough time for notes and follow-ups after each contact.'),
    scale5('breaks-taken', 'I can take my breaks when I need them.'),
    text('workload-comment', 'What would make your workload more manageable?'),
  ],
  questionsPerRound: 4,
  suggestedSchedule: { rrule: 'FREQ=WEEKLY;INTERVAL=2;BYDAY=TH', localTime: '15:00' },
};

const recognition: SurveyTemplate = {
  id: 'recognition',
  title: 'Recognition',
  description: 'Whether good work is seen, by the team lead, by peers and beyond support.',
  questions: [
    scale5('recognised-recently', 'I have been recognised for good work in the last two weeks.'),
    scale5('lead-notices', 'My team lead notices when I handle a tough case well.'),
    scale5('peers-appreciate', 'My teammates appreciate the help I give them.'),
    scale5('company-values-support', 'The rest of the company values what support does.'),
    text('recognition-comment', 'Whose work deserves more recognition, and why?'),
  ],
  questionsPerRound: 4,
  suggestedSchedule: { rrule: 'FREQ=MONTHLY;BYDAY=1TH', localTime: '15:00' },
};

const wellbeing: SurveyTemplate = {
  id: 'wellbeing',
  title: 'Wellbeing',
  description: 'Stress, rest and whether work follows people home.',
  questions: [
    scale5('switch-off', 'I can switch off from work when my shift ends.'),
    scale5('stress-manageable', 'My stress level at work is manageable.'),
    scale5('safe-to-say-struggling', 'I feel safe telling my team lead when I am struggling.'),
    scale5('rested', 'I start most shifts feeling rested.'),
    text('wellbeing-comment', 'Is there anything that would help your wellbeing at work?'),
  ],
  questionsPerRound: 4,
  suggestedSchedule: { rrule: 'FREQ=WEEKLY;INTERVAL=2;BYDAY=TH', localTime: '15:00' },
};

const supportBank: SurveyTemplate = {
  id: 'support-bank',
  title: 'Support team pulse',
  description:
    'A bank written for customer-support teams: difficult customers, tooling, after-contact work, recognition, manager support, wellbeing and eNPS. Each round asks a few and rotates, so nobody sees a repeat before every question has been asked.',
  questions: [
    // Difficult customers
    scale5('difficult-customers', 'I can handle difficult customers without it following me home.'),
    scale5('backed-on-escalation', 'When a customer is abusive, I know I will be backed up.'),
    scale5('can-end-abusive-contact', 'I am allowed to end a contact that becomes abusive.'),
    // Tooling friction
    scale5('tools-help', 'Our support tools help me more than they slow me down.'),
    scale5('find-answers-fast', 'I can find the answer to a customer question quickly.'),
    {
      id: 'biggest-tool-friction',
      kind: 'choice',
      prompt: 'What slowed you down most this week?',
      options: [
        'The helpdesk or ticketing tool',
        'Finding answers in the knowledge base',
        'Waiting on other teams',
        'Switching between too many tools',
        'Nothing in particular',
      ],
    },
    // After-contact workload
    scale5('after-contact-time', 'I have enough time for notes and follow-ups after each contact.'),
    scale5('queue-manageable', 'The volume in my queue is manageable.'),
    // Recognition
    scale5('recognised-recently', 'I have been recognised for good work in the last two weeks.'),
    scale5('company-values-support', 'The rest of the company values what support does.'),
    // Manager support
    scale5('lead-has-time', 'My team lead makes time for me when I need help.'),
    scale5('feedback-useful', 'The feedback I get on my contacts helps me improve.'),
    // Wellbeing
    scale5('switch-off', 'I can switch off from work when my shift ends.'),
    scale5('breaks-taken', 'I can take my breaks when I need them.'),
    // eNPS
    { id: 'enps', kind: 'enps', prompt: ENPS_PROMPT },
    // The comments box, appended to every round.
    text('anything-for-hr', 'Anything you want HR to know?'),
  ],
  questionsPerRound: 3,
  suggestedSchedule: { rrule: 'FREQ=WEEKLY;BYDAY=TH', localTime: '15:00' },
};

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

export const PULSE_TEMPLATES: readonly SurveyTemplate[] = deepFreeze([
  weeklyPulse,
  enps,
  workload,
  recognition,
  wellbeing,
  supportBank,
]);

export function templateById(id: string): SurveyTemplate | undefined {
  return PULSE_TEMPLATES.find((template) => template.id === id);
}
