import type {
  ActionsBlock,
  Button,
  ContextBlock,
  InputBlock,
  KnownBlock,
  PlainTextInput,
  RadioButtons,
  SectionBlock,
  StaticSelect,
} from '@slack/types';
import type { QuestionDef } from '../pulse.types';
import {
  alreadyAnsweredText,
  hrSummaryMessage,
  notInvitedText,
  parseModalSubmission,
  privacyLine,
  pulseAnsweredMessage,
  pulseDmMessage,
  pulseHelpMessage,
  dashboardLinkMessage,
  dashboardRefusedMessage,
  pulseModalView,
  pulseStatusMessage,
  roundClosedText,
  type SlackStateValues,
  unknownPulseCommand,
} from './pulse.blocks';

/** Slack refuses a section whose text is longer than this. */
const SECTION_TEXT_LIMIT = 3000;

function sections(blocks: KnownBlock[]): SectionBlock[] {
  return blocks.filter((b): b is SectionBlock => b.type === 'section');
}

function sectionTexts(blocks: KnownBlock[]): string[] {
  return sections(blocks).map((s) => s.text?.text ?? '');
}

describe('pulseHelpMessage', () => {
  it.each([3, 5, 12])('states the anonymity threshold %i in the anonymity line', (k) => {
    const texts = sectionTexts(pulseHelpMessage(k).blocks).join('\n');
    const anonymityLine = texts.split('\n').find((line) => line.includes('*Anonymity*'));
    expect(anonymityLine).toBeDefined();
    expect(anonymityLine).toContain(`at least ${k} people`);
  });

  it('says Pulsedesk records whether, never what', () => {
    const texts = sectionTexts(pulseHelpMessage(5).blocks).join('\n');
    expect(texts).toMatch(/_whether_ you answered/);
    expect(texts).toMatch(/never _what_/);
  });

  it('lists the commands that work: /pulse, /pulse dashboard, /pulse help and /focus, nothing not built yet', () => {
    const texts = sectionTexts(pulseHelpMessage(5).blocks).join('\n');
    expect(texts).toContain('`/pulse`');
    expect(texts).toContain('`/pulse dashboard`');
    expect(texts).toContain('`/pulse help`');
    expect(texts).toContain('`/focus 45m`');
    expect(texts).not.toMatch(/\/story/);
  });

  it('gives the dashboard link with its lifetime, and a refusal without any link', () => {
    const url = 'https://pulse.example.com/auth/link/abc_DEF-123';
    const link = sectionTexts(dashboardLinkMessage(url, 15).blocks).join('\n');
    expect(link).toContain(`<${url}|Open the Pulsedesk dashboard>`);
    expect(link).toContain('15 minutes');
    for (const reason of ['agent', 'lead_without_team', 'unknown_person'] as const) {
      const refusal = dashboardRefusedMessage(reason);
      expect(refusal.text).not.toContain('/auth/link/');
      expect(refusal.text.length).toBeGreaterThan(20);
    }
  });

  it('has a fallback text for notifications', () => {
    expect(pulseHelpMessage(5).text).toContain('Pulsedesk');
  });

  it('uses mrkdwn sections of at most 3000 characters, even for a large threshold', () => {
    const { blocks } = pulseHelpMessage(1000);
    expect(sections(blocks).length).toBeGreaterThan(0);
    for (const section of sections(blocks)) {
      expect(section.text?.type).toBe('mrkdwn');
      expect(section.text!.text.length).toBeGreaterThan(0);
      expect(section.text!.text.length).toBeLessThanOrEqual(SECTION_TEXT_LIMIT);
    }
  });
});

describe('unknownPulseCommand', () => {
  it('echoes the text and points to /pulse help', () => {
    const message = unknownPulseCommand('results now');
    expect(message.text).toContain('`/pulse results now`');
    expect(message.text).toContain('/pulse help');
    const [text] = sectionTexts(message.blocks);
    expect(text).toContain('`/pulse results now`');
    expect(text).toContain('`/pulse help`');
  });

  it('shows the same words in the fallback text and the block', () => {
    const message = unknownPulseCommand('xyz');
    expect(sectionTexts(message.blocks)).toEqual([message.text]);
  });

  it('cuts a very long echo so the block stays within Slack’s 3000-character limit', () => {
    const message = unknownPulseCommand('x'.repeat(2990));
    const section = message.blocks[0] as { text: { text: string } };
    expect(section.text.text.length).toBeLessThanOrEqual(3000);
    expect(section.text.text).toContain('/pulse help');
    expect(section.text.text).toContain('…');
  });
});

