/**
 * What the fuzz suite generates and how it sends it: slash-command texts built from the
 * commands' own vocabulary and from arbitrary text, interaction payloads with wrong, missing and
 * oversized fields, and API calls derived from the OpenAPI document the app serves (paths, query
 * parameters, bodies from each schema with wrong types mixed in).
 *
 * The checks every answer must pass are here too, so the fast run (npm test) and the long one
 * (scripts/test-fuzz.sh) assert the same thing.
 */
import fc from 'fast-check';
import * as http from 'node:http';

// ------------------------------------------------------------------------------ HTTP

export interface Sent {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One request on a keep-alive agent; the path is sent as given (already encoded). */
export function send(agent: http.Agent, base: string, req: Sent): Promise<Answer> {
  const url = new URL(base);
  const body = req.body === undefined ? undefined : Buffer.from(req.body, 'utf8');
  return new Promise((resolve, reject) => {
    const r = http.request(
      {
        agent,
        host: url.hostname,
        port: url.port,
        method: req.method,
        path: req.path,
        headers: { ...req.headers, ...(body ? { 'content-length': String(body.length) } : {}) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    r.on('error', reject);
    r.end(body);
  });
}

/**
 * What every answer to a fuzzed request must be: no 5xx; a 4xx carries the contract's error
 * body (statusCode, error, message — a specific message, not empty). Returns the problem, or
 * null when the answer is fine.
 */
export function problemWith(answer: Answer): string | null {
  if (answer.status >= 500) return `${answer.status} ${answer.body.slice(0, 300)}`;
  if (answer.status >= 400) {
    let parsed: { statusCode?: unknown; error?: unknown; message?: unknown };
    try {
      parsed = JSON.parse(answer.body) as typeof parsed;
    } catch {
      // The dashboard answers HTML to browsers; the API and /slack answer JSON.
      const html = String(answer.headers['content-type'] ?? '').includes('text/html');
      return html && answer.body.length > 0
        ? null
        : `${answer.status} without a JSON error body: ${answer.body.slice(0, 200)}`;
    }
    if (parsed.statusCode !== answer.status) return `statusCode ${String(parsed.statusCode)}`;
    if (typeof parsed.error !== 'string' || !parsed.error) return 'no error name';
    if (typeof parsed.message !== 'string' || parsed.message.trim().length < 5) {
      return `no clear message: ${answer.body.slice(0, 200)}`;
    }
  }
  return null;
}

/**
 * A slash command's acknowledgement: empty (the reply follows on response_url) or a message
 * only the person sees, with text (Slack shows nothing useful for an empty one).
 */
export function commandReplyProblem(answer: Answer): string | null {
  const basic = problemWith(answer);
  if (basic || answer.status !== 200 || answer.body === '') return basic;
  try {
    const reply = JSON.parse(answer.body) as { response_type?: string; text?: unknown };
    if (reply.response_type !== undefined && reply.response_type !== 'ephemeral') {
      return `a command reply visible to the channel: ${answer.body.slice(0, 200)}`;
    }
    if (typeof reply.text !== 'string' || reply.text.trim() === '') {
      return `a command reply without text: ${answer.body.slice(0, 200)}`;
    }
  } catch {
    return `a command reply that is not JSON: ${answer.body.slice(0, 200)}`;
  }
  return null;
}

// ------------------------------------------------------------------------------ text

/** Text as people type it and as attackers do: ASCII, any Unicode, emoji, control, huge. */
export const anyText: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 60 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 60 }) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(
        fc.constantFrom('a', '😀', '%', '\u0000', '<', "'", '9'),
        fc.integer({ min: 100, max: 4000 }),
      )
      .map(([c, n]) => c.repeat(n)),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '',
      ' ',
      '%',
      '%zz',
      '..',
      '../../etc/passwd',
      'null',
      'undefined',
      'NaN',
      '-1',
      '0',
      '1e309',
      '9007199254740993',
      '3000000000',
      '2026-W01',
      '2026-02-31',
      '0000-00-00',
      '+275760-09-13',
      '<script>alert(1)</script>',
      "'; DROP TABLE people; --",
      '=cmd|"/c calc"!A1',
      '[object Object]',
      '__proto__',
      'constructor',
      '\u202e',
      '\ud800',
    ),
  },
);

