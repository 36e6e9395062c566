/**
 * Slack gives a slash command 3 seconds for its HTTP answer. A reply that is ready well inside
 * that (the usual case) goes back in the acknowledgement; one that is not — a busy database,
 * many agents of one team taking focus at 9:00 behind the team's coverage lock — is
 * acknowledged empty and sent through the command's response_url when ready.
 *
 * This is a real-time HTTP budget, not domain time, so it uses a timer, not the Clock.
 */
import type { RespondFn } from '@slack/bolt';

export const ACK_BUDGET_MS = 2_000;

export async function replyWithin<T extends object>(
  ack: (reply?: T & { response_type: 'ephemeral' }) => Promise<void>,
  respond: RespondFn,
  work: Promise<T>,
  onLateFailure: (err: unknown) => T,
  budgetMs = ACK_BUDGET_MS,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const budget = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), budgetMs);
  });
  try {
    const early = await Promise.race([work, budget]);
    if (early) {
      await ack({ response_type: 'ephemeral', ...early });
      return;
    }
  } finally {
    clearTimeout(timer);
  }
  await ack();
  let late: T;
  try {
    late = await work;
  } catch (err) {
    late = onLateFailure(err);
  }
  await respond({ response_type: 'ephemeral', replace_original: false, ...late } as never);
}
