import type { KnownBlock, SectionBlock } from '@slack/types';
import { pulseHelpMessage, unknownPulseCommand } from './pulse.blocks';

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

  it('lists /pulse, /pulse dashboard and /pulse help', () => {
    const texts = sectionTexts(pulseHelpMessage(5).blocks).join('\n');
    expect(texts).toContain('`/pulse`');
    expect(texts).toContain('`/pulse dashboard`');
    expect(texts).toContain('`/pulse help`');
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