// --- pulse delivery ---------------------------------------------------------------------------

const ROUND_ID = '3f6c1d9e-8a41-4b8e-9d4c-2f0a7e5b1c11';
const CLOSES_AT = new Date('2025-11-27T16:00:00Z'); // a Thursday
const BERLIN = 'Europe/Berlin';

const mood: QuestionDef = { id: 'mood', kind: 'scale5', prompt: 'I had a good week at work.' };
const enps: QuestionDef = {
  id: 'enps',
  kind: 'enps',
  prompt: 'How likely are you to recommend working on this team to a friend?',
};
const colour: QuestionDef = {
  id: 'colour',
  kind: 'choice',
  prompt: 'Which colour is our queue today?',
  options: ['Green', 'Purple', 'Red'],
};
const comment: QuestionDef = {
  id: 'comment',
  kind: 'text',
  prompt: 'Anything you want HR to know?',
};

/** A prompt/title full of characters that grow when escaped, far past every Slack limit. */
const LONG = 'Tickets & <escalations> '.repeat(400);

function findAll<T>(blocks: unknown[], type: string): T[] {
  return blocks.filter((b) => (b as { type: string }).type === type) as T[];
}

/** Checks Slack's limits on every section text, button text and option text, however nested. */
function expectWithinSlackLimits(blocks: unknown[]): void {
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (node === null || typeof node !== 'object') return;
    const n = node as Record<string, unknown>;
    if (n.type === 'section' && n.text) {
      expect((n.text as { text: string }).text.length).toBeLessThanOrEqual(3000);
    }
    if (n.type === 'button') {
      expect((n.text as { text: string }).text.length).toBeLessThanOrEqual(75);
    }
    if (Array.isArray(n.options)) {
      for (const option of n.options as { text: { text: string } }[]) {
        expect(option.text.text.length).toBeLessThanOrEqual(75);
      }
    }
    Object.values(n).forEach(visit);
  };
  visit(blocks);
}

function stateOf(
  answers: Record<string, { selected?: string | null; text?: string | null }>,
): SlackStateValues {
  const values: SlackStateValues = {};
  for (const [questionId, answer] of Object.entries(answers)) {
    values[`q:${questionId}`] = {
      answer:
        'text' in answer
          ? { type: 'plain_text_input', value: answer.text }
          : {
              type: 'radio_buttons',
              selected_option: answer.selected == null ? null : { value: answer.selected },
            },
    };
  }
  return values;
}

describe('privacyLine', () => {
  it('says whether, never what, and the group size', () => {
    const line = privacyLine(7);
    expect(line).toContain('_whether_ you answered');
    expect(line).toContain('count participation');
    expect(line).toContain('never _what_');
    expect(line).toContain('at least 7 people');
    expect(line).not.toContain('\n');
  });
});

