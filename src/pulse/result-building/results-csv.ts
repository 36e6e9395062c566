/** The aggregated results as CSV (never raw rows): one line per scope and question. */
import type { RoundResults } from './round-results';

const HEADER = [
  'scope',
  'team',
  'question_id',
  'prompt',
  'n',
  'mean',
  'favorability',
  'enps',
  'distribution',
];

function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text =
    typeof value === 'string'
      ? value
      : typeof value === 'object'
        ? JSON.stringify(value)
        : String(value);
  // Quote everything that needs it, and defuse spreadsheet formulas in text. A number stays a
  // number: a negative eNPS is -20, not the text '-20.
  const safe = typeof value === 'string' && /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function resultsCsv(results: RoundResults): string {
  const lines = [HEADER.join(',')];
  if (results.suppressed) {
    lines.push(
      ['round', '', '', `suppressed: fewer than ${results.k} respondents`, '', '', '', '', '']
        .map(cell)
        .join(','),
    );
  }
  for (const q of results.questions) {
    if (q.kind === 'text') continue;
    lines.push(
      ['round', '', q.questionId, q.prompt, q.n, q.mean, q.favorability, q.enps, q.distribution]
        .map(cell)
        .join(','),
    );
  }
  for (const group of results.groups ?? []) {
    if (group.suppressed) {
      lines.push(['team', group.name, '', 'suppressed', '', '', '', '', ''].map(cell).join(','));
      continue;
    }
    for (const q of group.questions ?? []) {
      if (q.kind === 'text') continue;
      lines.push(
        [
          'team',
          group.name,
          q.questionId,
          q.prompt,
          q.n,
          q.mean,
          q.favorability,
          q.enps,
          q.distribution,
        ]
          .map(cell)
          .join(','),
      );
    }
  }
  return lines.join('\r\n') + '\r\n';
}