/** Words each command understands, so generated texts reach past the first parser branch. */
const COMMAND_WORDS = [
  // /focus
  '45m',
  '2h',
  '90m',
  '0m',
  '1m',
  '25m',
  '999999h',
  '-5m',
  '1.5h',
  '24h',
  '8d',
  'off',
  'status',
  'until',
  '17:00',
  '9:00-10:30',
  '9-11',
  '23:59-00:01',
  '25:00',
  'tomorrow',
  'today',
  'every',
  'weekday',
  'weekdays',
  'mon',
  'tue',
  'fri,sat',
  'at',
  'for',
  'from',
  'to',
  'note',
  '"',
  'pm',
  // /pulse
  'dashboard',
  'help',
  'results',
  'stop',
  'start',
  'me',
  'status',
  'round',
  // /story
  'share',
  'feed',
  'new',
  'prompt',
];

export const commandText: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .array(fc.oneof(fc.constantFrom(...COMMAND_WORDS), anyText), { maxLength: 6 })
      .map((w) => w.join(' ')),
  },
  { weight: 1, arbitrary: anyText },
  {
    // a valid block followed by a long note: the note column has a limit
    weight: 1,
    arbitrary: fc
      .tuple(
        fc.constantFrom('45m', '2h', '9:00-10:30', 'tomorrow 9-11'),
        fc.string({ unit: 'grapheme', minLength: 150, maxLength: 400 }),
      )
      .map(([w, note]) => `${w} ${note}`),
  },
);

// ------------------------------------------------------------------------------ JSON values

/** Any JSON value, including deep nesting and big numbers. */
export const anyJson: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.constantFrom(null, true, 0, -1, 2 ** 31, 3e9, 1e308, -0, '', []) },
  { weight: 1, arbitrary: anyText },
);

/** Raw bodies JSON.parse chokes on, or that the parser accepts and the app must still refuse. */
export const rawJsonBody: fc.Arbitrary<string> = fc.constantFrom(
  '',
  '{',
  'null',
  '"just a string"',
  '[]',
  '{"__proto__":{"admin":true}}',
  '{"constructor":{"prototype":{"x":1}}}',
  `{"title":${'['.repeat(3000)}${']'.repeat(3000)}}`,
  `{"a":${'{"a":'.repeat(500)}1${'}'.repeat(500)}}`,
);

// ------------------------------------------------------------------------------ OpenAPI

export interface OpenApiDoc {
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, Schema> };
}
export interface Operation {
  parameters?: Array<{ name: string; in: string; required?: boolean; schema?: Schema }>;
  requestBody?: { content?: Record<string, { schema?: Schema }> };
  security?: unknown[];
}
export interface Schema {
  $ref?: string;
  type?: string;
  format?: string;
  enum?: unknown[];
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
  allOf?: Schema[];
  oneOf?: Schema[];
  anyOf?: Schema[];
  minimum?: number;
  maximum?: number;
  maxLength?: number;
  example?: unknown;
  nullable?: boolean;
}

export interface Route {
  method: string;
  /** OpenAPI template, e.g. /api/rounds/{id} */
  template: string;
  op: Operation;
}

export function routesOf(doc: OpenApiDoc): Route[] {
  return Object.entries(doc.paths).flatMap(([template, ops]) =>
    Object.entries(ops)
      .filter(([method]) => ['get', 'post', 'patch', 'put', 'delete'].includes(method))
      .map(([method, op]) => ({ method: method.toUpperCase(), template, op })),
  );
}

