/**
 * Slack's published rate tiers (calls per minute, per method, per workspace, per app) for the
 * methods whose pace Pulsedesk controls itself: the focus sync's user-token calls. Slack allows
 * short bursts above these; the pacer keeps a small one (see SlackRateGate.reserve).
 *
 * SLACK_METHOD_RATES overrides them (e.g. for an Enterprise Grid with raised limits, or a local
 * Slack stand-in with limits of its own).
 */
export const SLACK_TIER_RATES: Readonly<Record<string, number>> = {
  'users.profile.get': 100, // Tier 4
  'users.profile.set': 50, // Tier 3
  'dnd.setSnooze': 20, // Tier 2
  'dnd.endSnooze': 20, // Tier 2
};

/**
 * The published tiers of the bot calls the pacer does not hold to a pace while calm (a round's
 * DMs go out as fast as Slack takes them): known only for the floor under what the pacer
 * learns from their 429s (LEARNING.tierFloor). chat.postMessage is Slack's "special" tier: one
 * message a second per channel, bursts allowed.
 */
export const SLACK_BOT_TIER_RATES: Readonly<Record<string, number>> = {
  'conversations.open': 50, // Tier 3
  'chat.postMessage': 60, // Special
  'chat.update': 50, // Tier 3
  'users.list': 20, // Tier 2
};

/** The methods the pacer knows; SLACK_METHOD_RATES may name only these. */
export const PACED_METHODS = Object.keys(SLACK_TIER_RATES);

/**
 * Parses `method=perMinute,...`; returns the problems instead of throwing, like the rest of
 * the configuration.
 */
export function parseMethodRates(raw: string): {
  rates: Record<string, number>;
  problems: string[];
} {
  const rates: Record<string, number> = {};
  const problems: string[] = [];
  for (const part of raw
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const match = /^([a-zA-Z.]+)\s*=\s*(\d+)$/.exec(part);
    if (!match) {
      problems.push(
        `SLACK_METHOD_RATES must be method=perMinute pairs separated by commas (e.g. "dnd.setSnooze=20"), got "${part}"`,
      );
      continue;
    }
    const [, method, perMinute] = match;
    if (!PACED_METHODS.includes(method)) {
      problems.push(
        `SLACK_METHOD_RATES names "${method}", which is not paced; paced methods: ${PACED_METHODS.join(', ')}`,
      );
    } else if (Number(perMinute) < 1 || Number(perMinute) > 100_000) {
      problems.push(`SLACK_METHOD_RATES: ${method} must be from 1 to 100000 calls per minute`);
    } else {
      rates[method] = Number(perMinute);
    }
  }
  return { rates, problems };
}
