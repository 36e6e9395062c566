/**
 * What reaches Bolt: a signed request whose shape Bolt can route and that one of our listeners
 * handles. Bolt answers anything else only after 3 seconds (its unacknowledged-request timer),
 * with an empty 404 and an error line, and throws on some malformed shapes (a 500). Found by the
 * fuzz suite (test/e2e/fuzz.e2e-spec.ts): an unknown command, an action or modal no listener
 * owns, a payload that is not JSON or has no type.
 *
 * So, before Bolt: a malformed request gets 400 with the contract's error body saying what is
 * wrong; a well-formed one nothing here handles is acknowledged at once (a command with a line
 * saying so, as Slack shows the acknowledgement to the person), and logged without content.
 * The body is read as Bolt will read it (an interaction's payload decoded), classified in Bolt's
 * order, and refused when a NUL is anywhere in it: listeners see only what was checked here.
 */
import type { App } from '@slack/bolt';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { parse as parseForm } from 'node:querystring';
import { holdsNul } from '../common/request-shape';

type Matcher = string | RegExp;
type Kind = 'command' | 'action' | 'view' | 'shortcut' | 'event';

/** What the listeners registered, by kind: Bolt's constraints, as given. */
export class SlackRoutes {
  private readonly matchers: Record<Kind, Matcher[]> = {
    command: [],
    action: [],
    view: [],
    shortcut: [],
    event: [],
  };

  /**
   * The app as listeners see it, recording each registration before forwarding it. Only the
   * registration methods are intercepted; everything else is the app itself.
   */
  recording(app: App): App {
    const keyOf: Record<Kind, string> = {
      command: 'command',
      action: 'action_id',
      view: 'callback_id',
      shortcut: 'callback_id',
      event: 'type',
    };
    return new Proxy(app, {
      get: (target, prop, receiver) => {
        const value = Reflect.get(target, prop, receiver) as unknown;
        if (typeof value !== 'function' || !(prop in this.matchers)) return value;
        const kind = prop as Kind;
        return (constraint: unknown, ...rest: unknown[]) => {
          this.matchers[kind].push(matcherOf(constraint, keyOf[kind]));
          return (value as (...a: unknown[]) => unknown).call(target, constraint, ...rest);
        };
      },
    });
  }

  handles(kind: Kind, id: string): boolean {
    return this.matchers[kind].some((m) => (typeof m === 'string' ? m === id : m.test(id)));
  }
}

/** A constraint of app.action/view/shortcut/event/command: a string, a RegExp, or an object. */
function matcherOf(constraint: unknown, key: string): Matcher {
  if (typeof constraint === 'string' || constraint instanceof RegExp) return constraint;
  const inner = (constraint as Record<string, unknown> | null)?.[key];
  if (typeof inner === 'string' || inner instanceof RegExp) return inner;
  // A constraint on other fields only: anything of this kind may match.
  return /.*/;
}

export type SlackRoute =
  | { ok: true; kind: Kind; id: string }
  | { ok: true; kind: 'other' }
  | { ok: true; kind: 'unowned' }
  | { ok: false; why: string };

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isText = (v: unknown): v is string => typeof v === 'string' && v.length > 0;

/**
 * Where a Slack body goes, or why it cannot be routed. `body` is what Bolt's receiver makes of
 * the request (readSlackBody): an interaction's decoded payload, or the form or JSON as sent.
 */
export function routeOf(body: unknown, fromPayload = false): SlackRoute {
  if (!isObject(body)) {
    return {
      ok: false,
      why: fromPayload ? 'payload is not an object' : 'the body is not an object',
    };
  }
  return routeOfBolt(body, fromPayload);
}

/**
 * The route of what Bolt gets, classified as Bolt classifies it (getTypeAndConversation: an
 * `event` field first, then `command`, options, `actions`, shortcuts, views), with each field
 * Bolt itself reads before any listener checked: Bolt throws a TypeError, and so answers 500,
 * on an `actions` that is not a list (found by the long fuzz run, seed 1796303492), a null
 * `event.channel`, a `response_urls` of nulls. What Bolt cannot classify it never
 * acknowledges: a payload of another type is acknowledged here, anything else refused.
 */
