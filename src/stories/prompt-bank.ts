/**
 * The weekly prompt's questions: first person, one a week, in turn, so nobody sees a repeat
 * before the whole bank has been asked. Each becomes the title of the share modal.
 */
export const PROMPT_BANK = [
  'A customer I helped this week',
  'Why I do this job',
  'A teammate who made my week easier',
  'Something a tricky ticket taught me',
  'A moment this week I was proud of',
  'How I recharge after a hard conversation',
  'A customer who made me smile',
  'A small fix that made a big difference',
] as const;

/** The question at a subscriber's position in the bank (positions only grow). */
export function promptAt(position: number): string {
  const n = PROMPT_BANK.length;
  return PROMPT_BANK[((position % n) + n) % n];
}