function resolve(doc: OpenApiDoc, schema: Schema | undefined): Schema {
  if (!schema) return {};
  if (schema.$ref) {
    const name = schema.$ref.split('/').pop()!;
    return resolve(doc, doc.components?.schemas?.[name]);
  }
  if (schema.allOf?.length === 1) return resolve(doc, schema.allOf[0]);
  return schema;
}

/**
 * A value for `schema`: mostly one that fits the type (bounds stretched past their limits),
 * sometimes anything at all, so validation is reached both ways.
 */
export function fromSchema(
  doc: OpenApiDoc,
  raw: Schema | undefined,
  depth = 0,
): fc.Arbitrary<unknown> {
  const schema = resolve(doc, raw);
  const wild = depth > 3 ? fc.constant(null) : anyJson;
  let fitting: fc.Arbitrary<unknown>;
  if (schema.enum) {
    fitting = fc.oneof(fc.constantFrom(...schema.enum), anyText);
  } else if (schema.type === 'integer' || schema.type === 'number') {
    fitting = fc.oneof(
      fc.integer({ min: -5, max: 200 }),
      fc.constantFrom(
        schema.minimum ?? 0,
        schema.maximum ?? 100,
        (schema.minimum ?? 0) - 1,
        (schema.maximum ?? 100) + 1,
        2 ** 31,
        3e9,
        1e20,
        0.5,
        -0,
      ),
    );
  } else if (schema.type === 'boolean') {
    fitting = fc.boolean();
  } else if (schema.type === 'array') {
    fitting =
      depth > 3
        ? fc.constant([])
        : fc.array(fromSchema(doc, schema.items, depth + 1), { maxLength: 4 });
  } else if (schema.type === 'object' || schema.properties) {
    if (depth > 3) {
      fitting = fc.constant({});
    } else {
      const props = Object.entries(schema.properties ?? {});
      fitting = fc
        .tuple(
          fc.record(Object.fromEntries(props.map(([k, s]) => [k, fromSchema(doc, s, depth + 1)])), {
            requiredKeys: [],
          }),
          fc.dictionary(fc.string({ maxLength: 8 }), anyJson, { maxKeys: 2 }),
        )
        .map(([known, extra]) => ({ ...extra, ...known }));
    }
  } else {
    // strings (dates, uuids, free text) and untyped values
    fitting = fc.oneof(
      schema.example !== undefined ? fc.constant(schema.example) : anyText,
      schema.format === 'uuid' ? fc.uuid() : anyText,
      schema.format === 'date' || schema.format === 'date-time'
        ? fc.date({ noInvalidDate: true }).map((d) => d.toISOString())
        : anyText,
    );
  }
  return fc.oneof({ weight: 5, arbitrary: fitting }, { weight: 1, arbitrary: wild });
}

/** Text without lone surrogates, which no URL can carry (encodeURIComponent throws). */
function wellFormed(text: string): string {
  return text.replace(
    /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g,
    '',
  );
}

/** `k=v` pairs, a repeated key for an array value (as Express's parser turns it into one). */
export function queryString(params: Record<string, unknown>): string {
  const pairs: string[] = [];
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined) continue;
    for (const one of Array.isArray(v) ? v : [v]) {
      const text = wellFormed(
        typeof one === 'object' && one !== null ? JSON.stringify(one) : String(one),
      );
      pairs.push(`${encodeURIComponent(wellFormed(k))}=${encodeURIComponent(text)}`);
    }
  }
  return pairs.length ? `?${pairs.join('&')}` : '';
}

/** A path segment: encoded text, or a raw one Express must refuse to decode (`%zz`). */
export function pathSegment(known: string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...known) },
    { weight: 2, arbitrary: fc.uuid() },
    {
      weight: 2,
      arbitrary: anyText.map((s) => encodeURIComponent(wellFormed(s))),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom('%zz', '%', '%00', 'a%2Fb', 'templates', 'U0PULSE0001'),
    },
  );
}