function routeOfBolt(body: Record<string, unknown>, fromPayload: boolean): SlackRoute {
  // Answered by the receiver itself, before any routing.
  if (body.ssl_check || body.type === 'url_verification') return { ok: true, kind: 'other' };
  const urls = body.response_urls;
  if (urls !== undefined && !(Array.isArray(urls) && urls.every((u) => isObject(u)))) {
    return { ok: false, why: 'response_urls is not a list of objects' };
  }
  if (body.event !== undefined) return routeOfEvent(body);
  if (body.command !== undefined) {
    if (!isText(body.command)) return { ok: false, why: 'command is not text' };
    if (!isText(body.team_id) || !isText(body.user_id)) {
      return { ok: false, why: 'a command needs team_id and user_id' };
    }
    // Slack sends a command as a form: every field is text, as the listeners read them.
    if (!Object.values(body).every((v) => typeof v === 'string')) {
      return { ok: false, why: 'a command has a field that is not text' };
    }
    return { ok: true, kind: 'command', id: body.command };
  }
  const interaction =
    body.name !== undefined ||
    body.actions !== undefined ||
    [
      'block_suggestion',
      'dialog_submission',
      'shortcut',
      'message_action',
      'view_submission',
      'view_closed',
    ].includes(String(body.type));
  if (!interaction) {
    if (!fromPayload)
      return { ok: false, why: 'not a slash command, an interaction payload or an event' };
    if (!isText(body.type)) return { ok: false, why: 'payload has no type' };
    // An interaction of another kind: nothing of ours asked for it.
    return { ok: true, kind: 'unowned' };
  }
  // Bolt reads the user (and the team, through team or user.team_id) of every interaction.
  if (!isObject(body.user) || !isText(body.user.id)) {
    return { ok: false, why: 'payload has no user id' };
  }
  const teamId = isObject(body.team) ? body.team.id : body.user.team_id;
  if (!isText(teamId)) return { ok: false, why: 'payload has no team id' };
  // Options (an external select's suggestions) and legacy dialogs: Pulsedesk offers neither.
  if (body.name !== undefined || body.type === 'block_suggestion')
    return { ok: true, kind: 'unowned' };
  if (body.actions !== undefined) {
    const actions = body.actions;
    if (!Array.isArray(actions) || actions.length === 0) {
      return { ok: false, why: 'actions is not a list of actions' };
    }
    const action: unknown = actions[0];
    if (!isObject(action) || !isText(action.action_id)) {
      return { ok: false, why: 'an action has no action_id' };
    }
    return { ok: true, kind: 'action', id: action.action_id };
  }
  switch (body.type) {
    case 'view_submission':
    case 'view_closed':
      if (!isObject(body.view) || typeof body.view.callback_id !== 'string') {
        return { ok: false, why: `${body.type} has no view with a callback_id` };
      }
      return { ok: true, kind: 'view', id: body.view.callback_id };
    case 'shortcut':
    case 'message_action':
      if (!isText(body.callback_id)) return { ok: false, why: 'a shortcut has no callback_id' };
      return { ok: true, kind: 'shortcut', id: body.callback_id };
    default:
      return { ok: true, kind: 'unowned' };
  }
}

/** An Events API body: what Bolt reads of it before any listener, checked. */
function routeOfEvent(body: Record<string, unknown>): SlackRoute {
  const event = body.event;
  if (!isObject(event) || !isText(event.type)) {
    return { ok: false, why: 'an event_callback needs an event with a type' };
  }
  if (!isText(body.team_id)) return { ok: false, why: 'an event_callback needs team_id' };
  const authorizations = body.authorizations;
  if (Array.isArray(authorizations) && authorizations.length > 0) {
    const first: unknown = authorizations[0];
    if (!isObject(first) || !(first.team_id == null || isText(first.team_id))) {
      return { ok: false, why: 'authorizations[0] is not an authorization with a team_id' };
    }
  }
  // Bolt looks for the channel and the user in these, and throws on a null or a number.
  const { channel, item, user, subteam } = event;
  if (channel !== undefined && typeof channel !== 'string' && !isObject(channel)) {
    return { ok: false, why: 'event.channel is neither an id nor an object' };
  }
  if (item !== undefined && !isObject(item))
    return { ok: false, why: 'event.item is not an object' };
  if (user === null || subteam === null)
    return { ok: false, why: 'event.user or event.subteam is null' };
  return { ok: true, kind: 'event', id: event.type };
}

/** The only content type Bolt's receiver reads as a form; it parses anything else as JSON. */
const FORM = 'application/x-www-form-urlencoded';

