/**
 * Assembles the published result of one closed pulse round from aggregate counts, applying the
 * anonymity rules of docs/contract.md. Pure: the repository computes the counts in SQL, the caller
 * checks that the round is closed, and this decides what may be shown.
 *
 * Every reported figure covers at least k distinct respondents:
 * - a round below k shows nothing but the fact that it is suppressed;
 * - a breakdown hides groups by `suppressedGroups` (primary + complementary);
 * - within shown figures, a scale5/enps/choice question answered by fewer than k people has its
 *   figures withheld (`suppressed: true`, n kept), and in a breakdown the same complementary rule
 *   is applied per question, seeded with the suppressed groups, so a withheld question cannot be
 *   recovered as round figures − shown groups' figures.
 * Comments appear only where the group has at least k respondents: at round level, and per group
 * only when no group of the breakdown is suppressed. They are shuffled and carry only the
 * question id and the text.
 */
import {
  type Counts,
  type QuestionDef,
  type QuestionFigures,
  figuresFromCounts,
} from './pulse-statistics';
import { assertThreshold, isShareable, suppressedGroups } from './suppression';

export interface Comment {
  questionId: string;
  text: string;
}

export interface GroupInput {
  key: string;
  name: string;
  respondents: number;
  /** questionId → counts for that question (see `Counts`). */
  counts: Record<string, Counts>;
  comments: Comment[];
  /**
   * A stored composite of several groups that were not publishable when the round closed
   * (publishable-groups.ts): never shown as itself; these are listed as suppressed instead. It
   * takes part in suppression as one group, so a k raised later hides what it must.
   */
  shownAs?: { key: string; name: string }[];
}

export interface RoundResultsInput {
  roundId: string;
  k: number;
  questions: QuestionDef[];
  overall: { respondents: number; counts: Record<string, Counts>; comments: Comment[] };
  /** Present when groupBy=team. */
  groups?: GroupInput[];
  /** For shuffling comments; default Math.random. Must return values in [0, 1). */
  random?: () => number;
}

/**
 * The figures of one question as published. `suppressed: true` means fewer than k people stand
 * behind the figures (directly, or by differencing in a breakdown): mean, favorability and enps are
 * null and distribution is {}. n stays, as a participation count. Text questions never carry
 * figures, so they are never suppressed at this level.
 */
export interface PublishedQuestion extends QuestionFigures {
  suppressed: boolean;
}

export interface PublishedGroup {
  key: string;
  name: string;
  suppressed: boolean;
  respondents?: number;
  questions?: PublishedQuestion[];
  comments?: Comment[];
}

export interface RoundResults {
  roundId: string;
  k: number;
  /** Whole round below k: nothing else is shown (respondents omitted, questions [], groups all suppressed, comments []). */
  suppressed: boolean;
  respondents?: number;
  questions: PublishedQuestion[];
  /** Only when groups were given; suppressed ones carry ONLY key, name, suppressed:true. Ordered by name. */
  groups?: PublishedGroup[];
  /** Round-level comments, shuffled; [] when suppressed. */
  comments: Comment[];
}

export function buildRoundResults(input: RoundResultsInput): RoundResults {
  const { roundId, k, questions, overall } = input;
  assertThreshold(k);
  assertRespondents('round', overall.respondents);
  const random = input.random ?? Math.random;
  // By name, so the order says nothing about sizes; by key on equal names, to stay deterministic.
  const groups = input.groups ? [...input.groups].sort(compareGroups) : undefined;
  groups?.forEach((g) => assertRespondents(`group ${g.key}`, g.respondents));

  if (!isShareable(overall.respondents, k)) {
    return {
      roundId,
      k,
      suppressed: true,
      questions: [],
      ...(groups ? { groups: sortGroups(groups.flatMap(suppressedGroup)) } : {}),
      comments: [],
    };
  }

  const roundFigures = questions.map((q) => figuresFromCounts(q, countsFor(overall.counts, q.id)));
  const result: RoundResults = {
    roundId,
    k,
    suppressed: false,
    respondents: overall.respondents,
    questions: roundFigures.map((f) => publish(f, !carriesFigures(f) || isShareable(f.n, k))),
    comments: shuffle(overall.comments.filter(hasText).map(toComment), random),
  };
  if (groups) result.groups = publishGroups(groups, questions, result.questions, k, random);
  return result;
}