describe('pulseDmMessage', () => {
  const base = {
    roundId: ROUND_ID,
    title: 'Weekly pulse',
    closesAt: CLOSES_AT,
    timeZone: BERLIN,
    k: 5,
  };

  it('answers a single scale5 question with five one-tap buttons, score first', () => {
    const { blocks } = pulseDmMessage({ ...base, questions: [mood] });
    const [scores] = findAll<ActionsBlock>(blocks, 'actions');
    expect(scores.block_id).toBe('pulse_scores');
    const buttons = scores.elements as Button[];
    expect(buttons.map((b) => b.text.text)).toEqual([
      '1 · Strongly disagree',
      '2 · Disagree',
      '3 · Neutral',
      '4 · Agree',
      '5 · Strongly agree',
    ]);
    expect(buttons.map((b) => b.action_id)).toEqual([
      'pulse_score_1',
      'pulse_score_2',
      'pulse_score_3',
      'pulse_score_4',
      'pulse_score_5',
    ]);
    // The value says which round, never a score.
    expect(buttons.every((b) => b.value === ROUND_ID)).toBe(true);
    expect(JSON.stringify(blocks)).not.toContain('pulse_open_modal');
    expect(JSON.stringify(blocks)).toContain(mood.prompt);
  });

  it('sends a single eNPS question to the modal: 11 options are not one-tap', () => {
    const { blocks } = pulseDmMessage({ ...base, questions: [enps] });
    const actions = findAll<ActionsBlock>(blocks, 'actions');
    expect(actions).toHaveLength(1);
    expect(actions[0].block_id).toBeUndefined();
    const [button] = actions[0].elements as Button[];
    expect(button).toMatchObject({
      action_id: 'pulse_open_modal',
      value: ROUND_ID,
      style: 'primary',
    });
    expect(button.text.text).toBe('Answer');
    expect(JSON.stringify(blocks)).not.toContain('pulse_score_');
    expect(JSON.stringify(blocks)).toContain('1 question,');
  });

  it.each([
    ['several questions', [mood, enps, comment], '3 questions'],
    ['a lone text question', [comment], '1 question,'],
    ['a lone choice question', [colour], '1 question,'],
  ])('opens the modal for %s and says how many questions', (_case, questions, count) => {
    const { blocks } = pulseDmMessage({ ...base, questions });
    const buttons = findAll<ActionsBlock>(blocks, 'actions').flatMap((a) => a.elements as Button[]);
    expect(buttons.map((b) => b.action_id)).toEqual(['pulse_open_modal']);
    expect(sectionTexts(blocks).join('\n')).toContain(count);
  });

  it('shows the close time in the agent’s time zone', () => {
    const berlin = sectionTexts(pulseDmMessage({ ...base, questions: [mood] }).blocks)[0];
    expect(berlin).toContain('Open until Thu 27 Nov, 17:00');
    const newYork = pulseDmMessage({ ...base, timeZone: 'America/New_York', questions: [mood] });
    expect(sectionTexts(newYork.blocks)[0]).toContain('Open until Thu 27 Nov, 11:00');
  });

  it('falls back to UTC, and says so, for a time zone it does not know', () => {
    const { blocks } = pulseDmMessage({ ...base, timeZone: 'Not/AZone', questions: [mood] });
    expect(sectionTexts(blocks)[0]).toContain('Thu 27 Nov, 16:00 UTC');
  });

  it('always ends with the privacy line', () => {
    for (const questions of [[mood], [mood, comment]]) {
      const { blocks } = pulseDmMessage({ ...base, k: 6, questions });
      const last = blocks[blocks.length - 1] as ContextBlock;
      expect(last.type).toBe('context');
      expect(last.elements).toEqual([{ type: 'mrkdwn', text: privacyLine(6) }]);
    }
  });

  it('turns the intro into a gentle reminder', () => {
    const first = pulseDmMessage({ ...base, questions: [mood] });
    const reminder = pulseDmMessage({ ...base, questions: [mood], reminder: true });
    expect(sectionTexts(reminder.blocks)[0]).toMatch(
      /^Gentle reminder: \*Weekly pulse\* is still open until/,
    );
    expect(reminder.text).toMatch(/^Reminder:/);
    expect(sectionTexts(first.blocks)[0]).not.toMatch(/reminder/i);
    // Still answerable the same way.
    expect(findAll<ActionsBlock>(reminder.blocks, 'actions')[0].block_id).toBe('pulse_scores');
  });

  it('escapes the title and prompt for mrkdwn', () => {
    const message = pulseDmMessage({
      ...base,
      title: 'Q&A <team>',
      questions: [{ ...mood, prompt: 'I <3 my queue & tools' }],
    });
    const texts = sectionTexts(message.blocks).join('\n');
    expect(texts).toContain('Q&amp;A &lt;team&gt;');
    expect(texts).toContain('I &lt;3 my queue &amp; tools');
    expect(message.text).toContain('Q&amp;A &lt;team&gt;');
    expect(JSON.stringify(message)).not.toContain('<team>');
  });

  it('stays within Slack’s limits with a very long title and prompt', () => {
    for (const questions of [[{ ...mood, prompt: LONG }], [{ ...enps, prompt: LONG }, comment]]) {
      const message = pulseDmMessage({ ...base, title: LONG, questions });
      expectWithinSlackLimits(message.blocks);
      expect(sectionTexts(message.blocks).join('')).toContain('…');
      // Cutting never leaves half an entity behind.
      expect(sectionTexts(message.blocks).join('')).not.toMatch(/&(a|am|amp|l|lt|g|gt)?…/);
    }
  });
});

