/**
 * The environment, validated once at boot and exposed typed. Every variable of docs/contract.md
 * lives here; a bad value stops the boot with a message naming the variable.
 * Shared by the app and the migration CLI so both read the same configuration.
 */
import * as path from 'node:path';
import { parseMethodRates, SLACK_TIER_RATES } from '../slack/slack-tiers';

export interface SlackConfig {
  /** Slack is on with a signing secret (HTTP) or an app-level token (Socket Mode). */
  enabled: boolean;
  signingSecret?: string;
  /**
   * SLACK_APP_TOKEN (`xapp-…`): Slack's payloads arrive over Socket Mode, a WebSocket Pulsedesk
   * opens, and POST /slack/events is off. Unset: HTTP at /slack/events.
   */
  appToken?: string;
  botToken?: string;
  oauth?: { clientId: string; clientSecret: string; stateSecret: string };
  apiUrl: string;
  authorizeUrl: string;
  /** Calls per minute per workspace the focus sync paces each method to (Slack's tiers by default). */
  methodRates: Record<string, number>;
  /** SLACK_ALLOWED_TEAMS: the only Slack team ids /slack/install accepts; unset, any. */
  allowedTeams?: string[];
}

export interface AppConfig {
  port: number;
  databaseUrl?: string;
  dataDir: string;
  slack: SlackConfig;
  publicUrl: string;
  /** 32 bytes when given; undefined means "generate once into DATA_DIR". */
  encryptionKey?: Buffer;
  /** The key being rotated out: still opens what it sealed, which is re-sealed at boot. */
  previousEncryptionKey?: Buffer;
  adminApiToken?: string;
  anonymityThreshold: number;
  logLevel: string;
  /** LOG_FORMAT: `json`, `pretty`, or unset (`auto`: pretty on a terminal, JSON otherwise). */
  logFormat: 'json' | 'pretty' | 'auto';
}

export const SLACK_DEFAULT_API_URL = 'https://slack.com/api/';
export const SLACK_DEFAULT_AUTHORIZE_URL = 'https://slack.com/oauth/v2/authorize';
export const ANONYMITY_FLOOR = 3;
/** The largest anonymity threshold the environment or a workspace setting may ask for. */
export const ANONYMITY_CEILING = 1000;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

/** Reads one variable, treating empty strings as unset (as .env files often leave them). */
function read(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

function parseIntegerVar(
  env: Env,
  name: string,
  fallback: number,
  min: number,
  max: number,
  problems: string[],
  hint = '',
): number {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    problems.push(`${name} must be an integer from ${min} to ${max}${hint}, got "${raw}"`);
    return fallback;
  }
  return Number(raw);
}

function parseUrlVar(
  env: Env,
  name: string,
  problems: string[],
  protocols: string[] = ['http:', 'https:'],
): URL | undefined {
  const raw = read(env, name);
  if (raw === undefined) return undefined;
  try {
    const url = new URL(raw);
    if (!protocols.includes(url.protocol)) {
      problems.push(`${name} must be a ${protocols.join(' or ')} URL, got "${url.protocol}"`);
      return undefined;
    }
    return url;
  } catch {
    // Connection strings carry passwords: only other URLs are echoed back.
    problems.push(`${name} must be a URL${name === 'DATABASE_URL' ? '' : `, got "${raw}"`}`);
    return undefined;
  }
}

function parseEncryptionKey(
  env: Env,
  problems: string[],
  name: 'ENCRYPTION_KEY' | 'ENCRYPTION_KEY_PREVIOUS',
): Buffer | undefined {
  const raw = read(env, name);
  if (raw === undefined) return undefined;
  const key = /^[A-Za-z0-9+/_-]+={0,2}$/.test(raw) ? Buffer.from(raw, 'base64') : Buffer.alloc(0);
  if (key.length !== 32) {
    problems.push(`${name} must be 32 bytes encoded as base64 (e.g. \`openssl rand -base64 32\`)`);
    return undefined;
  }
  return key;
}

