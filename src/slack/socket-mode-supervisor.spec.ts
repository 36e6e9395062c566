import { EventEmitter } from 'node:events';
import {
  AppTokenRefusedError,
  reconnectDelayMs,
  RECONNECT_MAX_MS,
  SlackSocketState,
  SocketModeSupervisor,
  STABLE_AFTER_MS,
} from './socket-mode-supervisor';

/** Stands in for SocketModeClient: each start() is settled by the test. */
class FakeClient extends EventEmitter {
  starts: Array<{ resolve(): void; reject(err: unknown): void }> = [];
  disconnects = 0;

  start(): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.starts.push({
        resolve: () => {
          this.emit('authenticated');
          resolve(undefined);
        },
        reject,
      });
    });
  }

  async disconnect(): Promise<void> {
    this.disconnects += 1;
    const pending = this.starts.at(-1);
    pending?.reject(undefined);
    this.emit('disconnected');
  }
}

const platformError = (error: string) =>
  Object.assign(new Error(`An API error occurred: ${error}`), {
    code: 'slack_webapi_platform_error',
    data: { ok: false, error },
  });
const networkError = () =>
  Object.assign(new Error('A request error occurred: connect ECONNREFUSED'), {
    code: 'slack_webapi_request_error',
  });

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('reconnectDelayMs', () => {
  it('doubles from 1 s with jitter between half and all of it, capped at a minute', () => {
    expect(reconnectDelayMs(0, () => 0)).toBe(500);
    expect(reconnectDelayMs(0, () => 1)).toBe(1_000);
    expect(reconnectDelayMs(3, () => 1)).toBe(8_000);
    expect(reconnectDelayMs(3, () => 0)).toBe(4_000);
    expect(reconnectDelayMs(50, () => 1)).toBe(RECONNECT_MAX_MS);
    expect(reconnectDelayMs(50, () => 0)).toBe(RECONNECT_MAX_MS / 2);
  });
});

describe('SocketModeSupervisor', () => {
  let client: FakeClient;
  let states: SlackSocketState[];
  let logs: string[];
  let now: number;
  let supervisor: SocketModeSupervisor;

  beforeEach(() => {
    jest.useFakeTimers({ doNotFake: ['setImmediate'] });
    client = new FakeClient();
    states = [];
    logs = [];
    now = 0;
    const log = (level: string) => (msg: string) => logs.push(`${level}: ${msg}`);
    supervisor = new SocketModeSupervisor(
      client,
      { info: log('info'), warn: log('warn'), error: log('error') },
      (s) => states.push(s),
      () => now,
      () => 1,
    );
  });

  afterEach(async () => {
    const stopping = supervisor.stop();
    await jest.runAllTimersAsync();
    await stopping;
    jest.useRealTimers();
  });

  it('resolves start() once Slack accepts the token and reports connected', async () => {
    const started = supervisor.start();
    await flush();
    expect(states).toEqual(['connecting']);
    client.starts[0].resolve();
    await started;
    await flush();
    expect(states).toEqual(['connecting', 'connected']);
    expect(supervisor.current).toBe('connected');
  });

  it('stops the boot when Slack refuses the app token, naming the variable', async () => {
    const started = supervisor.start();
    await flush();
    client.starts[0].reject(platformError('invalid_auth'));
    await expect(started).rejects.toThrow(new AppTokenRefusedError('invalid_auth').message);
    expect(supervisor.current).toBe('disconnected');
    // No retry: a refused token stays refused.
    await jest.advanceTimersByTimeAsync(RECONNECT_MAX_MS * 2);
    expect(client.starts).toHaveLength(1);
  });

  it('lets the boot go on when Slack is unreachable, and retries with growing delays', async () => {
    const started = supervisor.start();
    await flush();
    client.starts[0].reject(networkError());
    await started;
    expect(logs.at(-1)).toMatch(
      /^warn: Could not connect to Slack over Socket Mode \(.*ECONNREFUSED\); retrying$/,
    );
    expect(supervisor.current).toBe('disconnected');
    // Jitter is pinned to its top (random = 1): 1 s, 2 s, 4 s.
    for (const [attempt, delay] of [1_000, 2_000, 4_000].entries()) {
      await jest.advanceTimersByTimeAsync(delay - 1);
      expect(client.starts).toHaveLength(attempt + 1);
      await jest.advanceTimersByTimeAsync(1);
      expect(client.starts).toHaveLength(attempt + 2);
      client.starts[attempt + 1].reject(new Error('HTTP 503'));
      await flush();
    }
  });

  it('reconnects within a second after a stable connection drops, backing off while it flaps', async () => {
    const started = supervisor.start();
    await flush();
    client.starts[0].resolve();
    await started;
    now += STABLE_AFTER_MS;
    client.emit('disconnected');
    await flush();
    expect(supervisor.current).toBe('disconnected');
    expect(logs).toContain('info: Slack Socket Mode connection closed; reconnecting');
    await jest.advanceTimersByTimeAsync(1_000);
    expect(client.starts).toHaveLength(2);
    expect(supervisor.current).toBe('connecting');
    // It drops again right after hello: the next wait doubles.
    client.starts[1].resolve();
    await flush();
    client.emit('disconnected');
    await flush();
    await jest.advanceTimersByTimeAsync(1_999);
    expect(client.starts).toHaveLength(2);
    await jest.advanceTimersByTimeAsync(1);
    expect(client.starts).toHaveLength(3);
  });

  it('stop() ends the loop: no reconnect afterwards, state disconnected', async () => {
    const started = supervisor.start();
    await flush();
    client.starts[0].resolve();
    await started;
    await supervisor.stop();
    expect(client.disconnects).toBeGreaterThanOrEqual(1);
    await jest.advanceTimersByTimeAsync(RECONNECT_MAX_MS * 2);
    expect(client.starts).toHaveLength(1);
    expect(supervisor.current).toBe('disconnected');
  });
});
