import { resultsCsv } from './results-csv';
import type { RoundResults } from './round-results';

const results = (prompt: string, enps: number | null): RoundResults => ({
  roundId: 'r1',
  k: 5,
  suppressed: false,
  respondents: 10,
  questions: [
    {
      questionId: 'enps',
      kind: 'enps',
      prompt,
      n: 10,
      mean: 5.5,
      distribution: { '0': 6, '10': 4 },
      favorability: null,
      enps,
      suppressed: false,
    },
  ],
  comments: [],
});

describe('resultsCsv', () => {
  it('keeps a negative eNPS a number, and defuses a formula in text', () => {
    const [, line] = resultsCsv(results('=HYPERLINK("http://x")', -20)).trim().split('\n');
    expect(line).toBe(`round,,enps,"'=HYPERLINK(""http://x"")",10,5.5,,-20,"{""0"":6,""10"":4}"`);
  });

  it.each(['+1', '-cmd', '@SUM(A1)', '\tx'])('defuses text starting with %j', (prompt) => {
    const [, line] = resultsCsv(results(prompt, 20)).trim().split('\n');
    expect(line.split(',')[3].replace(/^"/, '')).toMatch(/^'/);
  });
});