describe('pulseModalView', () => {
  const base = { roundId: ROUND_ID, title: 'Weekly pulse', k: 5 };
  const inputs = (questions: QuestionDef[]) =>
    findAll<InputBlock>(pulseModalView({ ...base, questions }).blocks, 'input');

  it('is the answer modal, carrying the round id in its metadata', () => {
    const view = pulseModalView({ ...base, questions: [mood, comment] });
    expect(view.type).toBe('modal');
    expect(view.callback_id).toBe('pulse_answer');
    expect(JSON.parse(view.private_metadata!)).toEqual({ roundId: ROUND_ID });
    expect(view.title.text).toBe('Weekly pulse');
    expect(view.submit?.text).toBe('Submit');
    expect(view.close?.text).toBe('Cancel');
  });

  it('cuts a long title to 24 characters with an ellipsis, but shows it whole inside', () => {
    const title = 'Support team pulse for the week of the big launch';
    const view = pulseModalView({ ...base, title, questions: [mood] });
    expect(view.title.text.length).toBeLessThanOrEqual(24);
    expect(view.title.text.endsWith('…')).toBe(true);
    expect(sectionTexts(view.blocks as KnownBlock[])[0]).toContain(title);
  });

  it('asks scale5 with five radio buttons whose text starts with the score', () => {
    const [block] = inputs([mood]);
    expect(block.block_id).toBe('q:mood');
    expect(block.label.text).toBe(mood.prompt);
    expect(block.optional).toBeFalsy();
    const element = block.element as RadioButtons;
    expect(element.type).toBe('radio_buttons');
    expect(element.action_id).toBe('answer');
    expect(element.options.map((o) => o.value)).toEqual(['1', '2', '3', '4', '5']);
    element.options.forEach((o, i) => expect(o.text.text.startsWith(`${i + 1} · `)).toBe(true));
    expect(element.options[0].text.text).toBe('1 · Strongly disagree');
    expect(element.options[4].text.text).toBe('5 · Strongly agree');
  });

  it('asks eNPS with a select of 11 options from 0 to 10, score first', () => {
    const [block] = inputs([enps]);
    const element = block.element as StaticSelect;
    expect(element.type).toBe('static_select');
    expect(element.action_id).toBe('answer');
    const options = element.options!;
    expect(options).toHaveLength(11);
    expect(options.map((o) => o.value)).toEqual([
      '0',
      '1',
      '2',
      '3',
      '4',
      '5',
      '6',
      '7',
      '8',
      '9',
      '10',
    ]);
    options.forEach((o, i) => expect(o.text.text).toMatch(new RegExp(`^${i}( · |$)`)));
    expect(options[0].text.text).toBe('0 · Not at all likely');
    expect(options[10].text.text).toBe('10 · Extremely likely');
  });

  it('asks a choice with radio buttons up to 10 options, valued by index', () => {
    const element = inputs([colour])[0].element as RadioButtons;
    expect(element.type).toBe('radio_buttons');
    expect(element.options.map((o) => [o.value, o.text.text])).toEqual([
      ['0', 'Green'],
      ['1', 'Purple'],
      ['2', 'Red'],
    ]);
  });

  it('asks a choice with more than 10 options with a select', () => {
    const many = { ...colour, options: Array.from({ length: 11 }, (_, i) => `Option ${i}`) };
    const element = inputs([many])[0].element as StaticSelect;
    expect(element.type).toBe('static_select');
    expect(element.options).toHaveLength(11);
    expect(element.options![10].value).toBe('10');
  });

  it('asks text with an optional multi-line input of at most 1000 characters', () => {
    const [block] = inputs([comment]);
    expect(block.optional).toBe(true);
    expect(block.element).toEqual<PlainTextInput>({
      type: 'plain_text_input',
      action_id: 'answer',
      multiline: true,
      max_length: 1000,
    });
  });

  it('ends with the privacy line', () => {
    const { blocks } = pulseModalView({ ...base, k: 4, questions: [mood] });
    expect(blocks[blocks.length - 1]).toEqual({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: privacyLine(4) }],
    });
  });

  it('stays within Slack’s limits with a long title, prompt and options', () => {
    const view = pulseModalView({
      ...base,
      title: LONG,
      questions: [
        { ...mood, prompt: LONG },
        { ...colour, options: [LONG, 'Short'] },
        { ...enps, prompt: LONG },
      ],
    });
    expect(view.title.text.length).toBeLessThanOrEqual(24);
    const blocks = findAll<InputBlock>(view.blocks, 'input');
    for (const block of blocks) expect(block.label.text.length).toBeLessThanOrEqual(2000);
    expectWithinSlackLimits(view.blocks);
  });

  it('holds 98 questions in 100 blocks and refuses more', () => {
    const questions = (n: number) =>
      Array.from({ length: n }, (_, i): QuestionDef => ({
        id: `q${i}`,
        kind: 'scale5',
        prompt: `P${i}`,
      }));
    expect(pulseModalView({ ...base, questions: questions(98) }).blocks).toHaveLength(100);
    expect(() => pulseModalView({ ...base, questions: questions(99) })).toThrow(RangeError);
  });

  it('refuses duplicate question ids and a choice without options', () => {
    expect(() => pulseModalView({ ...base, questions: [mood, mood] })).toThrow(RangeError);
    expect(() => pulseModalView({ ...base, questions: [{ ...colour, options: [] }] })).toThrow(
      RangeError,
    );
  });
});