export type SlackBody =
  | {
      ok: true;
      /** The form or the JSON as sent. */
      sent: unknown;
      /** What Bolt and the listeners get: the decoded payload of an interaction, else `sent`. */
      bolt: unknown;
      fromPayload: boolean;
    }
  | { ok: false; why: string };

/**
 * A raw body read exactly as Bolt's receiver will read it (ExpressReceiver's parseRequestBody,
 * with node:querystring), so that what is checked here is what the listeners get. A form field
 * given twice would reach a listener as a list where it reads text, and a check of one of the
 * two would miss the other: Slack never repeats one.
 */
export function readSlackBody(raw: string, contentType: unknown): SlackBody {
  if (contentType === FORM) {
    const form = parseForm(raw);
    if (Object.values(form).some((v) => Array.isArray(v))) {
      return { ok: false, why: 'a form field is given more than once' };
    }
    if (typeof form.payload !== 'string')
      return { ok: true, sent: form, bolt: form, fromPayload: false };
    const payload = decoded(form.payload);
    if (payload === undefined) return { ok: false, why: 'payload is not JSON' };
    return { ok: true, sent: form, bolt: payload, fromPayload: true };
  }
  const json = decoded(raw);
  if (json === undefined) {
    return { ok: false, why: `the body is neither JSON nor a form (Content-Type ${FORM})` };
  }
  return { ok: true, sent: json, bolt: json, fromPayload: false };
}

/** JSON text decoded, or undefined when it is not JSON. */
function decoded(text: unknown): unknown {
  if (typeof text !== 'string') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * Whether U+0000 is anywhere a listener will read: any key or string of the form or JSON as
 * sent, of an interaction's decoded payload (in the form it is JSON text, where a NUL is the six
 * characters \u0000, so a check of the form alone missed it: the long fuzz run's 500), and of a
 * view's private_metadata decoded (a listener decodes it in turn). Slack never sends one, and
 * Postgres text cannot store one: it would be an error there, not a refusal.
 */
export function holdsNulForListeners(body: Extract<SlackBody, { ok: true }>): boolean {
  if (holdsNul(body.sent) || holdsNul(body.bolt)) return true;
  const view = isObject(body.bolt) ? body.bolt.view : undefined;
  return isObject(view) && holdsNul(decoded(view.private_metadata));
}

const NUL_REFUSAL = 'it holds a NUL character (U+0000), which no field accepts';

/**
 * Express middleware between the signature check and Bolt's receiver. `onSkipped` hears what
 * was acknowledged without a listener (kind and id, never content).
 */
export function slackRoutingGuard(
  routes: SlackRoutes,
  onSkipped: (what: { kind: string; id?: string; why?: string }) => void,
): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const raw = (req as Request & { rawBody?: Buffer }).rawBody?.toString('utf8') ?? '';
    const read = readSlackBody(raw, req.headers['content-type']);
    const nul = read.ok && holdsNulForListeners(read);
    if (nul && !read.fromPayload && isObject(read.bolt) && read.bolt.command !== undefined) {
      // A command's acknowledgement is what Slack shows the person: say it there.
      onSkipped({ kind: 'malformed', why: 'NUL character' });
      res.status(200).json({
        response_type: 'ephemeral',
        text: `Pulsedesk cannot read that command: ${NUL_REFUSAL}. Type it again without it.`,
      });
      return;
    }
    const route: SlackRoute = !read.ok
      ? read
      : nul
        ? { ok: false, why: NUL_REFUSAL }
        : routeOf(read.bolt, read.fromPayload);
    if (!route.ok) {
      onSkipped({ kind: 'malformed', why: route.why });
      res.status(400).json({
        statusCode: 400,
        error: 'Bad Request',
        message: `Not a Slack request Pulsedesk can read: ${route.why}`,
      });
      return;
    }
    if (
      route.kind === 'other' ||
      (route.kind !== 'unowned' && routes.handles(route.kind, route.id))
    ) {
      next();
      return;
    }
    onSkipped(
      route.kind === 'unowned'
        ? { kind: 'interaction' }
        : { kind: route.kind, id: route.id.slice(0, 80) },
    );
    if (route.kind === 'command') {
      res.status(200).json({
        response_type: 'ephemeral',
        text: `Pulsedesk has no ${route.id.slice(0, 40)} command. Try /pulse help.`,
      });
      return;
    }
    // An action, a modal or an event no listener owns: acknowledged, nothing to do.
    res.status(200).end();
  };
}
