import { holdsNulForListeners, readSlackBody, routeOf, SlackBody } from './slack-routing';

const FORM = 'application/x-www-form-urlencoded';
const NUL = '\u0000';
const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const interaction = (payload: unknown) => form({ payload: JSON.stringify(payload) });
const read = (raw: string, type: string = FORM) => readSlackBody(raw, type);
const ok = (body: SlackBody) => {
  if (!body.ok) throw new Error(`not read: ${body.why}`);
  return body;
};
const route = (raw: string, type: string = FORM) => {
  const body = ok(read(raw, type));
  return routeOf(body.bolt, body.fromPayload);
};

const user = { id: 'U1', team_id: 'T1' };
const button = {
  type: 'block_actions',
  user,
  team: { id: 'T1' },
  actions: [{ action_id: 'story_approve', value: 'x' }],
};

describe('reading a Slack body as Bolt reads it', () => {
  it('decodes an interaction payload from the form, and keeps a command as its fields', () => {
    expect(ok(read(interaction(button)))).toMatchObject({ bolt: button, fromPayload: true });
    const command = ok(read(form({ command: '/pulse', text: 'help' })));
    expect(command).toMatchObject({ bolt: { command: '/pulse' }, fromPayload: false });
  });

  it('reads a form only under Slack’s own content type, as Bolt does; JSON otherwise', () => {
    const text = form({ command: '/pulse', team_id: 'T1', user_id: 'U1' });
    expect(read(text, `${FORM}; charset=utf-8`)).toMatchObject({ ok: false });
    expect(ok(read('{"type":"url_verification"}', 'text/plain')).bolt).toEqual({
      type: 'url_verification',
    });
  });

  it('refuses a form field given twice (Bolt would hand a listener a list)', () => {
    expect(read('command=/pulse&text=a&text=b')).toEqual({
      ok: false,
      why: 'a form field is given more than once',
    });
  });

  it('refuses a payload that is not JSON', () => {
    expect(read(form({ payload: '{nope' }))).toEqual({ ok: false, why: 'payload is not JSON' });
  });
});

describe('a NUL anywhere a listener reads', () => {
  const nul = (raw: string, type: string = FORM) => holdsNulForListeners(ok(read(raw, type)));

  it.each<[string, unknown]>([
    ['user.id', { ...button, user: { id: `U1${NUL}` } }],
    ['an action value', { ...button, actions: [{ action_id: 'a', value: NUL }] }],
    [
      'a multi_static_select option deep in view state',
      {
        type: 'view_submission',
        view: {
          state: {
            values: {
              b: { a: { type: 'multi_static_select', selected_options: [{ value: NUL }] } },
            },
          },
        },
      },
    ],
    ['a key', { ...button, [`x${NUL}`]: 1 }],
    [
      'private_metadata, decoded',
      { type: 'view_submission', view: { private_metadata: '["\\u0000"]' } },
    ],
  ])('is found in an interaction payload: %s', (_where, payload) => {
    expect(nul(interaction(payload))).toBe(true);
  });

  it('is found in a command’s form fields and in an event’s JSON', () => {
    expect(nul(form({ command: '/focus', text: `45m ${NUL}` }))).toBe(true);
    expect(nul(JSON.stringify({ event: { type: 'x', user: NUL } }), 'application/json')).toBe(true);
  });

  it('is not found where there is none, nor in the text "\\u0000" a person typed', () => {
    expect(nul(interaction(button))).toBe(false);
    const typed = { ...button, actions: [{ action_id: 'a', value: '\\u0000' }] };
    expect(nul(interaction(typed))).toBe(false);
  });
});

describe('routing in Bolt’s order, with what Bolt reads checked', () => {
  it('routes an action, and refuses actions that are not a list whatever the type', () => {
    expect(route(interaction(button))).toEqual({ ok: true, kind: 'action', id: 'story_approve' });
    // The long fuzz run's 500 (seed 1796303492, case 2,766): a random type, `actions` an object.
    const odd = { type: 'zzz', user, team: { id: 'T1' }, actions: { J: false } };
    expect(route(interaction(odd))).toEqual({ ok: false, why: 'actions is not a list of actions' });
  });

  it('takes an `event` field first, as Bolt does, even beside a command', () => {
    const both = {
      command: '/pulse',
      team_id: 'T1',
      user_id: 'U1',
      event: { type: 'x', channel: null },
    };
    expect(route(JSON.stringify(both), 'application/json')).toEqual({
      ok: false,
      why: 'event.channel is neither an id nor an object',
    });
  });

  it('refuses a command whose fields are not all text', () => {
    const body = { command: '/pulse', team_id: 'T1', user_id: 'U1', text: { a: 1 } };
    expect(route(JSON.stringify(body), 'application/json')).toEqual({
      ok: false,
      why: 'a command has a field that is not text',
    });
  });

  it('acknowledges an interaction of a kind Pulsedesk never asks for', () => {
    const suggestion = { type: 'block_suggestion', user, team: { id: 'T1' }, action_id: 'a' };
    expect(route(interaction(suggestion))).toEqual({ ok: true, kind: 'unowned' });
  });
});