describe('parseModalSubmission', () => {
  const questions = [mood, enps, colour, comment];

  it('reads every answer, choice as the option text and the comment trimmed', () => {
    const result = parseModalSubmission(
      questions,
      stateOf({
        mood: { selected: '4' },
        enps: { selected: '10' },
        colour: { selected: '2' },
        comment: { text: '  Fine.  ' },
      }),
    );
    expect(result).toEqual({
      ok: true,
      answers: [
        { questionId: 'mood', value: '4' },
        { questionId: 'enps', value: '10' },
        { questionId: 'colour', value: 'Red' },
        { questionId: 'comment', value: 'Fine.' },
      ],
    });
  });

  it.each([
    ['missing', undefined],
    ['blank', { text: '   \n ' }],
    ['null', { text: null }],
  ])('leaves out a %s comment', (_case, answer) => {
    const state = stateOf({
      mood: { selected: '1' },
      enps: { selected: '0' },
      colour: { selected: '0' },
    });
    if (answer) Object.assign(state, stateOf({ comment: answer }));
    const result = parseModalSubmission(questions, state);
    expect(result).toEqual({
      ok: true,
      answers: [
        { questionId: 'mood', value: '1' },
        { questionId: 'enps', value: '0' },
        { questionId: 'colour', value: 'Green' },
      ],
    });
  });

  it.each([
    ['mood', 'scale5'],
    ['enps', 'enps'],
    ['colour', 'choice'],
  ])('requires an answer to %s (%s), keyed by block id', (questionId) => {
    const answers: Record<string, { selected?: string | null }> = {
      mood: { selected: '3' },
      enps: { selected: '7' },
      colour: { selected: '1' },
    };
    answers[questionId] = { selected: null };
    expect(parseModalSubmission(questions, stateOf(answers))).toEqual({
      ok: false,
      errors: { [`q:${questionId}`]: 'Pick an answer.' },
    });
    delete answers[questionId];
    expect(parseModalSubmission(questions, stateOf(answers))).toEqual({
      ok: false,
      errors: { [`q:${questionId}`]: 'Pick an answer.' },
    });
  });

  it('reports every missing answer at once', () => {
    const result = parseModalSubmission(questions, {});
    expect(result).toEqual({
      ok: false,
      errors: {
        'q:mood': 'Pick an answer.',
        'q:enps': 'Pick an answer.',
        'q:colour': 'Pick an answer.',
      },
    });
  });

  it.each([
    ['mood', '6'],
    ['mood', '0'],
    ['mood', '04'],
    ['mood', '4.0'],
    ['mood', ' 4'],
    ['mood', 'Agree'],
    ['enps', '11'],
    ['enps', '-1'],
    ['enps', '1e1'],
    ['colour', '3'],
    ['colour', '-1'],
    ['colour', 'Purple'],
    ['colour', 'constructor'],
  ])('refuses a forged %s value %j', (questionId, forged) => {
    const answers: Record<string, { selected?: string | null }> = {
      mood: { selected: '3' },
      enps: { selected: '7' },
      colour: { selected: '1' },
    };
    answers[questionId] = { selected: forged };
    const result = parseModalSubmission(questions, stateOf(answers));
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(Object.keys(result.errors)).toEqual([`q:${questionId}`]);
      expect(result.errors[`q:${questionId}`]).toMatch(/not one of the options/);
    }
  });

  it('accepts a comment of exactly 1000 characters and refuses 1001', () => {
    const answer = (text: string) =>
      parseModalSubmission([comment], stateOf({ comment: { text } }));
    expect(answer('x'.repeat(1000))).toEqual({
      ok: true,
      answers: [{ questionId: 'comment', value: 'x'.repeat(1000) }],
    });
    expect(answer('x'.repeat(1001))).toEqual({
      ok: false,
      errors: { 'q:comment': 'Keep it under 1000 characters.' },
    });
  });

  it('ignores blocks that are not questions of the round', () => {
    const state = {
      ...stateOf({ mood: { selected: '5' } }),
      'q:other': { answer: { type: 'radio_buttons', selected_option: { value: '9' } } },
    };
    expect(parseModalSubmission([mood], state)).toEqual({
      ok: true,
      answers: [{ questionId: 'mood', value: '5' }],
    });
  });
});

