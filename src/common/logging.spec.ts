import { Writable } from 'node:stream';
import type { Logger } from 'pino';
import { consoleDestination, createLogger, PinoNestLogger, redactPath } from './logging';

/** A destination that keeps every line pino writes, raw and parsed. */
function collector() {
  const raw: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      raw.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  return {
    stream,
    raw,
    entries: () => raw.map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

describe('createLogger', () => {
  it('writes one JSON line per event with level, time, service and message', () => {
    const out = collector();
    createLogger('info', out.stream).info({ workspaceId: 'W1' }, 'people synced');
    expect(out.raw).toHaveLength(1);
    const [entry] = out.entries();
    expect(entry).toMatchObject({
      level: 30,
      service: 'pulsedesk',
      workspaceId: 'W1',
      msg: 'people synced',
    });
    expect(new Date(entry.time as string).toISOString()).toBe(entry.time);
  });

  it('drops lines below its level', () => {
    const out = collector();
    const logger = createLogger('warn', out.stream);
    logger.info('not written');
    logger.debug('not written either');
    logger.warn('written');
    expect(out.entries().map((e) => e.msg)).toEqual(['written']);
  });

  describe('redaction', () => {
    const SECRETS = [
      'payload-answer-4',
      'view-answer-5',
      'view-comment-text',
      'xoxb-1',
      'body-secret-comment',
      'Bearer x',
      'a=b',
      'my answer',
      'values-answer-3',
      'xoxp-2',
      'action-value-2',
      'client-secret-value',
    ];

    function logSlackPayload(): ReturnType<typeof collector> {
      const out = collector();
      createLogger('info', out.stream).info(
        {
          workspaceId: 'W-kept',
          payload: { type: 'block_actions', actions: [{ value: 'payload-answer-4' }] },
          view: {
            callback_id: 'pulse_answer',
            state: { values: { q1: { score: { selected_option: { value: 'view-answer-5' } } } } },
            blocks: [{ type: 'input', element: { initial_value: 'view-comment-text' } }],
          },
          token: 'xoxb-1',
          body: { comment: 'body-secret-comment' },
          req: { method: 'POST', headers: { authorization: 'Bearer x', cookie: 'a=b' } },
          nested: {
            kept: 'nested-kept',
            text: 'my answer',
            values: { q2: 'values-answer-3' },
            access_token: 'xoxp-2',
            actions: [{ value: 'action-value-2' }],
            client_secret: 'client-secret-value',
          },
        },
        'slack interaction',
      );
      return out;
    }

    it('never writes secrets or answer values', () => {
      const out = logSlackPayload();
      expect(out.raw).toHaveLength(1);
      const [line] = out.raw;
      for (const secret of SECRETS) {
        expect(line).not.toContain(secret);
      }
      expect(line).toContain('[redacted]');
    });

    it('keeps the non-sensitive fields', () => {
      const [entry] = logSlackPayload().entries();
      expect(entry).toMatchObject({
        msg: 'slack interaction',
        workspaceId: 'W-kept',
        payload: '[redacted]',
        token: '[redacted]',
        body: '[redacted]',
        req: { method: 'POST', headers: { authorization: '[redacted]', cookie: '[redacted]' } },
        nested: { kept: 'nested-kept', text: '[redacted]', access_token: '[redacted]' },
      });
      expect(entry.view).toMatchObject({ callback_id: 'pulse_answer' });
    });

    it('redacts Slack signatures on requests and cookies set on responses', () => {
      const out = collector();
      createLogger('info', out.stream).info({
        req: { headers: { 'x-slack-signature': 'v0=signature-value', host: 'kept-host' } },
        res: { headers: { 'set-cookie': 'session=cookie-value' } },
      });
      const [line] = out.raw;
      expect(line).not.toContain('signature-value');
      expect(line).not.toContain('cookie-value');
      expect(line).toContain('kept-host');
    });
  });
});

describe('PinoNestLogger', () => {
  function nestLogger(level: string) {
    const out = collector();
    const logger: Logger = createLogger(level, out.stream);
    return { out, nest: new PinoNestLogger(logger) };
  }

  it('maps Nest levels onto pino levels', () => {
    const { out, nest } = nestLogger('trace');
    nest.log('a log', 'Ctx');
    nest.warn('a warning', 'Ctx');
    nest.debug('a debug line', 'Ctx');
    nest.verbose('a verbose line', 'Ctx');
    nest.fatal('a fatal line', 'Ctx');
    nest.error('an error', 'Ctx');
    expect(out.entries().map((e) => [e.level, e.msg, e.context])).toEqual([
      [30, 'a log', 'Ctx'],
      [40, 'a warning', 'Ctx'],
      [20, 'a debug line', 'Ctx'],
      [10, 'a verbose line', 'Ctx'],
      [60, 'a fatal line', 'Ctx'],
      [50, 'an error', 'Ctx'],
    ]);
  });

  it.each(['InstanceLoader', 'RoutesResolver', 'RouterExplorer'])(
    'sends %s start-up chatter to debug, so info level does not write it',
    (context) => {
      const info = nestLogger('info');
      info.nest.log('AppModule dependencies initialized', context);
      info.nest.log('an ordinary event', 'PeopleService');
      expect(info.out.entries().map((e) => e.msg)).toEqual(['an ordinary event']);

      const debug = nestLogger('debug');
      debug.nest.log('AppModule dependencies initialized', context);
      expect(debug.out.entries()).toEqual([
        expect.objectContaining({ level: 20, context, msg: 'AppModule dependencies initialized' }),
      ]);
    },
  );

  it('spreads an object message into the line', () => {
    const { out, nest } = nestLogger('info');
    nest.log({ msg: 'people sync page', workspaceId: 'W1', created: 3 }, 'PeopleService');
    expect(out.entries()[0]).toMatchObject({
      level: 30,
      msg: 'people sync page',
      workspaceId: 'W1',
      created: 3,
      context: 'PeopleService',
    });
  });

  it('redacts object messages too', () => {
    const { out, nest } = nestLogger('info');
    nest.warn({ msg: 'odd payload', payload: { answer: 'nested-answer' } }, 'Slack');
    expect(out.raw[0]).not.toContain('nested-answer');
    expect(out.entries()[0]).toMatchObject({ msg: 'odd payload', payload: '[redacted]' });
  });

  it('keeps the stack when Nest passes (message, stack, context)', () => {
    const { out, nest } = nestLogger('info');
    nest.error('request failed', 'Error: boom\n    at handler', 'HttpError');
    expect(out.entries()[0]).toMatchObject({
      level: 50,
      msg: 'request failed',
      context: 'HttpError',
      stack: 'Error: boom\n    at handler',
    });
  });

  it('treats a second argument alone as the context', () => {
    const { out, nest } = nestLogger('info');
    nest.error('request failed', 'HttpError');
    const [entry] = out.entries();
    expect(entry).toMatchObject({ level: 50, context: 'HttpError' });
    expect(entry.stack).toBeUndefined();
  });

  it('serialises an Error with its message and stack', () => {
    const { out, nest } = nestLogger('info');
    nest.error(new Error('database gone'), 'Bootstrap');
    const [entry] = out.entries();
    expect(entry).toMatchObject({ level: 50, msg: 'database gone', context: 'Bootstrap' });
    expect(entry.err).toMatchObject({ type: 'Error', message: 'database gone' });
    expect((entry.err as { stack: string }).stack).toContain('database gone');
  });
});

describe('redaction at any depth', () => {
  it('censors answers and secrets at the top level, deep down and inside arrays', () => {
    const out = collector();
    createLogger('info', out.stream).info({
      text: 'top-level answer',
      actions: [{ action_id: 'pulse_answer', value: 'score-4' }],
      view: { callback_id: 'pulse_modal', state: { values: { q: 'score-5' } } },
      values: { q1: { choice: { selected_option: { value: 'score-2' } } } },
      comment: 'my private comment',
      access_token: 'xoxp-top-level',
      event: { message: { text: 'deep event text' } },
      members: [{ id: 'U1', text: 'text in an array' }],
      clientSecret: 'shh-secret',
      workspaceId: 'W-kept',
    });
    const line = out.raw.join('\n');
    for (const secret of [
      'top-level answer',
      'score-4',
      'score-2',
      'score-5',
      'my private comment',
      'xoxp-top-level',
      'deep event text',
      'text in an array',
      'shh-secret',
    ]) {
      expect(line).not.toContain(secret);
    }
    expect(line).toContain('W-kept');
    expect(line).toContain('pulse_modal');
  });

  it('redacts objects logged through the Nest logger too', () => {
    const out = collector();
    new PinoNestLogger(createLogger('info', out.stream)).log(
      { msg: 'submission', view: { private_metadata: 'round-1', state: { values: 'x' } } },
      'Pulse',
    );
    expect(out.raw.join('\n')).not.toContain('round-1');
    expect(out.entries()[0]).toMatchObject({
      msg: 'submission',
      context: 'Pulse',
      view: { private_metadata: '[redacted]', state: '[redacted]' },
    });
  });
});

describe('consoleDestination', () => {
  it('writes JSON off a terminal and with LOG_FORMAT=json, pretty lines on a terminal', () => {
    expect(consoleDestination('auto', false)).toBeUndefined();
    expect(consoleDestination('json', true)).toBeUndefined();
    expect(consoleDestination('auto', true)).toBeDefined();
    expect(consoleDestination('pretty', false)).toBeDefined();
  });
});

describe('redactPath', () => {
  it('drops the token of a sign-in link and leaves other paths alone', () => {
    expect(redactPath('/auth/link/7Vx4Besa7lJ56u7jycFTxFShzhAsnCrU7XQOJpGN9fI')).toBe(
      '/auth/link/[redacted]',
    );
    expect(redactPath('/api/rounds/abc/results')).toBe('/api/rounds/abc/results');
    expect(redactPath('/auth/signed-out')).toBe('/auth/signed-out');
  });
});
