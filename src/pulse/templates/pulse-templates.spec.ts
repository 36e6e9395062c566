import { PULSE_TEMPLATES, templateById } from './pulse-templates';

const KEBAB = /^[a-z0-9]+(-[a-z0-9]+)*$/;

describe('PULSE_TEMPLATES', () => {
  it('has the six built-in templates with unique ids', () => {
    const ids = PULSE_TEMPLATES.map((t) => t.id);
    expect(ids).toEqual(
      expect.arrayContaining([
        'weekly-pulse',
        'enps',
        'workload',
        'recognition',
        'wellbeing',
        'support-bank',
      ]),
    );
    expect(new Set(ids).size).toBe(ids.length);
  });

  describe.each(PULSE_TEMPLATES.map((t) => [t.id, t] as const))('%s', (_id, template) => {
    it('has stable kebab-case question ids, unique within the template', () => {
      const ids = template.questions.map((q) => q.id);
      for (const id of ids) expect(id).toMatch(KEBAB);
      expect(new Set(ids).size).toBe(ids.length);
    });

    it('has a title, a description and non-empty prompts within Slack’s label limit', () => {
      expect(template.title.trim()).not.toBe('');
      expect(template.description.trim()).not.toBe('');
      for (const q of template.questions) {
        expect(q.prompt.trim()).not.toBe('');
        expect(q.prompt.length).toBeLessThanOrEqual(2000);
      }
    });

    it('gives options only to choice questions, each short enough for a Slack option', () => {
      for (const q of template.questions) {
        if (q.kind === 'choice') {
          expect(q.options?.length).toBeGreaterThanOrEqual(2);
          for (const option of q.options!) expect(option.length).toBeLessThanOrEqual(75);
        } else {
          expect(q.options).toBeUndefined();
        }
      }
    });

    it('asks between 1 and the number of rotating questions per round', () => {
      const rotating = template.questions.filter((q) => q.kind !== 'text').length;
      expect(template.questionsPerRound).toBeGreaterThanOrEqual(1);
      expect(template.questionsPerRound).toBeLessThanOrEqual(rotating);
    });

    it('suggests a weekly-or-slower RRULE at 15:00', () => {
      const schedule = template.suggestedSchedule;
      if (schedule === null) return;
      expect(schedule.rrule).toMatch(/^FREQ=(WEEKLY|MONTHLY)(;[A-Z]+=[A-Z0-9,-]+)*$/);
      expect(schedule.rrule).toMatch(/BYDAY=/);
      expect(schedule.localTime).toBe('15:00');
    });
  });

  it('is frozen, so nobody edits a template in place', () => {
    const template = templateById('support-bank')!;
    expect(Object.isFrozen(PULSE_TEMPLATES)).toBe(true);
    expect(Object.isFrozen(template.questions)).toBe(true);
    expect(Object.isFrozen(template.questions[0])).toBe(true);
  });
});

describe('support-bank', () => {
  const bank = templateById('support-bank')!;

  it('holds at least 14 rotating questions plus the optional comment for HR', () => {
    expect(bank.questions.filter((q) => q.kind !== 'text').length).toBeGreaterThanOrEqual(14);
    const texts = bank.questions.filter((q) => q.kind === 'text');
    expect(texts.map((q) => q.prompt)).toEqual(['Anything you want HR to know?']);
  });

  it('has exactly one eNPS question with the standard prompt', () => {
    const enps = bank.questions.filter((q) => q.kind === 'enps');
    expect(enps).toHaveLength(1);
    expect(enps[0].prompt).toBe(
      'How likely are you to recommend working on this team to a friend?',
    );
  });

  it.each([
    ['difficult customers', /customer/i],
    ['tooling friction', /tool|find the answer/i],
    ['after-contact workload', /after each contact/i],
    ['recognition', /recognised|values what support does/i],
    ['manager support', /team lead|feedback/i],
    ['wellbeing', /switch off|breaks/i],
  ])('covers %s', (_topic, pattern) => {
    expect(bank.questions.some((q) => q.kind !== 'text' && pattern.test(q.prompt))).toBe(true);
  });

  it('words scale5 prompts as first-person statements, not questions', () => {
    for (const q of bank.questions.filter((q) => q.kind === 'scale5')) {
      expect(q.prompt).toMatch(/\b(I|My|The|Our|When)\b/);
      expect(q.prompt.endsWith('?')).toBe(false);
    }
  });

  it('includes the example prompt on difficult customers', () => {
    expect(bank.questions.map((q) => q.prompt)).toContain(
      'I can handle difficult customers without it following me home.',
    );
  });
});

describe('templateById', () => {
  it('finds a template by id', () => {
    expect(templateById('enps')?.questions[0].kind).toBe('enps');
  });

  it('returns undefined for an unknown id', () => {
    expect(templateById('nope')).toBeUndefined();
  });
});