describe('no Slack message ever contains an answer value', () => {
  const secret = 'my secret comment';
  const questions = [mood, colour, comment];
  const parsed = parseModalSubmission(
    questions,
    stateOf({ mood: { selected: '4' }, colour: { selected: '1' }, comment: { text: secret } }),
  );

  it('parses the distinctive answers (sanity check)', () => {
    expect(parsed).toEqual({
      ok: true,
      answers: [
        { questionId: 'mood', value: '4' },
        { questionId: 'colour', value: 'Purple' },
        { questionId: 'comment', value: secret },
      ],
    });
  });

  function expectNoAnswer(message: unknown): void {
    const json = JSON.stringify(message);
    expect(json).not.toContain(secret);
    expect(json).not.toContain('secret');
    expect(json).not.toContain('Purple');
    expect(json).not.toMatch(/4/); // k, dates and counts below are chosen without a 4
  }

  it('pulseAnsweredMessage holds none of them, even if a caller spreads the submission in', () => {
    expectNoAnswer(pulseAnsweredMessage({ title: 'Weekly pulse', k: 5 }));
    const careless = { ...parsed, title: 'Weekly pulse', k: 5 } as Parameters<
      typeof pulseAnsweredMessage
    >[0];
    expectNoAnswer(pulseAnsweredMessage(careless));
  });

  it('the other after-answer messages hold none of them either', () => {
    expectNoAnswer(alreadyAnsweredText('Weekly pulse'));
    expectNoAnswer(roundClosedText('Weekly pulse'));
    expectNoAnswer(notInvitedText());
    expectNoAnswer(
      pulseStatusMessage({ openRounds: [], timeZone: 'UTC', k: 5, teamResults: null }),
    );
  });

  it('says the answer was recorded anonymously, with the privacy line', () => {
    const message = pulseAnsweredMessage({ title: 'Weekly <pulse>', k: 5 });
    expect(message.text).toBe(
      'Thanks — your answer to *Weekly &lt;pulse&gt;* was recorded anonymously.',
    );
    expect(sectionTexts(message.blocks)[0]).toContain(message.text);
    expect(JSON.stringify(message.blocks)).toContain(JSON.stringify(privacyLine(5)).slice(1, -1));
  });
});

