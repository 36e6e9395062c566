import { LogLevel, type Logger } from '@slack/web-api';

/**
 * A logger for Slack's own clients (WebClient, SocketModeClient) that says nothing: they log
 * Slack's `[ERROR]` response messages and reconnects, which the stand-in's specs assert on
 * instead.
 */
export const quietSlackLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  setLevel: () => undefined,
  getLevel: () => LogLevel.ERROR,
  setName: () => undefined,
};
