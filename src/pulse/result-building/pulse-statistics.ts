/**
 * The arithmetic of pulse results: turns the aggregate counts of one question (computed in SQL,
 * never raw rows) into the figures the results API publishes. Pure — no Nest, no database, no
 * I/O — so every rounding rule is pinned by unit tests. Anonymity (thresholds, suppression) is
 * not decided here; see `suppression.ts` and `round-results.ts`.
 */

import type { QuestionDef, QuestionKind } from '../pulse.types';

export type { QuestionDef, QuestionKind };

/**
 * value → number of respondents who chose it. scale5: '1'..'5'; enps: '0'..'10'; choice: the
 * option text. For a text question pass `{ answered: n }` where n is the number of non-empty
 * comments (see {@link TEXT_ANSWERED_KEY}).
 */
export type Counts = Record<string, number>;

export interface QuestionFigures {
  questionId: string;
  kind: QuestionKind;
  prompt: string;
  /** Respondents who answered this question. */
  n: number;
  /** scale5/enps only, 2 decimals; null when n = 0. */
  mean: number | null;
  /** Every possible value, zeros included (scale5 '1'..'5', enps '0'..'10', choice each option); {} for text. */
  distribution: Record<string, number>;
  /** scale5 only: % of answers that are 4 or 5, 0–100, 1 decimal; null when n = 0. */
  favorability: number | null;
  /** enps only: % promoters (9–10) minus % detractors (0–6), −100..100, 1 decimal; null when n = 0. */
  enps: number | null;
}

/** The one key read from a text question's counts: how many non-empty comments it received. */
export const TEXT_ANSWERED_KEY = 'answered';

export const SCALE5_VALUES: readonly string[] = ['1', '2', '3', '4', '5'];
export const ENPS_VALUES: readonly string[] = [
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
];

/**
 * Figures for one question. Count keys that are not possible values for the kind are ignored
 * (a stray NULL bucket from SQL must not shift a mean); every count, used or not, must be a
 * non-negative integer, or this throws — a bad count means the query upstream is wrong.
 */
export function figuresFromCounts(question: QuestionDef, counts: Counts): QuestionFigures {
  assertCounts(question, counts);
  const base = { questionId: question.id, kind: question.kind, prompt: question.prompt };

  if (question.kind === 'text') {
    return {
      ...base,
      n: countOf(counts, TEXT_ANSWERED_KEY),
      mean: null,
      distribution: {},
      favorability: null,
      enps: null,
    };
  }

  const values = possibleValues(question);
  const distribution = Object.fromEntries(values.map((v) => [v, countOf(counts, v)]));
  const n = values.reduce((sum, v) => sum + distribution[v], 0);
  const numeric = question.kind === 'scale5' || question.kind === 'enps';

  let mean: number | null = null;
  if (numeric && n > 0) {
    const total = values.reduce((sum, v) => sum + Number(v) * distribution[v], 0);
    mean = roundRatio(total, n, 2);
  }

  let favorability: number | null = null;
  if (question.kind === 'scale5' && n > 0) {
    favorability = roundRatio(100 * (distribution['4'] + distribution['5']), n, 1);
  }

  let enps: number | null = null;
  if (question.kind === 'enps' && n > 0) {
    const promoters = distribution['9'] + distribution['10'];
    const detractors = ENPS_VALUES.slice(0, 7).reduce((sum, v) => sum + distribution[v], 0);
    enps = roundRatio(100 * (promoters - detractors), n, 1);
  }

  return { ...base, n, mean, distribution, favorability, enps };
}

/** The values a question's distribution lists, in display order (duplicate options once). */
export function possibleValues(question: QuestionDef): readonly string[] {
  switch (question.kind) {
    case 'scale5':
      return SCALE5_VALUES;
    case 'enps':
      return ENPS_VALUES;
    case 'choice':
      if (!question.options || question.options.length === 0) {
        throw new Error(`choice question ${question.id} has no options`);
      }
      return [...new Set(question.options)];
    case 'text':
      return [];
    default:
      return assertNever(question.kind);
  }
}

function assertCounts(question: QuestionDef, counts: Counts): void {
  for (const [key, count] of Object.entries(counts)) {
    if (!Number.isSafeInteger(count) || count < 0) {
      throw new RangeError(
        `count "${key}" of question ${question.id} must be a non-negative integer, got ${String(count)}`,
      );
    }
  }
}

/** Own properties only: an option called "constructor" must not read Object.prototype. */
function countOf(counts: Counts, key: string): number {
  return Object.hasOwn(counts, key) ? counts[key] : 0;
}

/**
 * numerator / denominator rounded to `decimals`, half away from zero. Both operands are integers,
 * so scaling the numerator first keeps the tie cases exact (3.005 does not become 3.00).
 */
function roundRatio(numerator: number, denominator: number, decimals: number): number {
  const scale = 10 ** decimals;
  const scaled = (numerator * scale) / denominator;
  const rounded = Math.sign(scaled) * Math.round(Math.abs(scaled));
  // Never publish -0 (it would compare unequal to 0 and print oddly in some clients).
  return rounded === 0 ? 0 : rounded / scale;
}

function assertNever(kind: never): never {
  throw new Error(`unknown question kind ${String(kind)}`);
}
