import { randomBytes } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import {
  eventBody,
  EventBodyInput,
  slashCommandBody,
  SlashCommandInput,
  TEST_APP_ID,
} from './slack-signing';
import {
  appLevelToken,
  SocketAck,
  SocketDeliverOptions,
  SocketModeStandIn,
  SocketModeStandInOptions,
} from './slack-socket-mode-stand-in';
import { recordSecret } from './log-capture';

/**
 * A local stand-in for the parts of Slack's Web API (and OAuth, and response_url) this app uses.
 * It answers with Slack's real shapes and error codes so the app's error handling is exercised as
 * it would be in production; see the spec beside it for what is verified against @slack/web-api.
 */

type Json = Record<string, unknown>;
/** `app`: an app-level token (`xapp-…`), good only for apps.connections.open. */
type TokenType = 'bot' | 'user' | 'app';

export interface SlackStandInOptions {
  port?: number;
  /** Clock (ms) for rate windows, OAuth code, trigger, snooze and status expiry. */
  now?: () => number;
  /** Socket Mode: ack timeout, retries, ping interval. */
  socketMode?: SocketModeStandInOptions;
}

export interface TeamSeed {
  id: string;
  name: string;
  domain?: string;
}

export interface ProfileSeed {
  status_text?: string;
  status_emoji?: string;
  status_expiration?: number;
  display_name?: string;
  first_name?: string;
  last_name?: string;
  title?: string;
  phone?: string;
}

export interface UserSeed {
  id: string;
  teamId: string;
  name: string;
  realName?: string;
  tz?: string;
  tzOffset?: number;
  isBot?: boolean;
  deleted?: boolean;
  isAdmin?: boolean;
  isOwner?: boolean;
  isPrimaryOwner?: boolean;
  email?: string;
  profile?: ProfileSeed;
  /** DND schedule; enabled 22:00-08:00 local by default. */
  dnd?: { enabled?: boolean; startHour?: number; endHour?: number };
}

export interface StoredProfile {
  title: string;
  phone: string;
  skype: string;
  real_name: string;
  real_name_normalized: string;
  display_name: string;
  display_name_normalized: string;
  first_name: string;
  last_name: string;
  email?: string;
  status_text: string;
  status_emoji: string;
  status_expiration: number;
  avatar_hash: string;
  image_24: string;
  image_32: string;
  image_48: string;
  image_72: string;
  image_192: string;
  image_512: string;
  team: string;
  bot_id?: string;
  api_app_id?: string;
  always_active?: boolean;
}

export interface StoredUser {
  id: string;
  teamId: string;
  name: string;
  tz: string;
  tzOffset?: number;
  isBot: boolean;
  botId?: string;
  deleted: boolean;
  isAdmin: boolean;
  isOwner: boolean;
  isPrimaryOwner: boolean;
  updated: number;
  profile: StoredProfile;
  dnd: { enabled: boolean; startHour: number; endHour: number; snoozeEndtime: number | null };
}

export interface CallRecord {
  method: string;
  token: string | undefined;
  /** Body and query merged, as sent (JSON-valued form fields stay strings); `token` removed. */
  params: Json;
  at: number;
  teamId?: string;
  status: number;
  error?: string;
  /** Received and never answered (a storm's `hang`); status is 0. */
  hung?: true;
}

export interface RateLimitViolation extends CallRecord {
  /** End (ms) of the Retry-After period this call ignored. */
  retryAfterUntil: number;
  /** When the 429 announcing that Retry-After was answered. */
  announcedAt: number;
}

/** A token bucket per workspace: `perMinute` tokens a minute, at most `burst` held. */
export interface HiddenLimit {
  perMinute: number;
  burst: number;
}

/** The order requests came in, and the real time (see the server's request handler). */
const arrivalOf = new WeakMap<IncomingMessage, number>();
const arrivalMs = new WeakMap<IncomingMessage, number>();

export interface Fault {
  status?: number;
  error?: string;
  retryAfter?: number;
}

/**
 * What a call meets during a storm (`storm()`): a fault as failNext takes it, `hang` (the
 * request is received and never answered, as a Slack edge that stalls: the method does not run,
 * and the caller's own timeout ends the wait), or nothing (the call is served normally).
 */
export type StormFault = Fault | 'hang' | undefined;

export interface Storm {
  /** Methods the storm hits; every method when omitted. */
  methods?: string[];
  /** The storm blows until this instant of the stand-in's clock (ms). */
  until: number;
  /** Decides each call's fate, e.g. at random. */
  pick: (method: string) => StormFault;
}

export interface StoredMessage {
  type: 'message';
  channel: string;
  team: string;
  ts: string;
  text: string;
  blocks?: Json[];
  user: string;
  bot_id?: string;
  app_id?: string;
  thread_ts?: string;
  edited?: { user: string; ts: string };
}

export interface StoredEphemeral {
  channel: string;
  user: string;
  message_ts: string;
  text: string;
  blocks?: Json[];
  thread_ts?: string;
  postedBy: string;
}

export interface StoredView {
  userId?: string;
  view: Json;
}

export interface ResponseUrlPost {
  id: string;
  body: unknown;
  at: number;
}

interface Team {
  id: string;
  name: string;
  domain: string;
  slackbot: StoredUser;
  bot?: { userId: string; botId: string };
}

interface TokenRecord {
  token: string;
  type: TokenType;
  teamId: string;
  userId: string;
  botId?: string;
  scopes: string[];
  revoked?: string;
}

interface Channel {
  id: string;
  teamId: string;
  kind: 'channel' | 'im' | 'mpim';
  name?: string;
  /** undefined = every member of the team (a public channel). */
  members?: string[];
  botIsMember: boolean;
  created: number;
}

interface OAuthCode {
  clientId: string;
  teamId: string;
  userId: string;
  scopes: string[];
  userScopes: string[];
  redirectUri?: string;
  expiresAt: number;
  used: boolean;
}

interface Ctx {
  params: Json;
  auth: TokenRecord;
  team: Team;
  actor: StoredUser;
  now: number;
}

interface MethodSpec {
  /** Token types Slack accepts; others get `not_allowed_token_type`. */
  tokens: TokenType[];
  /** Any one of these scopes suffices (Slack's X-Accepted-OAuth-Scopes). */
  scopes: string[];
  handle: (ctx: Ctx) => Json;
}

const DEFAULT_BOT_SCOPES = [
  'chat:write',
  'commands',
  'im:write',
  'users:read',
  'users:read.email',
  'users.profile:read',
  'dnd:read',
];
const DEFAULT_USER_SCOPES = [
  'users:read',
  'users.profile:read',
  'users.profile:write',
  'dnd:read',
  'dnd:write',
];
const ANY: TokenType[] = ['bot', 'user'];
const USER: TokenType[] = ['user'];
const CHAT_WRITE = ['chat:write', 'chat:write:bot', 'chat:write:user'];
const IM_WRITE = ['im:write', 'mpim:write', 'channels:manage', 'groups:write'];
const TRIGGER_TTL_MS = 3_000;
const OAUTH_CODE_TTL_MS = 10 * 60_000;
const RESPONSE_URL_TTL_MS = 30 * 60_000;
const RESPONSE_URL_MAX_USES = 5;

const fail = (error: string, extra: Json = {}): Json => ({ ok: false, error, ...extra });
const invalidArguments = (...messages: string[]): Json =>
  fail('invalid_arguments', { response_metadata: { messages } });
const randomId = (prefix: string, len = 10): string => {
  const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';
  return prefix + Array.from(randomBytes(len), (b) => alphabet[b % alphabet.length]).join('');
};
const clone = <T>(value: T): T => structuredClone(value);