describe('short pulse replies', () => {
  it('alreadyAnsweredText says one answer per person, unchangeable', () => {
    expect(alreadyAnsweredText('Weekly pulse')).toBe(
      "You already answered *Weekly pulse* — one answer per person, and it can't be changed.",
    );
  });

  it('roundClosedText says the round is closed', () => {
    expect(roundClosedText('A & B')).toMatch(/^\*A &amp; B\* has closed/);
  });

  it('notInvitedText says the pulse was not sent to you', () => {
    expect(notInvitedText()).toMatch(/wasn't sent to you/);
  });

  it('cuts a very long title', () => {
    for (const text of [alreadyAnsweredText(LONG), roundClosedText(LONG)]) {
      expect(text.length).toBeLessThan(400);
      expect(text).toContain('…');
    }
  });
});

describe('pulseStatusMessage', () => {
  const round = (i: number) => ({
    roundId: `round-${i}`,
    title: `Pulse ${i}`,
    closesAt: CLOSES_AT,
    questionCount: 3,
  });
  const results = {
    title: 'Team eNPS & workload',
    closedAt: new Date('2025-11-20T16:00:00Z'),
    respondents: 8,
    highlights: [
      { prompt: 'My workload is manageable.', favorability: 72, mean: 3.86, enps: null },
      { prompt: 'Recommend <us>?', favorability: null, mean: 7.9, enps: 12 },
      { prompt: 'Detractors win', favorability: null, mean: 5, enps: -30 },
      { prompt: 'Suppressed one', favorability: null, mean: null, enps: null },
    ],
  };

  it('says there is no open pulse', () => {
    const message = pulseStatusMessage({
      openRounds: [],
      timeZone: BERLIN,
      k: 5,
      teamResults: null,
    });
    expect(sectionTexts(message.blocks)[0]).toBe('No open pulse right now.');
    expect(message.text).toBe('No open pulse right now.');
  });

  it('lists each open pulse with an Answer button carrying its round id', () => {
    const message = pulseStatusMessage({
      openRounds: [round(1), round(2)],
      timeZone: BERLIN,
      k: 5,
      teamResults: null,
    });
    const withButtons = findAll<SectionBlock>(message.blocks, 'section').filter((s) => s.accessory);
    expect(withButtons.map((s) => s.accessory)).toEqual([
      expect.objectContaining({ type: 'button', action_id: 'pulse_open_modal', value: 'round-1' }),
      expect.objectContaining({ type: 'button', action_id: 'pulse_open_modal', value: 'round-2' }),
    ]);
    expect(withButtons[0].text!.text).toBe('*Pulse 1*\n3 questions · open until Thu 27 Nov, 17:00');
  });

  it('lists at most 10 open pulses, then how many more', () => {
    const openRounds = Array.from({ length: 13 }, (_, i) => round(i));
    const message = pulseStatusMessage({ openRounds, timeZone: BERLIN, k: 5, teamResults: null });
    expect(
      findAll<SectionBlock>(message.blocks, 'section').filter((s) => s.accessory),
    ).toHaveLength(10);
    expect(sectionTexts(message.blocks)).toContain('… and 3 more.');
    expect(message.blocks.length).toBeLessThanOrEqual(50);
  });

  it('shows the team’s last results with their headline figures', () => {
    const message = pulseStatusMessage({
      openRounds: [],
      timeZone: BERLIN,
      k: 5,
      teamResults: results,
    });
    const text = sectionTexts(message.blocks).find((t) => t.includes('latest results'))!;
    expect(text).toContain('*Your team’s latest results — Team eNPS &amp; workload*');
    expect(text).toContain('Closed Thu 20 Nov 2025 · 8 answers');
    expect(text).toContain('• My workload is manageable. — 72% favorable · mean 3.9');
    expect(text).toContain('• Recommend &lt;us&gt;? — eNPS +12 · mean 7.9');
    expect(text).toContain('eNPS -30');
    expect(text).toContain('• Suppressed one — not shown');
  });

  it('says when results will appear when there are none', () => {
    const message = pulseStatusMessage({
      openRounds: [],
      timeZone: BERLIN,
      k: 6,
      teamResults: null,
    });
    expect(sectionTexts(message.blocks).join('\n')).toContain(
      'results appear here once a round closes with at least 6 answers',
    );
  });

  it('never shows results of fewer than k respondents', () => {
    const message = pulseStatusMessage({
      openRounds: [],
      timeZone: BERLIN,
      k: 10,
      teamResults: { ...results, respondents: 9 },
    });
    const json = JSON.stringify(message);
    expect(json).not.toContain('72%');
    expect(json).not.toContain('Team eNPS');
    expect(json).toContain('at least 10 answers');
  });

  it('ends with the privacy line', () => {
    const { blocks } = pulseStatusMessage({
      openRounds: [round(1)],
      timeZone: BERLIN,
      k: 5,
      teamResults: results,
    });
    expect(blocks[blocks.length - 1]).toEqual({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: privacyLine(5) }],
    });
  });

  it('stays within Slack’s limits with long titles and many long highlights', () => {
    const highlights = Array.from({ length: 60 }, () => ({
      prompt: LONG,
      favorability: 50,
      mean: 3,
      enps: null,
    }));
    const message = pulseStatusMessage({
      openRounds: [{ ...round(1), title: LONG }],
      timeZone: BERLIN,
      k: 5,
      teamResults: { ...results, title: LONG, highlights },
    });
    expectWithinSlackLimits(message.blocks);
    expect(sectionTexts(message.blocks).join('\n')).toMatch(/… and \d+ more$/m);
  });
});

