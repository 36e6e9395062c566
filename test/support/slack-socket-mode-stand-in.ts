/**
 * The Socket Mode side of the Slack stand-in: the WebSocket an app opens at the URL
 * `apps.connections.open` returned, and what Slack sends over it.
 *
 * As Slack does, it greets each connection with `hello`, wraps every payload in an envelope
 * (`slash_commands`, `interactive`, `events_api`) with an `envelope_id`, and expects the app to
 * answer `{ envelope_id, payload? }` within 3 seconds. An envelope not acknowledged in time, or
 * left unacknowledged on a connection that closed, is sent again (up to 3 retries) with
 * `retry_attempt` and `retry_reason`, on whichever connection is open. It can also send Slack's
 * `disconnect` messages and drop connections abruptly, and it pings every connection as Slack's
 * servers do (the client answers with a pong).
 *
 * Which connection gets an envelope: the newest open one. Envelopes sent while no connection is
 * open wait for the next one.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';

type Json = Record<string, unknown>;

export type SocketEnvelopeType = 'slash_commands' | 'interactive' | 'events_api';
export type SocketDisconnectReason = 'refresh_requested' | 'warning' | 'link_disabled';

export interface SocketAck {
  envelopeId: string;
  /** What the app put in its ack (a slash command's reply, a modal's response_action). */
  payload?: Json;
  /** Deliveries it took: 1 when the first was acknowledged. */
  deliveries: number;
}

export interface SocketDeliverOptions {
  /**
   * The first N acks of this envelope are lost: the connection they arrive on drops at that
   * moment, as if it broke while the ack was in flight. Slack then sends the envelope again.
   */
  loseAcks?: number;
}

export interface SocketEnvelopeRecord {
  envelopeId: string;
  type: SocketEnvelopeType;
  /** Each delivery, in order: retry_attempt 0 is the first. */
  deliveries: Array<{ retryAttempt: number; retryReason: string; connection: number }>;
  acked: boolean;
  /** Retries used up with no ack. */
  gaveUp: boolean;
}

export interface SocketModeStandInOptions {
  /** How long Slack waits for an ack before sending the envelope again (Slack: 3 s). */
  ackTimeoutMs?: number;
  /** Retries after the first delivery (Slack: 3). */
  maxRetries?: number;
  /** How often each connection is pinged (Slack pings every few seconds). */
  pingIntervalMs?: number;
  /** How long a URL from apps.connections.open may wait to be opened. */
  ticketTtlMs?: number;
}

interface Connection {
  id: number;
  ws: WebSocket;
  ping: NodeJS.Timeout;
}

interface Envelope {
  record: SocketEnvelopeRecord;
  payload: Json;
  acceptsResponsePayload: boolean;
  loseAcks: number;
  /** The connection holding its latest unacknowledged delivery. */
  on?: Connection;
  timer?: NodeJS.Timeout;
  waiting: boolean;
  resolve(ack: SocketAck): void;
  reject(err: Error): void;
}

const HOST = 'applink-standin-1';

export class SocketModeStandIn {
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly tickets = new Map<string, number>();
  private readonly open: Connection[] = [];
  private readonly envelopes = new Map<string, Envelope>();
  private connectionSeq = 0;
  private stopped = false;
  private readonly ackTimeoutMs: number;
  private readonly maxRetries: number;
  private readonly pingIntervalMs: number;
  private readonly ticketTtlMs: number;

  constructor(
    private readonly wsBaseUrl: () => string,
    private readonly appId: () => string,
    options: SocketModeStandInOptions = {},
  ) {
    this.ackTimeoutMs = options.ackTimeoutMs ?? 3_000;
    this.maxRetries = options.maxRetries ?? 3;
    this.pingIntervalMs = options.pingIntervalMs ?? 5_000;
    this.ticketTtlMs = options.ticketTtlMs ?? 30_000;
  }

  // ----------------------------------------------------------------- apps.connections.open side

  /** A single-use WebSocket URL, as `apps.connections.open` returns it. */
  issueUrl(): string {
    const ticket = randomUUID();
    this.tickets.set(ticket, Date.now() + this.ticketTtlMs);
    return `${this.wsBaseUrl()}/link/?ticket=${ticket}&app_id=${this.appId()}`;
  }

  /** The HTTP server's `upgrade` event: only a fresh ticket opens a connection. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const ticket = url.searchParams.get('ticket') ?? '';
    const expiresAt = this.tickets.get(ticket);
    this.tickets.delete(ticket);
    if (this.stopped || url.pathname !== '/link/' || !expiresAt || expiresAt < Date.now()) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws));
  }

  // ------------------------------------------------------------------------------- sending

  /** Sends one envelope; resolves when the app acknowledges it, rejects when Slack gives up. */
  send(type: SocketEnvelopeType, payload: Json, options: SocketDeliverOptions = {}) {
    const envelopeId = randomUUID();
    return new Promise<SocketAck>((resolve, reject) => {
      const envelope: Envelope = {
        record: { envelopeId, type, deliveries: [], acked: false, gaveUp: false },
        payload,
        // Slack takes a reply in the ack where the HTTP answer could carry one.
        acceptsResponsePayload:
          type === 'slash_commands' ||
          (type === 'interactive' &&
            ['view_submission', 'block_suggestion', 'shortcut'].includes(String(payload.type))),
        loseAcks: options.loseAcks ?? 0,
        waiting: true,
        resolve,
        reject,
      };
      this.envelopes.set(envelopeId, envelope);
      this.deliver(envelope, '');
    });
  }