function str(params: Json, key: string): string | undefined {
  const v = params[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

/** Objects arrive JSON-encoded inside forms but as real JSON in JSON bodies; accept both. */
function jsonParam(params: Json, key: string): { value?: unknown; invalid?: true } {
  const v = params[key];
  if (v === undefined || v === null || v === '') return {};
  if (typeof v !== 'string') return { value: v };
  try {
    return { value: JSON.parse(v) };
  } catch {
    return { invalid: true };
  }
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function timeZoneInfo(tz: string, at: number): { label: string; offset: number } {
  try {
    const part = (timeZoneName: 'long' | 'longOffset') =>
      new Intl.DateTimeFormat('en-US', { timeZone: tz, timeZoneName })
        .formatToParts(at)
        .find((p) => p.type === 'timeZoneName')?.value ?? '';
    const m = /GMT([+-])(\d{2}):(\d{2})/.exec(part('longOffset'));
    const offset = m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 3600 + Number(m[3]) * 60) : 0;
    return { label: part('long'), offset };
  } catch {
    return { label: tz, offset: 0 };
  }
}

export class SlackStandIn {
  private port = 0;

  private readonly teams = new Map<string, Team>();
  private readonly users = new Map<string, StoredUser>();
  private readonly tokens = new Map<string, TokenRecord>();
  private readonly channels = new Map<string, Channel>();
  private readonly dmByPair = new Map<string, string>();
  private readonly storedMessages: StoredMessage[] = [];
  private readonly storedEphemerals: StoredEphemeral[] = [];
  private readonly views = new Map<string, StoredView>();
  private readonly homeViews = new Map<string, string>();
  private readonly triggers = new Map<
    string,
    { expiresAt: number; used: boolean; userId?: string }
  >();
  private readonly codes = new Map<string, OAuthCode>();
  private readonly responseUrls = new Map<string, { createdAt: number; uses: number }>();
  private readonly responsePosts: ResponseUrlPost[] = [];
  private readonly callLog: CallRecord[] = [];
  private readonly faults = new Map<string, Array<Fault & { remaining: number }>>();
  private readonly holds = new Map<string, Array<{ arrived(): void; released: Promise<void> }>>();
  private readonly limits = new Map<string, { perMinute: number; retryAfterSeconds?: number }>();
  private readonly windows = new Map<string, number[]>();
  private readonly retryAfterUntil = new Map<string, number>();
  /**
   * When each Retry-After was sent: the arrival number of the last call that had come in, and
   * the real time (performance.now(), whatever clock the stand-in is given).
   */
  private readonly retryAfterSentAt = new Map<string, { arrivals: number; realMs: number }>();
  private readonly hiddenLimits = new Map<string, HiddenLimit>();
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly violations: RateLimitViolation[] = [];
  private readonly refusedInFlight: CallRecord[] = [];
  private arrivals = 0;
  private inFlightMs = 0;
  /** When each running Retry-After was announced (the 429 answered), on the stand-in's clock. */
  private readonly announcedAt = new Map<string, number>();
  private currentStorm?: Storm;
  private oauthApp?: { clientId: string; clientSecret: string; appId: string; botName: string };
  private authorizing?: { teamId: string; userId: string; approve: boolean };
  private tsSeq = 0;

  private readonly server: Server;
  /** Socket Mode: the WebSocket side, reached at the URLs apps.connections.open hands out. */
  readonly socket: SocketModeStandIn;

  private constructor(
    private readonly clock: () => number,
    socketOptions?: SocketModeStandInOptions,
  ) {
    this.server = createServer((req, res) => {
      // Numbered as they come in, before any await: a call that came in before a 429 was sent
      // was already on its way, whatever order the two are handled in.
      arrivalOf.set(req, ++this.arrivals);
      arrivalMs.set(req, performance.now());
      this.route(req, res).catch((err: unknown) => {
        res.writeHead(500, { 'Content-Type': 'text/plain' });
        res.end(String(err instanceof Error ? err.stack : err));
      });
    });
    this.socket = new SocketModeStandIn(
      () => `ws://127.0.0.1:${this.port}`,
      () => this.appId(),
      socketOptions,
    );
    this.server.on('upgrade', (req, socket, head) => this.socket.handleUpgrade(req, socket, head));
  }

  static async start(opts: SlackStandInOptions = {}): Promise<SlackStandIn> {
    const standIn = new SlackStandIn(opts.now ?? Date.now, opts.socketMode);
    await new Promise<void>((resolve, reject) => {
      standIn.server.once('error', reject);
      standIn.server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
    });
    standIn.port = (standIn.server.address() as AddressInfo).port;
    return standIn;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Pass as WebClient's `slackApiUrl`. */
  get apiUrl(): string {
    return `${this.baseUrl}/api/`;
  }

  get authorizeUrl(): string {
    return `${this.baseUrl}/oauth/v2/authorize`;
  }

  async stop(): Promise<void> {
    await this.socket.stop();
    this.server.closeAllConnections();
    await new Promise<void>((resolve, reject) =>
      this.server.close((err) => (err ? reject(err) : resolve())),
    );
  }

  // The router: Web API method -> the token types and scopes Slack accepts, and the handler.
  private readonly router: Record<string, MethodSpec> = {
    'auth.test': { tokens: ANY, scopes: [], handle: (c) => this.authTest(c) },
    'users.list': { tokens: ANY, scopes: ['users:read'], handle: (c) => this.usersList(c) },
    'users.info': { tokens: ANY, scopes: ['users:read'], handle: (c) => this.usersInfo(c) },
    'conversations.open': {
      tokens: ANY,
      scopes: IM_WRITE,
      handle: (c) => this.conversationsOpen(c),
    },
    'chat.postMessage': { tokens: ANY, scopes: CHAT_WRITE, handle: (c) => this.chatPostMessage(c) },
    'chat.update': { tokens: ANY, scopes: CHAT_WRITE, handle: (c) => this.chatUpdate(c) },
    'chat.postEphemeral': {
      tokens: ANY,
      scopes: CHAT_WRITE,
      handle: (c) => this.chatPostEphemeral(c),
    },
    'views.open': { tokens: ANY, scopes: [], handle: (c) => this.viewsOpen(c) },
    'views.update': { tokens: ANY, scopes: [], handle: (c) => this.viewsUpdate(c) },
    'views.publish': { tokens: ANY, scopes: [], handle: (c) => this.viewsPublish(c) },
    'users.profile.get': {
      tokens: ANY,
      scopes: ['users.profile:read'],
      handle: (c) => this.usersProfileGet(c),
    },
    'users.profile.set': {
      tokens: USER,
      scopes: ['users.profile:write'],
      handle: (c) => this.usersProfileSet(c),
    },
    'dnd.setSnooze': { tokens: USER, scopes: ['dnd:write'], handle: (c) => this.dndSetSnooze(c) },
    'dnd.endSnooze': { tokens: USER, scopes: ['dnd:write'], handle: (c) => this.dndEndSnooze(c) },
    'dnd.info': { tokens: ANY, scopes: ['dnd:read'], handle: (c) => this.dndInfo(c) },
    // oauth.v2.access takes client credentials, not a token; handleApi routes it specially.
  };

  // ---------------------------------------------------------------------------------- seeding

  addTeam(seed: TeamSeed): void {
    const domain = seed.domain ?? seed.id.toLowerCase();
    // Every real workspace lists USLACKBOT (is_bot:false, oddly); user-sync code must cope with it.
    const slackbot = this.buildUser({
      id: 'USLACKBOT',
      teamId: seed.id,
      name: 'slackbot',
      realName: 'Slackbot',
      tz: 'America/Los_Angeles',
    });
    slackbot.profile.always_active = true;
    this.teams.set(seed.id, { id: seed.id, name: seed.name, domain, slackbot });
  }

  addUser(seed: UserSeed): void {
    this.requireTeam(seed.teamId);
    this.users.set(seed.id, this.buildUser(seed));
  }

  /** Changes a user as an admin would in Slack (time zone, deactivation, name); bumps `updated`. */
  updateUser(
    id: string,
    patch: Partial<Pick<StoredUser, 'name' | 'tz' | 'tzOffset' | 'deleted'>>,
  ): void {
    const user = this.users.get(id);
    if (!user) throw new Error(`unknown user ${id}`);
    Object.assign(user, patch, { updated: Math.floor(this.clock() / 1000) });
  }

  addChannel(teamId: string, id: string, name: string, opts: { botIsMember?: boolean } = {}): void {
    this.requireTeam(teamId);
    this.channels.set(id, {
      id,
      teamId,
      kind: 'channel',
      name,
      botIsMember: opts.botIsMember ?? true,
      created: Math.floor(this.clock() / 1000),
    });
  }

  issueBotToken(teamId: string, opts: { botUserId?: string; scopes?: string[] } = {}): string {
    const bot = this.ensureBotUser(teamId, opts.botUserId);
    const token = `xoxb-${randomDigits(12)}-${randomDigits(13)}-${randomBytes(12).toString('base64url')}`;
    recordSecret(token);
    this.tokens.set(token, {
      token,
      type: 'bot',
      teamId,
      userId: bot.userId,
      botId: bot.botId,
      scopes: [...(opts.scopes ?? DEFAULT_BOT_SCOPES)],
    });
    return token;
  }

  issueUserToken(teamId: string, userId: string, scopes: string[] = DEFAULT_USER_SCOPES): string {
    this.requireTeam(teamId);
    if (this.users.get(userId)?.teamId !== teamId)
      throw new Error(`no user ${userId} in ${teamId}`);
    const token = `xoxp-${randomDigits(12)}-${randomDigits(12)}-${randomDigits(13)}-${randomBytes(16).toString('hex')}`;
    recordSecret(token);
    this.tokens.set(token, { token, type: 'user', teamId, userId, scopes: [...scopes] });
    return token;
  }

  /** Slack answers `token_revoked` for revoked/uninstalled tokens; pass another code if needed. */
  revokeToken(
    token: string,
    error: 'token_revoked' | 'invalid_auth' | 'account_inactive' = 'token_revoked',
  ): void {
    const rec = this.tokens.get(token);
    if (rec) rec.revoked = error;
  }

  /** An app-level token (Basic Information → App-Level Tokens), scope connections:write. */
  issueAppToken(scopes: string[] = ['connections:write']): string {
    const token = appLevelToken(this.appId());
    this.tokens.set(token, { token, type: 'app', teamId: '', userId: '', scopes: [...scopes] });
    return token;
  }

  // ------------------------------------------------------------------- Socket Mode payloads

  /** A slash command over Socket Mode: the same fields Slack POSTs, as a JSON payload. */
  socketSlashCommand(input: SlashCommandInput, options?: SocketDeliverOptions): Promise<SocketAck> {
    const fields = Object.fromEntries(new URLSearchParams(slashCommandBody(input)));
    return this.socket.send('slash_commands', fields, options);
  }

  /** block_actions, view_submission, shortcut… over Socket Mode: the payload as it is, no form. */
  socketInteractive(payload: Json, options?: SocketDeliverOptions): Promise<SocketAck> {
    return this.socket.send('interactive', payload, options);
  }

  /** An Events API callback over Socket Mode. */
  socketEvent(input: EventBodyInput, options?: SocketDeliverOptions): Promise<SocketAck> {
    return this.socket.send('events_api', JSON.parse(eventBody(input)) as Json, options);
  }

  setOAuthApp(app: {
    clientId: string;
    clientSecret: string;
    appId?: string;
    botName?: string;
  }): void {
    this.oauthApp = { appId: TEST_APP_ID, botName: 'pulsedesk', ...app };
  }

  /** Who "clicks Allow" on the authorize page; `approve:false` simulates Cancel (access_denied). */
  setAuthorizingUser(teamId: string, userId: string, opts: { approve?: boolean } = {}): void {
    this.authorizing = { teamId, userId, approve: opts.approve ?? true };
  }

  /** A trigger_id valid for 3 s of the injected clock, exchangeable once (as Slack's). */
  issueTriggerId(opts: { userId?: string } = {}): string {
    const id = `${randomDigits(13)}.${randomDigits(11)}.${randomBytes(16).toString('hex')}`;
    this.triggers.set(id, {
      expiresAt: this.clock() + TRIGGER_TTL_MS,
      used: false,
      userId: opts.userId,
    });
    return id;
  }

  responseUrl(): string {
    const id = randomBytes(12).toString('hex');
    this.responseUrls.set(id, { createdAt: this.clock(), uses: 0 });
    return `${this.baseUrl}/response/${id}`;
  }

  // ------------------------------------------------------------------------- fault injection

  failNext(method: string, fault: Fault, times = 1): void {
    const queue = this.faults.get(method) ?? [];
    queue.push({ ...fault, remaining: times });
    this.faults.set(method, queue);
  }

  /**
   * The next call of `method` stays unanswered (as a slow Slack would leave it) until
   * `release()`; `arrived` resolves when the call has come in.
   */
  hold(method: string): { arrived: Promise<void>; release(): void } {
    let arrived!: () => void;
    let release!: () => void;
    const arrivedP = new Promise<void>((resolve) => (arrived = resolve));
    const released = new Promise<void>((resolve) => (release = resolve));
    const queue = this.holds.get(method) ?? [];
    queue.push({ arrived, released });
    this.holds.set(method, queue);
    return { arrived: arrivedP, release };
  }

  /**
   * A fault schedule: until `storm.until`, each call of the storm's methods meets what
   * `storm.pick` decides (a 5xx, a 429 with Retry-After, a hung response, or normal service).
   * Retry-After is honoured as Slack does: a call before it ends is refused again and recorded
   * as a violation (rateLimitViolations).
   */
  storm(storm: Storm): void {
    this.currentStorm = storm;
  }

  /** Per API method per workspace, as Slack counts (the app is implicit: there is one). */
  setRateLimit(method: string, limit: { perMinute: number; retryAfterSeconds?: number }): void {
    this.limits.set(method, limit);
  }

  /**
   * A limit the app is not told of (as a workspace may enforce one under or over Slack's
   * published tier): a token bucket per workspace of `perMinute` tokens a minute holding at most
   * `burst`, full at first. A call without a token is answered 429 with the Retry-After after
   * which one will be there. Takes the place of a setRateLimit window for the method.
   */
  setHiddenLimit(method: string, limit: HiddenLimit): void {
    this.limits.delete(method);
    this.hiddenLimits.set(method, limit);
  }

  /**
   * A call that reaches Slack within `ms` (real time) after a 429 was sent was on its way before
   * the client could have heard of it — a request on a new connection comes in after the ones
   * already open, and a busy client reads the 429 late: refused, but not counted as ignoring
   * Retry-After (rateLimitViolations). 0 by default: only calls that came in before the 429.
   */
  setInFlightAllowance(ms: number): void {
    this.inFlightMs = ms;
  }

  clearRateLimits(): void {
    this.limits.clear();
    this.hiddenLimits.clear();
    this.buckets.clear();
    this.windows.clear();
    this.retryAfterUntil.clear();
    this.retryAfterSentAt.clear();
    this.announcedAt.clear();
  }

  // ------------------------------------------------------------------------------ inspectors

  calls(method?: string): CallRecord[] {
    return clone(method ? this.callLog.filter((c) => c.method === method) : this.callLog);
  }

  clearCalls(): void {
    this.callLog.length = 0;
    this.violations.length = 0;
    this.refusedInFlight.length = 0;
  }

  /**
   * Calls made inside a Retry-After window: sent after Slack had answered 429 for the method in
   * the workspace and before the Retry-After it gave had passed.
   */
  rateLimitViolations(): RateLimitViolation[] {
    return clone(this.violations);
  }

  /**
   * Calls that reached Slack inside a Retry-After window but had been sent before that 429 was
   * answered (they came in first): refused, as Slack refuses them, but not ignoring anything.
   */
  refusedWhileInFlight(): CallRecord[] {
    return clone(this.refusedInFlight);
  }

  /**
   * A message deleted in Slack by a person (in the client, not through the API): later calls
   * naming it (chat.update) answer `message_not_found`, as Slack's do. False when there was none.
   */
  deleteMessage(channel: string, ts: string): boolean {
    const i = this.storedMessages.findIndex((m) => m.channel === channel && m.ts === ts);
    if (i < 0) return false;
    this.storedMessages.splice(i, 1);
    return true;
  }

  messages(channel?: string): StoredMessage[] {
    return clone(
      channel ? this.storedMessages.filter((m) => m.channel === channel) : this.storedMessages,
    );
  }

  ephemerals(channel?: string): StoredEphemeral[] {
    return clone(
      channel ? this.storedEphemerals.filter((m) => m.channel === channel) : this.storedEphemerals,
    );
  }

  responses(id?: string): ResponseUrlPost[] {
    return clone(id ? this.responsePosts.filter((r) => r.id === id) : this.responsePosts);
  }

  /** Stored views opened with views.open (and later updated), with the user whose trigger opened them. */
  openedViews(): StoredView[] {
    return clone([...this.views.values()].filter((v) => v.view.type === 'modal'));
  }

  homeView(userId: string): Json | undefined {
    const id = this.homeViews.get(userId);
    return id ? clone(this.views.get(id)?.view) : undefined;
  }

  /** The stored user as Slack currently sees it (expired statuses already cleared). */
  user(id: string): StoredUser | undefined {
    const u = this.users.get(id);
    if (!u) return undefined;
    this.expireState(u);
    return clone(u);
  }

  /** The DM channel id between the team's bot and a user, if one was opened. */
  dmChannelId(teamId: string, userId: string): string | undefined {
    const bot = this.teams.get(teamId)?.bot;
    return bot ? this.dmByPair.get(pairKey(teamId, [bot.userId, userId])) : undefined;
  }

  // --------------------------------------------------------------------------------- routing

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.baseUrl);
    const apiMatch = /^\/api\/([A-Za-z0-9_.]+)$/.exec(url.pathname);
    if (apiMatch) return this.handleApi(apiMatch[1], req, url, res);
    if (url.pathname === '/oauth/v2/authorize' && req.method === 'GET')
      return this.authorize(url, res);
    const responseMatch = /^\/response\/([a-f0-9]+)$/.exec(url.pathname);
    if (responseMatch && req.method === 'POST')
      return this.responseUrlPost(responseMatch[1], req, res);
    send(res, 404, { ok: false, error: 'not_found' });
  }

  private async handleApi(method: string, req: IncomingMessage, url: URL, res: ServerResponse) {
    // The whole request is received before a hold: a held call that reached Slack is carried
    // out on release even if its client has gone away meanwhile (a crashed replica).
    const raw = await readBody(req);
    const hold = this.holds.get(method)?.shift();
    if (hold) {
      hold.arrived();
      await hold.released;
    }
    const now = this.clock();
    const contentType = String(req.headers['content-type'] ?? '');
    const parsed = parseParams(raw, contentType, url);
    const bearer = /^Bearer\s+(\S+)$/i.exec(String(req.headers.authorization ?? ''))?.[1];
    // Slack ignores `token` inside JSON bodies: JSON callers must use the Authorization header.
    const token = bearer ?? (parsed.kind === 'json' ? undefined : str(parsed.params, 'token'));
    const params = { ...parsed.params };
    delete params.token;
    const auth = token ? this.tokens.get(token) : undefined;
    const record: CallRecord = {
      method,
      token,
      params,
      at: now,
      teamId: auth?.teamId || undefined,
      status: 200,
    };
    this.callLog.push(record);

    const headers: Record<string, string> = {};
    const reply = (status: number, body: Json) => {
      record.status = status;
      if (body.ok === false) record.error = String(body.error);
      if (status === 200 && parsed.warning) {
        body.warning = parsed.warning;
        body.response_metadata = {
          ...(body.response_metadata as Json),
          warnings: [parsed.warning],
        };
      }
      send(res, status, body, headers);
    };

    if (parsed.error) return reply(200, fail(parsed.error));
    const spec = this.router[method];
    const isOAuth = method === 'oauth.v2.access';
    const isConnectionsOpen = method === 'apps.connections.open';
    if (!spec && !isOAuth && !isConnectionsOpen)
      return reply(404, fail('unknown_method', { req_method: method }));

    const limitKey = `${auth?.teamId ?? token ?? '-'}|${method}`;
    const announcedUntil = this.retryAfterUntil.get(limitKey);
    const limited = (retryAfter: number) => {
      this.retryAfterUntil.set(limitKey, now + retryAfter * 1000);
      this.retryAfterSentAt.set(limitKey, { arrivals: this.arrivals, realMs: performance.now() });
      this.announcedAt.set(limitKey, now);
      headers['Retry-After'] = String(retryAfter);
      return reply(429, fail('ratelimited'));
    };
    if (announcedUntil !== undefined && now < announcedUntil) {
      const sent = this.retryAfterSentAt.get(limitKey)!;
      const onItsWay =
        arrivalOf.get(req)! <= sent.arrivals || arrivalMs.get(req)! - sent.realMs < this.inFlightMs;
      if (!onItsWay) {
        this.violations.push({
          ...record,
          retryAfterUntil: announcedUntil,
          announcedAt: this.announcedAt.get(limitKey) ?? 0,
        });
      } else {
        this.refusedInFlight.push(record);
      }
      headers['Retry-After'] = String(Math.ceil((announcedUntil - now) / 1000));
      return reply(429, fail('ratelimited'));
    }
    if (announcedUntil !== undefined) {
      // Retry-After is Slack's promise that a retry then succeeds, so the window starts afresh.
      this.retryAfterUntil.delete(limitKey);
      this.windows.delete(limitKey);
    }

    const stormFault = this.stormFault(method, now);
    if (stormFault === 'hang') {
      record.status = 0;
      record.hung = true;
      // Never answered: the caller's timeout ends it; stop() closes the connection.
      return;
    }
    const fault = stormFault ?? this.takeFault(method);
    if (fault) {
      if (fault.retryAfter !== undefined) return limited(fault.retryAfter);
      if (fault.status && fault.status !== 200 && !fault.error) {
        record.status = fault.status;
        res.writeHead(fault.status, { 'Content-Type': 'text/html; charset=utf-8' });
        res.end(`<html><body>${fault.status}</body></html>`);
        return;
      }
      return reply(fault.status ?? 200, fail(fault.error ?? 'internal_error'));
    }

    if (isOAuth) return reply(200, this.oauthV2Access(params, req.headers.authorization, now));
    if (!token) return reply(200, fail('not_authed'));
    if (!auth) return reply(200, fail('invalid_auth'));
    if (auth.revoked) return reply(200, fail(auth.revoked));
    // App-level tokens open Socket Mode connections and do nothing else; nothing else opens one.
    if (isConnectionsOpen || auth.type === 'app') {
      if (!isConnectionsOpen || auth.type !== 'app')
        return reply(200, fail('not_allowed_token_type'));
      return reply(200, this.appsConnectionsOpen(auth));
    }
    const team = this.teams.get(auth.teamId)!;
    const actor = this.users.get(auth.userId)!;
    if (actor.deleted) return reply(200, fail('account_inactive'));
    headers['X-OAuth-Scopes'] = auth.scopes.join(',');
    if (spec.scopes.length > 0) headers['X-Accepted-OAuth-Scopes'] = spec.scopes.join(',');

    const limit = this.limits.get(method);
    if (limit) {
      const window = (this.windows.get(limitKey) ?? []).filter((t) => t > now - 60_000);
      if (window.length >= limit.perMinute) {
        const natural = Math.max(1, Math.ceil((window[0] + 60_000 - now) / 1000));
        this.windows.set(limitKey, window);
        return limited(limit.retryAfterSeconds ?? natural);
      }
      window.push(now);
      this.windows.set(limitKey, window);
    }
    const hidden = this.hiddenLimits.get(method);
    if (hidden) {
      const bucket = this.buckets.get(limitKey) ?? { tokens: hidden.burst, at: now };
      bucket.tokens = Math.min(
        hidden.burst,
        bucket.tokens + ((now - bucket.at) * hidden.perMinute) / 60_000,
      );
      bucket.at = now;
      this.buckets.set(limitKey, bucket);
      if (bucket.tokens < 1) {
        const msToToken = ((1 - bucket.tokens) * 60_000) / hidden.perMinute;
        return limited(Math.max(1, Math.ceil(msToToken / 1000)));
      }
      bucket.tokens -= 1;
    }

    if (!spec.tokens.includes(auth.type)) return reply(200, fail('not_allowed_token_type'));
    if (spec.scopes.length > 0 && !spec.scopes.some((s) => auth.scopes.includes(s))) {
      return reply(
        200,
        fail('missing_scope', { needed: spec.scopes[0], provided: auth.scopes.join(',') }),
      );
    }
    this.expireState(actor);
    reply(200, spec.handle({ params, auth, team, actor, now }));
  }

  private stormFault(method: string, now: number): StormFault {
    const storm = this.currentStorm;
    if (!storm || now >= storm.until) return undefined;
    if (storm.methods && !storm.methods.includes(method)) return undefined;
    return storm.pick(method);
  }

  private takeFault(method: string): Fault | undefined {
    const queue = this.faults.get(method);
    const head = queue?.[0];
    if (!queue || !head) return undefined;
    head.remaining -= 1;
    if (head.remaining <= 0) queue.shift();
    return head;
  }

  // ----------------------------------------------------------------------------------- OAuth

  private authorize(url: URL, res: ServerResponse): void {
    const q = url.searchParams;
    const redirectUri = q.get('redirect_uri') ?? undefined;
    const state = q.get('state');
    const redirect = (extra: Record<string, string>) => {
      if (!redirectUri) return send(res, 400, { ok: false, error: 'bad_redirect_uri' });
      const target = new URL(redirectUri);
      for (const [k, v] of Object.entries(extra)) target.searchParams.set(k, v);
      if (state !== null) target.searchParams.set('state', state);
      res.writeHead(302, { Location: target.toString() });
      res.end();
    };
    if (!this.oauthApp || q.get('client_id') !== this.oauthApp.clientId) {
      return redirect({ error: 'invalid_client_id' });
    }
    if (!this.authorizing || !this.authorizing.approve) return redirect({ error: 'access_denied' });
    const split = (s: string | null) => (s ?? '').split(/[\s,]+/).filter(Boolean);
    const code = `${randomDigits(10)}.${randomDigits(13)}.${randomBytes(32).toString('hex')}`;
    recordSecret(code, code.split('.')[2]);
    this.codes.set(code, {
      clientId: this.oauthApp.clientId,
      teamId: this.authorizing.teamId,
      userId: this.authorizing.userId,
      scopes: split(q.get('scope')),
      userScopes: split(q.get('user_scope')),
      redirectUri,
      expiresAt: this.clock() + OAUTH_CODE_TTL_MS,
      used: false,
    });
    redirect({ code });
  }

  private oauthV2Access(params: Json, authorization: string | undefined, now: number): Json {
    // Slack prefers client credentials via HTTP Basic, but also takes them as params.
    let clientId = str(params, 'client_id');
    let clientSecret = str(params, 'client_secret');
    const basic = /^Basic\s+(\S+)$/i.exec(authorization ?? '')?.[1];
    if (basic) {
      const decoded = Buffer.from(basic, 'base64').toString('utf8');
      const sep = decoded.indexOf(':');
      clientId = decoded.slice(0, sep);
      clientSecret = decoded.slice(sep + 1);
    }
    const app = this.oauthApp;
    if (!app || clientId !== app.clientId) return fail('invalid_client_id');
    if (clientSecret !== app.clientSecret) return fail('bad_client_secret');
    const code = this.codes.get(str(params, 'code') ?? '');
    if (!code || code.used || code.expiresAt <= now || code.clientId !== clientId) {
      return fail('invalid_code');
    }
    // Only enforced when the authorize step carried one, per Slack's docs.
    if (code.redirectUri !== undefined && str(params, 'redirect_uri') !== code.redirectUri) {
      return fail('bad_redirect_uri');
    }
    code.used = true;
    const team = this.requireTeam(code.teamId);
    const body: Json = { ok: true };
    if (code.scopes.length > 0) {
      const rec = this.reinstallToken('bot', code.teamId, undefined, code.scopes, app.botName);
      Object.assign(body, {
        access_token: rec.token,
        token_type: 'bot',
        scope: rec.scopes.join(','),
        bot_user_id: rec.userId,
      });
    }
    const authedUser: Json = { id: code.userId };
    if (code.userScopes.length > 0) {
      const rec = this.reinstallToken('user', code.teamId, code.userId, code.userScopes);
      Object.assign(authedUser, {
        scope: rec.scopes.join(','),
        access_token: rec.token,
        token_type: 'user',
      });
    }
    return {
      ...body,
      app_id: app.appId,
      team: { id: team.id, name: team.name },
      enterprise: null,
      authed_user: authedUser,
      is_enterprise_install: false,
    };
  }

  /** Reinstalling hands back the existing live token with the scopes widened, as Slack does. */
  private reinstallToken(
    type: TokenType,
    teamId: string,
    userId: string | undefined,
    scopes: string[],
    botName?: string,
  ): TokenRecord {
    const botUserId =
      type === 'bot' ? this.ensureBotUser(teamId, undefined, botName).userId : userId;
    const existing = [...this.tokens.values()].find(
      (t) => t.type === type && t.teamId === teamId && t.userId === botUserId && !t.revoked,
    );
    if (existing) {
      for (const s of scopes) if (!existing.scopes.includes(s)) existing.scopes.push(s);
      return existing;
    }
    const token =
      type === 'bot'
        ? this.issueBotToken(teamId, { scopes })
        : this.issueUserToken(teamId, userId!, scopes);
    return this.tokens.get(token)!;
  }

  private async responseUrlPost(id: string, req: IncomingMessage, res: ServerResponse) {
    const raw = await readBody(req);
    const entry = this.responseUrls.get(id);
    // Slack honours a response_url up to 5 times within 30 minutes.
    if (
      !entry ||
      entry.uses >= RESPONSE_URL_MAX_USES ||
      this.clock() - entry.createdAt > RESPONSE_URL_TTL_MS
    ) {
      return send(res, 404, { ok: false, error: 'expired_url' });
    }
    entry.uses += 1;
    let body: unknown = raw;
    try {
      body = JSON.parse(raw);
    } catch {
      // Slack also accepts a plain-text body; keep it as the raw string.
    }
    this.responsePosts.push({ id, body, at: this.clock() });
    send(res, 200, { ok: true });
  }

  // ------------------------------------------------------------------------ method handlers

  private appsConnectionsOpen(auth: TokenRecord): Json {
    if (!auth.scopes.includes('connections:write')) {
      return fail('missing_scope', {
        needed: 'connections:write',
        provided: auth.scopes.join(','),
      });
    }
    return { ok: true, url: this.socket.issueUrl() };
  }

  private authTest({ auth, team, actor }: Ctx): Json {
    return {
      ok: true,
      url: `https://${team.domain}.slack.com/`,
      team: team.name,
      user: actor.name,
      team_id: team.id,
      user_id: actor.id,
      ...(auth.botId ? { bot_id: auth.botId } : {}),
      is_enterprise_install: false,
    };
  }

  private usersList({ params, auth, team, now }: Ctx): Json {
    const all = this.teamUsers(team);
    const requested = Number(str(params, 'limit') ?? 0);
    const limit = Math.min(requested > 0 ? requested : 100, 1000);
    let start = 0;
    const cursor = str(params, 'cursor');
    if (cursor) {
      // Slack's cursors are base64 of `user:<next id>`; anything else is rejected.
      const m = /^user:(\S+)$/.exec(Buffer.from(cursor, 'base64').toString('utf8'));
      start = m ? all.findIndex((u) => u.id === m[1]) : -1;
      if (start < 0) return fail('invalid_cursor');
    }
    const page = all.slice(start, start + limit);
    const next = all[start + limit];
    return {
      ok: true,
      members: page.map((u) => this.userObject(u, auth)),
      cache_ts: Math.floor(now / 1000),
      response_metadata: {
        next_cursor: next ? Buffer.from(`user:${next.id}`).toString('base64') : '',
      },
    };
  }

  private usersInfo({ params, auth, team }: Ctx): Json {
    const u = this.findUser(team, str(params, 'user'));
    return u ? { ok: true, user: this.userObject(u, auth) } : fail('user_not_found');
  }

  private conversationsOpen({ params, team, actor, now }: Ctx): Json {
    const channelParam = str(params, 'channel');
    if (channelParam) {
      const ch = this.channels.get(channelParam);
      if (!ch || ch.teamId !== team.id || !ch.members?.includes(actor.id))
        return fail('channel_not_found');
      return { ok: true, no_op: true, already_open: true, channel: { id: ch.id } };
    }
    const ids = (str(params, 'users') ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    if (ids.length === 0) return fail('users_list_not_supplied');
    if (ids.length > 8) return fail('too_many_users');
    for (const id of ids) {
      const u = this.findUser(team, id);
      if (!u) return fail('user_not_found');
      if (u.deleted) return fail('user_disabled');
    }
    const members = [...new Set([actor.id, ...ids])];
    const key = pairKey(team.id, members);
    const existed = this.dmByPair.has(key);
    const ch = this.openConversation(team.id, members, now);
    const channel =
      str(params, 'return_im') === 'true' && ch.kind === 'im'
        ? {
            id: ch.id,
            created: ch.created,
            is_im: true,
            is_org_shared: false,
            user: ids[0],
            last_read: '0000000000.000000',
            latest: null,
            unread_count: 0,
            unread_count_display: 0,
            is_open: true,
            priority: 0,
          }
        : { id: ch.id };
    return existed ? { ok: true, no_op: true, already_open: true, channel } : { ok: true, channel };
  }

  private chatPostMessage({ params, auth, team, actor, now }: Ctx): Json {
    const ch = this.resolveChannel(team, str(params, 'channel'), actor, now);
    if (!ch) return fail('channel_not_found');
    if (
      ch.kind === 'channel' &&
      auth.type === 'bot' &&
      !ch.botIsMember &&
      !auth.scopes.includes('chat:write.public')
    ) {
      return fail('not_in_channel');
    }
    const content = messageContent(params, true);
    if ('error' in content) return content.error;
    const message: StoredMessage = {
      type: 'message',
      channel: ch.id,
      team: team.id,
      ts: this.nextTs(now),
      text: content.text ?? '',
      user: actor.id,
      ...(content.blocks ? { blocks: content.blocks } : {}),
      ...(auth.botId ? { bot_id: auth.botId, app_id: this.appId() } : {}),
      ...(str(params, 'thread_ts') ? { thread_ts: str(params, 'thread_ts') } : {}),
    };
    this.storedMessages.push(message);
    return { ok: true, channel: ch.id, ts: message.ts, message: this.messageObject(message, team) };
  }

  private chatUpdate({ params, auth, team, actor, now }: Ctx): Json {
    const ch = this.resolveChannel(team, str(params, 'channel'), actor, now);
    if (!ch) return fail('channel_not_found');
    const message = this.storedMessages.find(
      (m) => m.channel === ch.id && m.ts === str(params, 'ts'),
    );
    if (!message) return fail('message_not_found');
    const own = auth.botId
      ? message.bot_id === auth.botId
      : message.user === actor.id && !message.bot_id;
    if (!own) return fail('cant_update_message');
    const content = messageContent(params, false);
    if ('error' in content) return content.error;
    if (content.text !== undefined) message.text = content.text;
    // Omitted blocks are kept; an empty array removes them (Slack's documented behaviour).
    if (content.blocks !== undefined) {
      if (content.blocks.length === 0) delete message.blocks;
      else message.blocks = content.blocks;
    }
    message.edited = { user: actor.id, ts: this.nextTs(now) };
    return {
      ok: true,
      channel: ch.id,
      ts: message.ts,
      text: message.text,
      message: this.messageObject(message, team),
    };
  }

  private chatPostEphemeral({ params, team, actor, now }: Ctx): Json {
    const ch = this.resolveChannel(team, str(params, 'channel'), actor, now);
    if (!ch) return fail('channel_not_found');
    const target = this.findUser(team, str(params, 'user'));
    if (!target) return fail('user_not_found');
    if (ch.members && !ch.members.includes(target.id)) return fail('user_not_in_channel');
    const content = messageContent(params, true);
    if ('error' in content) return content.error;
    const messageTs = this.nextTs(now);
    this.storedEphemerals.push({
      channel: ch.id,
      user: target.id,
      message_ts: messageTs,
      text: content.text ?? '',
      ...(content.blocks ? { blocks: content.blocks } : {}),
      ...(str(params, 'thread_ts') ? { thread_ts: str(params, 'thread_ts') } : {}),
      postedBy: actor.id,
    });
    return { ok: true, message_ts: messageTs };
  }

  private viewsOpen({ params, auth, team, now }: Ctx): Json {
    const triggerId = str(params, 'trigger_id') ?? str(params, 'interactivity_pointer');
    if (!triggerId) return invalidArguments('invalid `trigger_id`');
    const trigger = this.triggers.get(triggerId);
    if (!/^\d+\.\d+\.[0-9a-f]+$/.test(triggerId) || !trigger) return fail('invalid_trigger_id');
    if (trigger.used) return fail('exchanged_trigger_id');
    if (trigger.expiresAt <= now) return fail('expired_trigger_id');
    const view = this.validateView(params, ['modal']);
    if ('error' in view) return view.error;
    trigger.used = true;
    const stored = this.storeView(team, auth, view.value, undefined, now);
    if ('error' in stored) return stored.error;
    stored.userId = trigger.userId;
    return { ok: true, view: clone(stored.view) };
  }

  private viewsUpdate({ params, auth, team, now }: Ctx): Json {
    const viewId = str(params, 'view_id');
    const externalId = str(params, 'external_id');
    if (!viewId && !externalId)
      return invalidArguments('[ERROR] either view_id or external_id is required');
    const existing = [...this.views.values()].find(
      (v) =>
        v.view.team_id === team.id &&
        (viewId ? v.view.id === viewId : v.view.external_id === externalId),
    );
    if (!existing) return fail('not_found');
    const hash = str(params, 'hash');
    if (hash && hash !== existing.view.hash) return fail('hash_conflict');
    const view = this.validateView(params, ['modal', 'home']);
    if ('error' in view) return view.error;
    const stored = this.storeView(team, auth, view.value, existing, now);
    return 'error' in stored ? stored.error : { ok: true, view: clone(stored.view) };
  }

  private viewsPublish({ params, auth, team, now }: Ctx): Json {
    const user = this.findUser(team, str(params, 'user_id'));
    if (!user) return fail('user_not_found');
    const view = this.validateView(params, ['home']);
    if ('error' in view) return view.error;
    const existingId = this.homeViews.get(user.id);
    const existing = existingId ? this.views.get(existingId) : undefined;
    const hash = str(params, 'hash');
    if (hash && existing && hash !== existing.view.hash) return fail('hash_conflict');
    const stored = this.storeView(team, auth, view.value, existing, now);
    if ('error' in stored) return stored.error;
    stored.userId = user.id;
    this.homeViews.set(user.id, String(stored.view.id));
    return { ok: true, view: clone(stored.view) };
  }

  private usersProfileGet({ params, auth, team, actor }: Ctx): Json {
    const u = this.findUser(team, str(params, 'user') ?? actor.id);
    if (!u) return fail('user_not_found');
    this.expireState(u);
    return { ok: true, profile: this.profileObject(u, auth) };
  }

  private usersProfileSet({ params, auth, team, actor }: Ctx): Json {
    const target = this.findUser(team, str(params, 'user') ?? actor.id);
    if (!target) return fail('user_not_found');
    if (target.id !== actor.id) {
      if (!actor.isAdmin && !actor.isOwner) return fail('not_admin');
      if ((target.isAdmin || target.isOwner) && !actor.isPrimaryOwner)
        return fail('cannot_update_admin_user');
    }
    let changes: Json;
    const profile = jsonParam(params, 'profile');
    if (profile.invalid || (profile.value !== undefined && !isObject(profile.value)))
      return fail('invalid_profile');
    if (isObject(profile.value)) changes = profile.value;
    else if (str(params, 'name')) changes = { [str(params, 'name')!]: str(params, 'value') ?? '' };
    else return fail('invalid_profile');
    if ('email' in changes && !actor.isAdmin && !actor.isOwner) return fail('not_admin');
    const statusText = changes.status_text;
    if (typeof statusText === 'string' && [...statusText].length > 100) return fail('too_long');
    const p = target.profile;
    for (const key of [
      'title',
      'phone',
      'display_name',
      'first_name',
      'last_name',
      'status_text',
      'status_emoji',
      'email',
    ] as const) {
      if (key in changes) p[key] = String(changes[key] ?? '');
    }
    if ('status_expiration' in changes)
      p.status_expiration = Number(changes.status_expiration) || 0;
    if ('real_name' in changes) p.real_name = String(changes.real_name ?? '');
    if ('first_name' in changes || 'last_name' in changes) {
      p.real_name = [p.first_name, p.last_name].filter(Boolean).join(' ') || p.real_name;
    }
    p.real_name_normalized = p.real_name;
    p.display_name_normalized = p.display_name;
    target.updated = Math.floor(this.clock() / 1000);
    return { ok: true, profile: this.profileObject(target, auth) };
  }

  private dndSetSnooze({ params, actor, now }: Ctx): Json {
    const minutes = Number(str(params, 'num_minutes'));
    if (!Number.isFinite(minutes) || minutes <= 0) return fail('missing_duration');
    const nowSec = Math.floor(now / 1000);
    actor.dnd.snoozeEndtime = nowSec + Math.round(minutes * 60);
    return {
      ok: true,
      snooze_enabled: true,
      snooze_endtime: actor.dnd.snoozeEndtime,
      snooze_remaining: actor.dnd.snoozeEndtime - nowSec,
      snooze_is_indefinite: false,
    };
  }

  private dndEndSnooze({ actor, now }: Ctx): Json {
    if (actor.dnd.snoozeEndtime === null) return fail('snooze_not_active');
    actor.dnd.snoozeEndtime = null;
    return { ok: true, ...this.dndSchedule(actor, now), snooze_enabled: false };
  }

  private dndInfo({ params, team, actor, now }: Ctx): Json {
    const u = this.findUser(team, str(params, 'user') ?? actor.id);
    if (!u) return fail('user_not_found');
    this.expireState(u);
    const body: Json = { ok: true, ...this.dndSchedule(u, now) };
    // snooze_* only appear for the calling user; endtime/remaining only while snoozing.
    if (u.id === actor.id) {
      const end = u.dnd.snoozeEndtime;
      body.snooze_enabled = end !== null;
      if (end !== null) {
        body.snooze_endtime = end;
        body.snooze_remaining = end - Math.floor(now / 1000);
        body.snooze_is_indefinite = false;
      }
    }
    return body;
  }

  // --------------------------------------------------------------------------------- helpers

  private requireTeam(teamId: string): Team {
    const team = this.teams.get(teamId);
    if (!team) throw new Error(`unknown team ${teamId}; call addTeam first`);
    return team;
  }

  private appId(): string {
    return this.oauthApp?.appId ?? TEST_APP_ID;
  }

  private buildUser(seed: UserSeed): StoredUser {
    const realName = seed.realName ?? seed.name;
    const [first = '', ...rest] = realName.split(' ');
    const avatar = randomBytes(6).toString('hex');
    const img = (n: number) => `https://avatars.slack-edge.com/stand-in/${avatar}_${n}.png`;
    return {
      id: seed.id,
      teamId: seed.teamId,
      name: seed.name,
      tz: seed.tz ?? 'America/Los_Angeles',
      tzOffset: seed.tzOffset,
      isBot: seed.isBot ?? false,
      deleted: seed.deleted ?? false,
      isAdmin: seed.isAdmin ?? false,
      isOwner: seed.isOwner ?? seed.isPrimaryOwner ?? false,
      isPrimaryOwner: seed.isPrimaryOwner ?? false,
      updated: Math.floor(this.clock() / 1000),
      profile: {
        title: seed.profile?.title ?? '',
        phone: seed.profile?.phone ?? '',
        skype: '',
        real_name: realName,
        real_name_normalized: realName,
        display_name: seed.profile?.display_name ?? '',
        display_name_normalized: seed.profile?.display_name ?? '',
        first_name: seed.profile?.first_name ?? first,
        last_name: seed.profile?.last_name ?? rest.join(' '),
        ...(seed.email !== undefined ? { email: seed.email } : {}),
        status_text: seed.profile?.status_text ?? '',
        status_emoji: seed.profile?.status_emoji ?? '',
        status_expiration: seed.profile?.status_expiration ?? 0,
        avatar_hash: avatar,
        image_24: img(24),
        image_32: img(32),
        image_48: img(48),
        image_72: img(72),
        image_192: img(192),
        image_512: img(512),
        team: seed.teamId,
      },
      dnd: {
        enabled: seed.dnd?.enabled ?? true,
        startHour: seed.dnd?.startHour ?? 22,
        endHour: seed.dnd?.endHour ?? 8,
        snoozeEndtime: null,
      },
    };
  }

  private ensureBotUser(teamId: string, botUserId?: string, botName = 'pulsedesk') {
    const team = this.requireTeam(teamId);
    if (team.bot && (!botUserId || botUserId === team.bot.userId)) return team.bot;
    const userId = botUserId ?? randomId('U');
    const botId = randomId('B');
    const user =
      this.users.get(userId) ?? this.buildUser({ id: userId, teamId, name: botName, isBot: true });
    user.isBot = true;
    user.botId = botId;
    Object.assign(user.profile, { bot_id: botId, api_app_id: this.appId(), always_active: true });
    this.users.set(userId, user);
    team.bot = { userId, botId };
    return team.bot;
  }

  private teamUsers(team: Team): StoredUser[] {
    const users = [...this.users.values()].filter((u) => u.teamId === team.id);
    for (const u of users) this.expireState(u);
    return [...users, team.slackbot];
  }

  private findUser(team: Team, id: string | undefined): StoredUser | undefined {
    if (id === 'USLACKBOT') return team.slackbot;
    const u = id ? this.users.get(id) : undefined;
    return u && u.teamId === team.id ? u : undefined;
  }

  /** Slack clears a status once its expiration passes and ends snoozes at their end time. */
  private expireState(u: StoredUser): void {
    const nowSec = Math.floor(this.clock() / 1000);
    const p = u.profile;
    if (p.status_expiration > 0 && p.status_expiration <= nowSec) {
      p.status_text = '';
      p.status_emoji = '';
      p.status_expiration = 0;
    }
    if (u.dnd.snoozeEndtime !== null && u.dnd.snoozeEndtime <= nowSec) u.dnd.snoozeEndtime = null;
  }

  private canSeeEmail(auth: TokenRecord, u: StoredUser): boolean {
    return (
      auth.scopes.includes('users:read.email') || (auth.type === 'user' && auth.userId === u.id)
    );
  }

  private profileObject(u: StoredUser, auth: TokenRecord): Json {
    const { email, ...rest } = u.profile;
    return {
      ...rest,
      status_emoji_display_info: [],
      ...(email !== undefined && this.canSeeEmail(auth, u) ? { email } : {}),
    };
  }

  private userObject(u: StoredUser, auth: TokenRecord): Json {
    const tz = timeZoneInfo(u.tz, this.clock());
    const { email, ...profile } = u.profile;
    return {
      id: u.id,
      team_id: u.teamId,
      name: u.name,
      deleted: u.deleted,
      color: '9f69e7',
      real_name: u.profile.real_name,
      tz: u.tz,
      tz_label: tz.label,
      tz_offset: u.tzOffset ?? tz.offset,
      profile: {
        ...profile,
        ...(email !== undefined && this.canSeeEmail(auth, u) ? { email } : {}),
      },
      is_admin: u.isAdmin,
      is_owner: u.isOwner,
      is_primary_owner: u.isPrimaryOwner,
      is_restricted: false,
      is_ultra_restricted: false,
      is_bot: u.isBot,
      is_app_user: false,
      updated: u.updated,
      is_email_confirmed: email !== undefined,
      who_can_share_contact_card: 'EVERYONE',
    };
  }

  private messageObject(m: StoredMessage, team: Team): Json {
    const body: Json = { ...clone(m) };
    delete body.channel;
    if (m.bot_id) {
      body.bot_profile = {
        id: m.bot_id,
        app_id: m.app_id,
        name: this.users.get(m.user)?.name ?? 'bot',
        icons: {},
        deleted: false,
        updated: Math.floor(this.clock() / 1000),
        team_id: team.id,
      };
    }
    return body;
  }

  private dndSchedule(u: StoredUser, now: number): Json {
    // Slack reports a disabled schedule as start/end 1.
    if (!u.dnd.enabled) return { dnd_enabled: false, next_dnd_start_ts: 1, next_dnd_end_ts: 1 };
    const offset = u.tzOffset ?? timeZoneInfo(u.tz, now).offset;
    const nowSec = Math.floor(now / 1000);
    const localMidnight = Math.floor((nowSec + offset) / 86_400) * 86_400 - offset;
    let start = localMidnight + u.dnd.startHour * 3600;
    let end = localMidnight + u.dnd.endHour * 3600;
    if (end <= start) end += 86_400;
    // The current window, if we're inside it, else the next one.
    if (end - 86_400 > nowSec && start - 86_400 <= nowSec) {
      start -= 86_400;
      end -= 86_400;
    } else if (end <= nowSec) {
      start += 86_400;
      end += 86_400;
    }
    return { dnd_enabled: true, next_dnd_start_ts: start, next_dnd_end_ts: end };
  }

  /** Accepts C… channels, D… DMs the caller is in, and U… ids (Slack opens the DM for you). */
  private resolveChannel(
    team: Team,
    id: string | undefined,
    actor: StoredUser,
    now: number,
  ): Channel | undefined {
    if (!id) return undefined;
    if (/^[UW]/.test(id)) {
      const u = this.findUser(team, id);
      return u && !u.deleted
        ? this.openConversation(team.id, [...new Set([actor.id, u.id])], now)
        : undefined;
    }
    const ch = this.channels.get(id);
    if (!ch || ch.teamId !== team.id) return undefined;
    if (ch.members && !ch.members.includes(actor.id)) return undefined;
    return ch;
  }

  private openConversation(teamId: string, members: string[], now: number): Channel {
    const key = pairKey(teamId, members);
    const existing = this.dmByPair.get(key);
    if (existing) return this.channels.get(existing)!;
    const kind = members.length > 2 ? 'mpim' : 'im';
    const ch: Channel = {
      id: randomId(kind === 'im' ? 'D' : 'G'),
      teamId,
      kind,
      members,
      botIsMember: true,
      created: Math.floor(now / 1000),
    };
    this.channels.set(ch.id, ch);
    this.dmByPair.set(key, ch.id);
    return ch;
  }

  /** Slack ts: `<unix seconds>.<6 digits>`, unique and increasing. */
  private nextTs(now: number): string {
    this.tsSeq = (this.tsSeq + 1) % 1_000_000;
    return `${Math.floor(now / 1000)}.${String(this.tsSeq).padStart(6, '0')}`;
  }

  private validateView(params: Json, types: string[]): { value: Json } | { error: Json } {
    const parsed = jsonParam(params, 'view');
    if (parsed.value === undefined && !parsed.invalid) {
      return { error: invalidArguments('[ERROR] missing required field: view') };
    }
    if (parsed.invalid || !isObject(parsed.value)) {
      return {
        error: invalidArguments('[ERROR] failed to match all allowed schemas [json-pointer:/view]'),
      };
    }
    const view = parsed.value;
    const messages: string[] = [];
    if (!types.includes(String(view.type))) {
      messages.push(`[ERROR] must be one of: ${types.join(', ')} [json-pointer:/view/type]`);
    }
    const blocks = view.blocks;
    if (!Array.isArray(blocks))
      messages.push('[ERROR] missing required field: blocks [json-pointer:/view]');
    else if (blocks.length > 100)
      messages.push('[ERROR] no more than 100 items allowed [json-pointer:/view/blocks]');
    const textField = (field: 'title' | 'submit' | 'close', required: boolean) => {
      const v = view[field];
      if (v === undefined || v === null) {
        if (required)
          messages.push(`[ERROR] missing required field: ${field} [json-pointer:/view]`);
        return;
      }
      if (!isObject(v) || v.type !== 'plain_text' || typeof v.text !== 'string') {
        messages.push(`[ERROR] must be a plain_text object [json-pointer:/view/${field}]`);
      } else if ([...v.text].length > 24) {
        messages.push(`[ERROR] must be less than 25 characters [json-pointer:/view/${field}/text]`);
      }
    };
    if (view.type === 'modal') {
      textField('title', true);
      textField('submit', false);
      textField('close', false);
      const hasInput =
        Array.isArray(blocks) && blocks.some((b) => isObject(b) && b.type === 'input');
      if (hasInput && !view.submit) {
        messages.push(
          '[ERROR] must provide a submit property when using input blocks [json-pointer:/view]',
        );
      }
    }
    if (typeof view.private_metadata === 'string' && view.private_metadata.length > 3000) {
      messages.push(
        '[ERROR] must be less than 3001 characters [json-pointer:/view/private_metadata]',
      );
    }
    if (typeof view.callback_id === 'string' && view.callback_id.length > 255) {
      messages.push('[ERROR] must be less than 256 characters [json-pointer:/view/callback_id]');
    }
    return messages.length > 0 ? { error: invalidArguments(...messages) } : { value: view };
  }

  private storeView(
    team: Team,
    auth: TokenRecord,
    input: Json,
    existing: StoredView | undefined,
    now: number,
  ): StoredView | { error: Json } {
    const externalId = typeof input.external_id === 'string' ? input.external_id : '';
    if (externalId) {
      const clash = [...this.views.values()].find(
        (v) => v.view.team_id === team.id && v.view.external_id === externalId && v !== existing,
      );
      if (clash) return { error: fail('duplicate_external_id') };
    }
    const id = existing ? String(existing.view.id) : randomId('V');
    const blocks = (input.blocks as unknown[]).map((b) => withBlockId(b));
    const view: Json = {
      id,
      team_id: team.id,
      type: input.type,
      ...(input.title !== undefined ? { title: input.title } : {}),
      close: input.close ?? null,
      submit: input.submit ?? null,
      blocks,
      private_metadata: input.private_metadata ?? '',
      callback_id: input.callback_id ?? '',
      state: { values: {} },
      hash: `${Math.floor(now / 1000)}.${randomBytes(4).toString('hex')}`,
      clear_on_close: input.clear_on_close ?? false,
      notify_on_close: input.notify_on_close ?? false,
      root_view_id: existing ? existing.view.root_view_id : id,
      previous_view_id: null,
      app_id: this.appId(),
      external_id: externalId,
      app_installed_team_id: team.id,
      bot_id: auth.botId ?? team.bot?.botId ?? null,
    };
    const stored: StoredView = { userId: existing?.userId, view };
    this.views.set(id, stored);
    return stored;
  }
}

// ------------------------------------------------------------------------------ module helpers

function randomDigits(n: number): string {
  return Array.from(randomBytes(n), (b, i) => String(i === 0 ? (b % 9) + 1 : b % 10)).join('');
}

function pairKey(teamId: string, members: string[]): string {
  return `${teamId}:${[...members].sort().join(',')}`;
}

/** Slack fills in a block_id on every block that lacks one, and returns the blocks that way. */
function withBlockId(block: unknown): unknown {
  if (!isObject(block) || typeof block.block_id === 'string') return block;
  return { ...block, block_id: randomBytes(3).toString('base64url').slice(0, 4) };
}

function invalidBlocks(message: string): { error: Json } {
  return { error: fail('invalid_blocks', { response_metadata: { messages: [message] } }) };
}

/** text/blocks of chat.* calls; a new message needs content, an update needs some change. */
function messageContent(
  params: Json,
  isNew: boolean,
): { text?: string; blocks?: Json[] } | { error: Json } {
  const text = str(params, 'text');
  const blocksParam = jsonParam(params, 'blocks');
  if (blocksParam.invalid) return { error: fail('invalid_blocks_format') };
  let blocks: Json[] | undefined;
  if (blocksParam.value !== undefined) {
    const v = blocksParam.value;
    if (!Array.isArray(v) || !v.every((b) => isObject(b) && typeof b.type === 'string')) {
      return invalidBlocks('[ERROR] must be an array of blocks [json-pointer:/blocks]');
    }
    if (v.length > 50) {
      return invalidBlocks('[ERROR] no more than 50 items allowed [json-pointer:/blocks]');
    }
    blocks = v.map((b) => withBlockId(b) as Json);
  }
  const hasAttachments = jsonParam(params, 'attachments').value !== undefined;
  const noContent = isNew
    ? !text && !blocks?.length && !hasAttachments
    : text === undefined && blocks === undefined && !hasAttachments;
  if (noContent) return { error: fail('no_text') };
  if (text && text.length > 40_000) return { error: fail('msg_too_long') };
  return { text, blocks };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseParams(
  raw: string,
  contentType: string,
  url: URL,
): { params: Json; kind: 'json' | 'form' | 'none'; error?: string; warning?: string } {
  const params: Json = Object.fromEntries(url.searchParams);
  const [mime, ...attrs] = contentType.split(';').map((s) => s.trim().toLowerCase());
  const hasCharset = attrs.some((a) => a.startsWith('charset='));
  if (raw.length === 0) return { params, kind: 'none' };
  if (mime === 'application/json') {
    try {
      const body: unknown = JSON.parse(raw);
      if (!isObject(body)) return { params, kind: 'json', error: 'invalid_json' };
      // Slack nudges JSON callers to declare a charset; form callers to leave it off.
      return {
        params: { ...params, ...body },
        kind: 'json',
        warning: hasCharset ? undefined : 'missing_charset',
      };
    } catch {
      return { params, kind: 'json', error: 'invalid_json' };
    }
  }
  if (mime === 'application/x-www-form-urlencoded') {
    Object.assign(params, Object.fromEntries(new URLSearchParams(raw)));
    return { params, kind: 'form', warning: hasCharset ? 'superfluous_charset' : undefined };
  }
  if (!mime) return { params, kind: 'none', error: 'missing_post_type' };
  return { params, kind: 'none', error: 'invalid_post_type' };
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
}
