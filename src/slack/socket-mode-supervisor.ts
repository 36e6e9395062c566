/**
 * Keeps one Socket Mode connection to Slack open, reconnecting with backoff when it drops.
 *
 * Why not @slack/socket-mode's own reconnection (3.1): it waits 5 s × the count of failures in
 * a row, without a cap or jitter, so replicas that lost Slack together come back together; and
 * when `apps.connections.open` fails on the network or with an HTTP 5xx (what a Slack outage or
 * a proxy hiccup looks like) it gives up for good, with an unhandled rejection that ends the
 * process. So the client runs with its auto-reconnect off and this loop decides: any failure
 * but a refused token is retried, after a delay that doubles from RECONNECT_INITIAL_MS up to
 * RECONNECT_MAX_MS with jitter; a connection that stayed up for STABLE_AFTER_MS resets it, so
 * the routine refresh Slack asks for every few hours reconnects within a second. A refused app
 * token stops the boot (as a refused SLACK_BOT_TOKEN does); refused later, the loop stops and
 * says so once.
 *
 * The delays are real time, not the Clock: they pace network reconnects, not domain events.
 */

export type SlackSocketState = 'connecting' | 'connected' | 'disconnected';

/** What the loop needs of @slack/socket-mode's SocketModeClient. */
export interface SocketClient {
  start(): Promise<unknown>;
  disconnect(): Promise<void>;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  off(event: string, listener: (...args: unknown[]) => void): unknown;
}

export interface SupervisorLog {
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}

export const RECONNECT_INITIAL_MS = 1_000;
export const RECONNECT_MAX_MS = 60_000;
export const STABLE_AFTER_MS = 60_000;

/** Slack errors of apps.connections.open that no retry cures: the token itself is refused. */
const REFUSED = new Set([
  'not_authed',
  'invalid_auth',
  'account_inactive',
  'token_revoked',
  'token_expired',
  'not_allowed_token_type',
  'missing_scope',
  'user_removed_from_team',
  'team_disabled',
]);

export class AppTokenRefusedError extends Error {
  constructor(readonly slackError: string) {
    super(`SLACK_APP_TOKEN was refused by Slack (${slackError}): check the token`);
    this.name = 'AppTokenRefusedError';
  }
}

/** The Slack error code of a refused token, if that is what err is. */
function refusedCode(err: unknown): string | undefined {
  const e = err as { code?: string; data?: { error?: string } } | undefined;
  const code = e?.code === 'slack_webapi_platform_error' ? e.data?.error : undefined;
  return code && REFUSED.has(code) ? code : undefined;
}

function describe(err: unknown): string {
  if (err instanceof Error) return err.message;
  return err === undefined ? 'the connection closed before Slack said hello' : String(err);
}

/** Delay before reconnect attempt n (0-based): doubling, capped, with "equal jitter". */
export function reconnectDelayMs(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(RECONNECT_MAX_MS, RECONNECT_INITIAL_MS * 2 ** Math.min(attempt, 16));
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}

export class SocketModeSupervisor {
  private state: SlackSocketState = 'disconnected';
  private stopped = false;
  private failures = 0;
  private wake?: () => void;
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly client: SocketClient,
    private readonly log: SupervisorLog,
    private readonly onState: (state: SlackSocketState) => void = () => undefined,
    private readonly now: () => number = Date.now,
    private readonly random: () => number = Math.random,
  ) {}

  get current(): SlackSocketState {
    return this.state;
  }

  /**
   * Starts the loop. Resolves once Slack accepted the token (or could not be reached: the loop
   * keeps trying in the background); rejects with AppTokenRefusedError when Slack refused it.
   */
  start(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const first = (err?: Error) => {
        if (settled) return;
        settled = true;
        if (err) reject(err);
        else resolve();
      };
      const onAuthenticated = () => first();
      this.client.on('authenticated', onAuthenticated);
      this.running = this.run(first).finally(() => {
        this.client.off('authenticated', onAuthenticated);
        first();
      });
    });
  }

  /** Stops reconnecting and closes the connection. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.wake?.();
    await this.disconnectClient();
    await this.running;
    this.setState('disconnected');
  }

  private async run(first: (err?: Error) => void): Promise<void> {
    while (!this.stopped) {
      this.setState('connecting');
      let closed!: () => void;
      const dropped = new Promise<void>((resolve) => (closed = resolve));
      const onDisconnected = () => closed();
      this.client.on('disconnected', onDisconnected);
      try {
        await this.client.start();
        // stop() raced the handshake: the client may have opened a socket after all.
        if (this.stopped) return void (await this.disconnectClient());
        this.setState('connected');
        first();
        const since = this.now();
        await dropped;
        if (this.stopped) return;
        if (this.now() - since >= STABLE_AFTER_MS) this.failures = 0;
        this.log.info('Slack Socket Mode connection closed; reconnecting');
      } catch (err) {
        if (this.stopped) return;
        const refused = refusedCode(err);
        if (refused) {
          const error = new AppTokenRefusedError(refused);
          this.log.error(`${error.message}; Socket Mode stays disconnected until restarted`);
          this.setState('disconnected');
          first(error);
          return;
        }
        this.log.warn(`Could not connect to Slack over Socket Mode (${describe(err)}); retrying`);
        first();
      } finally {
        this.client.off('disconnected', onDisconnected);
      }
      if (this.stopped) return;
      this.setState('disconnected');
      await this.pause(reconnectDelayMs(this.failures, this.random));
      this.failures += 1;
    }
  }

  /** The close handshake waits on Slack, which may not finish it: shutdown waits 2 s at most. */
  private async disconnectClient(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.client.disconnect().catch(() => undefined),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, 2_000))),
    ]);
    clearTimeout(timer);
  }

  private pause(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      this.wake = resolve;
      this.timer = setTimeout(resolve, ms);
    });
  }

  private setState(state: SlackSocketState): void {
    if (state === this.state) return;
    this.state = state;
    this.onState(state);
    if (state === 'connected') this.log.info('Slack Socket Mode connected');
  }
}