function publishGroups(
  groups: GroupInput[],
  questions: QuestionDef[],
  roundQuestions: PublishedQuestion[],
  k: number,
  random: () => number,
): PublishedGroup[] {
  const hiddenGroups = suppressedGroups(
    groups.map((g) => ({ key: g.key, n: g.respondents })),
    k,
  );
  // Computed for every group, hidden ones included: their answer counts feed the per-question
  // suppression below, though their figures are never published.
  const figures = new Map(
    groups.map((g) => [
      g.key,
      questions.map((q) => figuresFromCounts(q, countsFor(g.counts, q.id))),
    ]),
  );

  // Per question, which shown groups must withhold its figures: too few answers, or derivable
  // from the round's figures minus the other shown groups'.
  const withheld = questions.map((_, i) => {
    if (roundQuestions[i].suppressed) return new Set(groups.map((g) => g.key));
    const sizes = groups.map((g) => ({ key: g.key, n: figuresOf(figures, g)[i].n }));
    return suppressedGroups(sizes, k, hiddenGroups);
  });

  const commentsShown = hiddenGroups.size === 0 && !groups.some((g) => g.shownAs);
  const published = groups.flatMap((g): PublishedGroup[] => {
    if (hiddenGroups.has(g.key) || g.shownAs) return suppressedGroup(g);
    return [
      {
        key: g.key,
        name: g.name,
        suppressed: false,
        respondents: g.respondents,
        questions: figuresOf(figures, g).map((f, i) =>
          publish(f, !carriesFigures(f) || !withheld[i].has(g.key)),
        ),
        ...(commentsShown
          ? { comments: shuffle(g.comments.filter(hasText).map(toComment), random) }
          : {}),
      },
    ];
  });
  return sortGroups(published);
}

/** Groups ordered by name, as compareGroups orders their inputs. */
function sortGroups(groups: PublishedGroup[]): PublishedGroup[] {
  return [...groups].sort(compareGroups);
}

/**
 * A new array holding `items` in an order drawn with `random` (Fisher–Yates, so every order is
 * equally likely given a uniform `random`). The input is left untouched.
 */
export function shuffle<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const r = random();
    if (!(r >= 0 && r < 1))
      throw new RangeError(`random() must return a number in [0, 1), got ${r}`);
    const j = Math.floor(r * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

function figuresOf(figures: Map<string, QuestionFigures[]>, g: GroupInput): QuestionFigures[] {
  const found = figures.get(g.key);
  if (!found) throw new Error(`no figures for group ${g.key}`);
  return found;
}

/** Own properties only: a question id such as "constructor" must not read Object.prototype. */
function countsFor(counts: Record<string, Counts>, questionId: string): Counts {
  return Object.hasOwn(counts, questionId) ? counts[questionId] : {};
}

function carriesFigures(f: QuestionFigures): boolean {
  return f.kind !== 'text';
}

function publish(f: QuestionFigures, shown: boolean): PublishedQuestion {
  if (shown) return { ...f, suppressed: false };
  return { ...f, mean: null, distribution: {}, favorability: null, enps: null, suppressed: true };
}

/** A hidden group as published: its key and name only (a merged composite: its teams'). */
function suppressedGroup(g: GroupInput): PublishedGroup[] {
  return (g.shownAs ?? [g]).map(({ key, name }) => ({ key, name, suppressed: true }));
}

/** Only the question and the text: whatever else a row carried (ids, timestamps) stays behind. */
function toComment(c: Comment): Comment {
  return { questionId: c.questionId, text: c.text };
}

function hasText(c: Comment): boolean {
  return c.text.trim() !== '';
}

/** The order of `localeCompare(…, 'en')`, without building a collator per comparison. */
const BY_NAME = new Intl.Collator('en');

function compareGroups(a: { key: string; name: string }, b: { key: string; name: string }): number {
  return BY_NAME.compare(a.name, b.name) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
}

function assertRespondents(what: string, n: number): void {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new RangeError(`${what} respondents must be a non-negative integer, got ${n}`);
  }
}