describe('hrSummaryMessage', () => {
  const input = {
    title: 'Support team pulse',
    closedAt: new Date('2025-11-27T16:00:00Z'),
    respondents: 14,
    invited: 20,
    questions: [
      { prompt: 'I can take my breaks.', favorability: 65.5, mean: 3.71, enps: null },
      { prompt: 'Recommend?', favorability: null, mean: 8.1, enps: 0 },
      { prompt: 'Anything you want HR to know?', favorability: null, mean: null, enps: null },
    ],
    dashboardUrl: 'https://pulsedesk.example.com/rounds/42?tab=results&x=1',
  };

  it('gives participation, a headline per question and a dashboard link', () => {
    const message = hrSummaryMessage(input);
    const text = sectionTexts(message.blocks).join('\n');
    expect(text).toContain('*Pulse closed: Support team pulse*');
    expect(text).toContain('14 of 20 invited answered (70%)');
    expect(text).toContain('1. I can take my breaks. — 66% favorable · mean 3.7');
    expect(text).toContain('2. Recommend? — eNPS 0 · mean 8.1');
    expect(text).toContain('3. Anything you want HR to know? — see the dashboard');
    expect(text).toContain(
      '<https://pulsedesk.example.com/rounds/42?tab=results&amp;x=1|Open the dashboard>',
    );
    expect(message.text).toContain('14 of 20 invited answered');
  });

  it('leaves out the rate when nobody was invited', () => {
    const text = sectionTexts(
      hrSummaryMessage({ ...input, respondents: 0, invited: 0 }).blocks,
    ).join('\n');
    expect(text).toContain('0 of 0 invited answered');
    expect(text).not.toContain('%)');
  });

  it('stays within Slack’s limits with a long title and many long prompts', () => {
    const questions = Array.from({ length: 80 }, () => ({
      prompt: LONG,
      favorability: 50,
      mean: 3,
      enps: null,
    }));
    const message = hrSummaryMessage({ ...input, title: LONG, questions });
    expectWithinSlackLimits(message.blocks);
    expect(sectionTexts(message.blocks).join('\n')).toMatch(/… and \d+ more/);
  });
});