function parseSlack(env: Env, problems: string[]): SlackConfig {
  const signingSecret = read(env, 'SLACK_SIGNING_SECRET');
  const botToken = read(env, 'SLACK_BOT_TOKEN');
  if (botToken !== undefined && !botToken.startsWith('xoxb-')) {
    problems.push('SLACK_BOT_TOKEN must be a bot token starting with "xoxb-"');
  }
  const appToken = read(env, 'SLACK_APP_TOKEN');
  if (appToken !== undefined && !appToken.startsWith('xapp-')) {
    problems.push(
      'SLACK_APP_TOKEN must be an app-level token starting with "xapp-" (Basic Information → App-Level Tokens, scope connections:write)',
    );
  }
  const oauthVars = ['SLACK_CLIENT_ID', 'SLACK_CLIENT_SECRET', 'SLACK_STATE_SECRET'] as const;
  const oauthValues = oauthVars.map((name) => read(env, name));
  const oauthSet = oauthValues.filter((v) => v !== undefined).length;
  if (oauthSet > 0 && oauthSet < oauthVars.length) {
    const missing = oauthVars.filter((_, i) => oauthValues[i] === undefined);
    problems.push(
      `${missing.join(', ')} must be set too: OAuth needs all of ${oauthVars.join(', ')}`,
    );
  }
  const stateSecret = oauthValues[2];
  if (stateSecret !== undefined && stateSecret.length < 16) {
    problems.push('SLACK_STATE_SECRET must be at least 16 characters');
  }
  const apiUrl = parseUrlVar(env, 'SLACK_API_URL', problems);
  const authorizeUrl = parseUrlVar(env, 'SLACK_OAUTH_AUTHORIZE_URL', problems);
  const apiHref = apiUrl?.href ?? SLACK_DEFAULT_API_URL;
  const ratesRaw = read(env, 'SLACK_METHOD_RATES');
  const overrides = ratesRaw === undefined ? undefined : parseMethodRates(ratesRaw);
  problems.push(...(overrides?.problems ?? []));
  const allowedRaw = read(env, 'SLACK_ALLOWED_TEAMS');
  const allowedTeams = allowedRaw
    ?.split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  for (const team of allowedTeams ?? []) {
    if (!/^[TE][A-Z0-9]{2,}$/.test(team)) {
      problems.push(
        `SLACK_ALLOWED_TEAMS must list Slack team ids such as T0123ABCD, got "${team}"`,
      );
    }
  }
  return {
    enabled: signingSecret !== undefined || appToken !== undefined,
    signingSecret,
    appToken,
    botToken,
    oauth:
      oauthSet === oauthVars.length
        ? { clientId: oauthValues[0]!, clientSecret: oauthValues[1]!, stateSecret: stateSecret! }
        : undefined,
    // The WebClient joins method names onto this URL, so it must end with a slash.
    apiUrl: apiHref.endsWith('/') ? apiHref : `${apiHref}/`,
    authorizeUrl: authorizeUrl?.href ?? SLACK_DEFAULT_AUTHORIZE_URL,
    methodRates: { ...SLACK_TIER_RATES, ...overrides?.rates },
    allowedTeams: allowedTeams?.length ? allowedTeams : undefined,
  };
}

export function loadConfig(env: Env = process.env): AppConfig {
  const problems: string[] = [];
  const port = parseIntegerVar(env, 'PORT', 3000, 0, 65535, problems);
  const databaseUrl = parseUrlVar(env, 'DATABASE_URL', problems, ['postgres:', 'postgresql:']);
  const publicUrl = parseUrlVar(env, 'PUBLIC_URL', problems);
  const anonymityThreshold = parseIntegerVar(
    env,
    'ANONYMITY_THRESHOLD',
    5,
    ANONYMITY_FLOOR,
    ANONYMITY_CEILING,
    problems,
    ' (below 3 one person could be singled out)',
  );
  const logLevel = read(env, 'LOG_LEVEL') ?? 'info';
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel)) {
    problems.push(`LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent`);
  }
  const logFormat = read(env, 'LOG_FORMAT') ?? 'auto';
  if (!['json', 'pretty', 'auto'].includes(logFormat)) {
    problems.push(
      'LOG_FORMAT must be json or pretty (unset: pretty on a terminal, JSON otherwise)',
    );
  }
  const adminApiToken = read(env, 'ADMIN_API_TOKEN');
  if (adminApiToken !== undefined && adminApiToken.length < 16) {
    problems.push('ADMIN_API_TOKEN must be at least 16 characters');
  }
  const config: AppConfig = {
    port,
    databaseUrl: databaseUrl?.href,
    dataDir: path.resolve(read(env, 'DATA_DIR') ?? './.data'),
    slack: parseSlack(env, problems),
    publicUrl: (publicUrl?.href ?? `http://localhost:${port}`).replace(/\/$/, ''),
    encryptionKey: parseEncryptionKey(env, problems, 'ENCRYPTION_KEY'),
    previousEncryptionKey: parseEncryptionKey(env, problems, 'ENCRYPTION_KEY_PREVIOUS'),
    adminApiToken,
    anonymityThreshold,
    logLevel,
    logFormat: logFormat as AppConfig['logFormat'],
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