  /** Sends Slack's `disconnect` message on every open connection; the app is to reconnect. */
  disconnect(reason: SocketDisconnectReason): void {
    for (const c of this.open) {
      c.ws.send(JSON.stringify({ type: 'disconnect', reason, debug_info: { host: HOST } }));
    }
  }

  /** Every open connection dies at once, with no close frame (a network cut, a crashed pod). */
  drop(): void {
    for (const c of [...this.open]) c.ws.terminate();
  }

  // ---------------------------------------------------------------------------- inspectors

  /** Connections open now. */
  connections(): number {
    return this.open.length;
  }

  /** Connections opened since the start (each got a `hello`). */
  connectionsOpened(): number {
    return this.connectionSeq;
  }

  sent(): SocketEnvelopeRecord[] {
    return structuredClone([...this.envelopes.values()].map((e) => e.record));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const e of this.envelopes.values()) clearTimeout(e.timer);
    for (const c of [...this.open]) c.ws.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  // ------------------------------------------------------------------------------ internals

  private accept(ws: WebSocket): void {
    const connection: Connection = {
      id: ++this.connectionSeq,
      ws,
      ping: setInterval(() => ws.ping(), this.pingIntervalMs),
    };
    connection.ping.unref();
    this.open.push(connection);
    ws.on('message', (data, isBinary) => {
      if (!isBinary) this.onMessage(connection, String(data));
    });
    ws.on('close', () => this.onClose(connection));
    ws.on('error', () => ws.terminate());
    ws.send(
      JSON.stringify({
        type: 'hello',
        num_connections: this.open.length,
        debug_info: { host: HOST, build_number: 119, approximate_connection_time: 18060 },
        connection_info: { app_id: this.appId() },
      }),
    );
    // Whatever waited for a connection goes out on this one.
    for (const e of this.envelopes.values()) {
      if (e.waiting && !e.record.acked && !e.record.gaveUp)
        this.deliver(e, e.record.deliveries.length ? 'timeout' : '');
    }
  }

  private deliver(envelope: Envelope, retryReason: string): void {
    const connection = this.open[this.open.length - 1];
    if (this.stopped) return;
    if (!connection) {
      envelope.waiting = true;
      envelope.on = undefined;
      return;
    }
    const retryAttempt = envelope.record.deliveries.length;
    if (retryAttempt > this.maxRetries) {
      envelope.record.gaveUp = true;
      envelope.reject(
        new Error(
          `envelope ${envelope.record.envelopeId} was not acknowledged after ${retryAttempt} deliveries`,
        ),
      );
      return;
    }
    envelope.waiting = false;
    envelope.on = connection;
    envelope.record.deliveries.push({ retryAttempt, retryReason, connection: connection.id });
    const type = envelope.record.type;
    connection.ws.send(
      JSON.stringify({
        envelope_id: envelope.record.envelopeId,
        payload: envelope.payload,
        type,
        accepts_response_payload: envelope.acceptsResponsePayload,
        // Events carry the retry fields from the first delivery; other envelopes once retried.
        ...(type === 'events_api' || retryAttempt > 0
          ? { retry_attempt: retryAttempt, retry_reason: retryReason }
          : {}),
      }),
    );
    clearTimeout(envelope.timer);
    envelope.timer = setTimeout(() => this.deliver(envelope, 'timeout'), this.ackTimeoutMs);
    envelope.timer.unref();
  }

  private onMessage(connection: Connection, raw: string): void {
    let message: unknown;
    try {
      message = JSON.parse(raw);
    } catch {
      return; // Slack ignores what it cannot parse
    }
    if (typeof message !== 'object' || message === null) return;
    const { envelope_id: envelopeId, payload } = message as {
      envelope_id?: unknown;
      payload?: unknown;
    };
    const envelope = typeof envelopeId === 'string' ? this.envelopes.get(envelopeId) : undefined;
    // An ack for an unknown or already acknowledged envelope changes nothing.
    if (!envelope || envelope.record.acked || envelope.record.gaveUp) return;
    if (envelope.loseAcks > 0) {
      envelope.loseAcks -= 1;
      connection.ws.terminate();
      return;
    }
    envelope.record.acked = true;
    clearTimeout(envelope.timer);
    envelope.resolve({
      envelopeId: envelope.record.envelopeId,
      ...(isObject(payload) && Object.keys(payload).length > 0 ? { payload } : {}),
      deliveries: envelope.record.deliveries.length,
    });
  }

  private onClose(connection: Connection): void {
    clearInterval(connection.ping);
    const index = this.open.indexOf(connection);
    if (index >= 0) this.open.splice(index, 1);
    // What it held unacknowledged goes again on another connection, now or when one opens.
    for (const e of this.envelopes.values()) {
      if (e.on === connection && !e.record.acked && !e.record.gaveUp) {
        clearTimeout(e.timer);
        this.deliver(e, 'timeout');
      }
    }
  }
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Slack's app-level tokens: `xapp-<version>-<app id>-<digits>-<64 hex>`. */
export function appLevelToken(appId: string): string {
  const digits = Array.from(randomBytes(13), (b) => String(b % 10)).join('');
  return `xapp-1-${appId}-${digits}-${randomBytes(32).toString('hex')}`;
}
