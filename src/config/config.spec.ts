import * as path from 'node:path';
import { SLACK_TIER_RATES } from '../slack/slack-tiers';
import {
  ConfigError,
  loadConfig,
  SLACK_DEFAULT_API_URL,
  SLACK_DEFAULT_AUTHORIZE_URL,
} from './config';

const KEY_32 = Buffer.alloc(32, 7).toString('base64');
const OAUTH = {
  SLACK_CLIENT_ID: '123.456',
  SLACK_CLIENT_SECRET: 'client-secret',
  SLACK_STATE_SECRET: 'a-state-secret-of-16+',
};

/** The ConfigError loadConfig throws for env; fails the test when it does not throw. */
function configError(env: Record<string, string | undefined>): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe('loadConfig', () => {
  describe('defaults with an empty environment', () => {
    const config = loadConfig({});

    it('serves on port 3000 at http://localhost:3000', () => {
      expect(config.port).toBe(3000);
      expect(config.publicUrl).toBe('http://localhost:3000');
    });

    it('keeps embedded data in ./.data, resolved to an absolute path', () => {
      expect(path.isAbsolute(config.dataDir)).toBe(true);
      expect(config.dataDir).toBe(path.resolve(process.cwd(), '.data'));
      expect(config.databaseUrl).toBeUndefined();
    });

    it('uses anonymity threshold 5, log level info, no key and no admin token', () => {
      expect(config.anonymityThreshold).toBe(5);
      expect(config.logLevel).toBe('info');
      expect(config.encryptionKey).toBeUndefined();
      expect(config.adminApiToken).toBeUndefined();
    });

    it("turns Slack off and points at Slack's own URLs", () => {
      expect(config.slack).toEqual({
        enabled: false,
        signingSecret: undefined,
        botToken: undefined,
        oauth: undefined,
        apiUrl: SLACK_DEFAULT_API_URL,
        authorizeUrl: SLACK_DEFAULT_AUTHORIZE_URL,
        methodRates: SLACK_TIER_RATES,
      });
      expect(SLACK_DEFAULT_API_URL).toBe('https://slack.com/api/');
    });
  });

  it('paces to Slack tiers unless SLACK_METHOD_RATES raises or lowers a method', () => {
    const config = loadConfig({ SLACK_METHOD_RATES: 'dnd.setSnooze=600, users.profile.set=900' });
    expect(config.slack.methodRates).toEqual({
      ...SLACK_TIER_RATES,
      'dnd.setSnooze': 600,
      'users.profile.set': 900,
    });
    expect(SLACK_TIER_RATES['dnd.setSnooze']).toBe(20);
  });

  it.each([
    ['dnd.setSnooze:20', 'method=perMinute pairs'],
    ['chat.postMessage=60', 'not paced'],
    ['dnd.setSnooze=0', 'from 1 to 100000'],
  ])('refuses SLACK_METHOD_RATES=%s', (raw, problem) => {
    expect(() => loadConfig({ SLACK_METHOD_RATES: raw })).toThrow(problem);
  });

  it('reads valid values', () => {
    const config = loadConfig({
      PORT: '8080',
      DATABASE_URL: 'postgres://pd:pw@db.internal:5432/pulsedesk',
      DATA_DIR: '/var/lib/pulsedesk',
      PUBLIC_URL: 'https://pulse.example.com',
      ENCRYPTION_KEY: KEY_32,
      ADMIN_API_TOKEN: 'admin-token-0123456789',
      ANONYMITY_THRESHOLD: '3',
      LOG_LEVEL: 'debug',
    });
    expect(config.port).toBe(8080);
    expect(config.databaseUrl).toBe('postgres://pd:pw@db.internal:5432/pulsedesk');
    expect(config.dataDir).toBe('/var/lib/pulsedesk');
    expect(config.publicUrl).toBe('https://pulse.example.com');
    expect(config.encryptionKey).toEqual(Buffer.alloc(32, 7));
    expect(config.adminApiToken).toBe('admin-token-0123456789');
    expect(config.anonymityThreshold).toBe(3);
    expect(config.logLevel).toBe('debug');
  });

  it('accepts the postgresql: scheme too', () => {
    expect(loadConfig({ DATABASE_URL: 'postgresql://localhost/pd' }).databaseUrl).toBe(
      'postgresql://localhost/pd',
    );
  });

  it('derives the default public URL from PORT', () => {
    expect(loadConfig({ PORT: '8080' }).publicUrl).toBe('http://localhost:8080');
  });

  it('removes a trailing slash from PUBLIC_URL', () => {
    expect(loadConfig({ PUBLIC_URL: 'https://pulse.example.com/' }).publicUrl).toBe(
      'https://pulse.example.com',
    );
    expect(loadConfig({ PUBLIC_URL: 'https://example.com/pulsedesk/' }).publicUrl).toBe(
      'https://example.com/pulsedesk',
    );
  });

  it('treats empty and blank strings as unset', () => {
    const config = loadConfig({
      PORT: '',
      DATABASE_URL: '',
      DATA_DIR: '  ',
      PUBLIC_URL: '',
      ENCRYPTION_KEY: '',
      ADMIN_API_TOKEN: '',
      ANONYMITY_THRESHOLD: '',
      LOG_LEVEL: '',
      SLACK_SIGNING_SECRET: '',
      SLACK_BOT_TOKEN: '',
      SLACK_CLIENT_ID: '',
      SLACK_CLIENT_SECRET: '',
      SLACK_STATE_SECRET: '',
      SLACK_API_URL: '',
      SLACK_APP_TOKEN: '',
    });
    expect(config).toEqual(loadConfig({}));
  });

  it('trims surrounding whitespace from values', () => {
    const config = loadConfig({ PORT: ' 4000 ', SLACK_SIGNING_SECRET: ' sig ' });
    expect(config.port).toBe(4000);
    expect(config.slack.signingSecret).toBe('sig');
  });

  describe('bad values stop with a ConfigError naming the variable', () => {
    it.each([
      ['PORT', 'abc'],
      ['PORT', '70000'],
      ['PORT', '-1'],
      ['PORT', '80.5'],
      ['DATABASE_URL', 'mysql://x'],
      ['DATABASE_URL', 'not a url'],
      ['ANONYMITY_THRESHOLD', '2'],
      ['ANONYMITY_THRESHOLD', 'x'],
      ['ENCRYPTION_KEY', Buffer.alloc(16, 1).toString('base64')],
      ['ENCRYPTION_KEY', Buffer.alloc(33, 1).toString('base64')],
      ['ENCRYPTION_KEY', 'not base64 at all!'],
      ['ENCRYPTION_KEY_PREVIOUS', Buffer.alloc(16, 1).toString('base64')],
      ['SLACK_BOT_TOKEN', 'xoxp-user-token'],
      ['SLACK_APP_TOKEN', 'xoxb-a-bot-token-not-an-app-token'],
      ['SLACK_API_URL', 'ftp://x'],
      ['SLACK_API_URL', 'nonsense'],
      ['SLACK_OAUTH_AUTHORIZE_URL', 'ftp://x'],
      ['PUBLIC_URL', 'ftp://x'],
      ['LOG_LEVEL', 'loud'],
      ['ADMIN_API_TOKEN', 'short'],
    ])('%s=%s', (name, value) => {
      const err = configError({ [name]: value });
      expect(err.problems).toHaveLength(1);
      expect(err.problems[0]).toContain(name);
      expect(err.message).toContain(name);
    });

    it('never echoes an unparsable DATABASE_URL, which may hold a password', () => {
      const err = configError({ DATABASE_URL: 'postgres://pd:s3cret-pw@db host/pulsedesk' });
      expect(err.problems[0]).toContain('DATABASE_URL');
      expect(err.message).not.toContain('s3cret-pw');
    });

    it('says the anonymity floor is 3 and shows the given value', () => {
      const [problem] = configError({ ANONYMITY_THRESHOLD: '2' }).problems;
      expect(problem).toMatch(/from 3 to/);
      expect(problem).toContain('"2"');
    });

    it('accepts the anonymity floor itself', () => {
      expect(loadConfig({ ANONYMITY_THRESHOLD: '3' }).anonymityThreshold).toBe(3);
    });

    it('accepts a 16-character admin token, refuses 15', () => {
      expect(loadConfig({ ADMIN_API_TOKEN: 'a'.repeat(16) }).adminApiToken).toBe('a'.repeat(16));
      expect(configError({ ADMIN_API_TOKEN: 'a'.repeat(15) }).problems[0]).toContain(
        'ADMIN_API_TOKEN',
      );
    });

    it('names the missing OAuth variables when only SLACK_CLIENT_ID is set', () => {
      const err = configError({ SLACK_CLIENT_ID: '123.456' });
      expect(err.problems).toHaveLength(1);
      const [problem] = err.problems;
      expect(problem.startsWith('SLACK_CLIENT_SECRET, SLACK_STATE_SECRET must be set')).toBe(true);
    });

    it('names only the one missing OAuth variable', () => {
      const [problem] = configError({ ...OAUTH, SLACK_CLIENT_SECRET: undefined }).problems;
      expect(problem.startsWith('SLACK_CLIENT_SECRET must be set')).toBe(true);
    });

    it('refuses a short SLACK_STATE_SECRET', () => {
      const [problem] = configError({ ...OAUTH, SLACK_STATE_SECRET: 'too-short' }).problems;
      expect(problem).toContain('SLACK_STATE_SECRET');
    });

    it('reports several problems together', () => {
      const err = configError({
        PORT: 'abc',
        DATABASE_URL: 'mysql://x',
        ANONYMITY_THRESHOLD: '2',
        LOG_LEVEL: 'loud',
        SLACK_BOT_TOKEN: 'nope',
      });
      expect(err.problems).toHaveLength(5);
      for (const name of [
        'PORT',
        'DATABASE_URL',
        'ANONYMITY_THRESHOLD',
        'LOG_LEVEL',
        'SLACK_BOT_TOKEN',
      ]) {
        expect(err.message).toContain(name);
      }
    });
  });

  describe('Slack', () => {
    it('is enabled only with SLACK_SIGNING_SECRET', () => {
      expect(loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1', ...OAUTH }).slack.enabled).toBe(false);
      const slack = loadConfig({ SLACK_SIGNING_SECRET: 'signing' }).slack;
      expect(slack.enabled).toBe(true);
      expect(slack.signingSecret).toBe('signing');
    });

    it('turns Slack on over Socket Mode with SLACK_APP_TOKEN alone, no signing secret needed', () => {
      const slack = loadConfig({ SLACK_APP_TOKEN: 'xapp-1-A0123-456-abc' }).slack;
      expect(slack.enabled).toBe(true);
      expect(slack.appToken).toBe('xapp-1-A0123-456-abc');
      expect(slack.signingSecret).toBeUndefined();
      expect(loadConfig({ SLACK_SIGNING_SECRET: 'signing' }).slack.appToken).toBeUndefined();
    });

    it('says where an app-level token comes from when SLACK_APP_TOKEN is not one', () => {
      const [problem] = configError({ SLACK_APP_TOKEN: 'xoxb-123' }).problems;
      expect(problem).toMatch(/^SLACK_APP_TOKEN must be an app-level token starting with "xapp-"/);
      expect(problem).toContain('connections:write');
      // Tokens are secrets: the refused value is not echoed.
      expect(problem).not.toContain('xoxb-123');
    });

    it('keeps a bot token that starts with xoxb-', () => {
      expect(loadConfig({ SLACK_BOT_TOKEN: 'xoxb-123-abc' }).slack.botToken).toBe('xoxb-123-abc');
    });

    it('sets oauth only when all three variables are set', () => {
      expect(loadConfig({ ...OAUTH }).slack.oauth).toEqual({
        clientId: OAUTH.SLACK_CLIENT_ID,
        clientSecret: OAUTH.SLACK_CLIENT_SECRET,
        stateSecret: OAUTH.SLACK_STATE_SECRET,
      });
      expect(loadConfig({ SLACK_SIGNING_SECRET: 'signing' }).slack.oauth).toBeUndefined();
    });

    it('adds a trailing slash to SLACK_API_URL', () => {
      expect(loadConfig({ SLACK_API_URL: 'http://127.0.0.1:9999/api' }).slack.apiUrl).toBe(
        'http://127.0.0.1:9999/api/',
      );
    });

    it('keeps a SLACK_API_URL that already ends with a slash', () => {
      expect(loadConfig({ SLACK_API_URL: 'http://127.0.0.1:9999/api/' }).slack.apiUrl).toBe(
        'http://127.0.0.1:9999/api/',
      );
    });

    it('reads SLACK_OAUTH_AUTHORIZE_URL', () => {
      expect(
        loadConfig({ SLACK_OAUTH_AUTHORIZE_URL: 'http://127.0.0.1:9999/oauth/v2/authorize' }).slack
          .authorizeUrl,
      ).toBe('http://127.0.0.1:9999/oauth/v2/authorize');
    });
  });
});
