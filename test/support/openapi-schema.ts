/**
 * Reads the app's served OpenAPI document: whether an operation declares a typed success
 * response, and whether a response body conforms to the schema declared for its status. Only
 * the parts of OpenAPI 3 that @nestjs/swagger emits are understood ($ref, allOf, type,
 * properties, required, items, enum, nullable, additionalProperties); anything else is reported
 * rather than passed, so the check cannot go quietly blind.
 */
export interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, Schema> };
}

interface Operation {
  responses?: Record<string, { content?: Record<string, { schema?: Schema }> }>;
}

export interface Schema {
  $ref?: string;
  allOf?: Schema[];
  type?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  enum?: unknown[];
  nullable?: boolean;
  additionalProperties?: boolean | Schema;
}

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];
const UNDERSTOOD = new Set([
  '$ref',
  'allOf',
  'type',
  'properties',
  'required',
  'items',
  'enum',
  'nullable',
  'additionalProperties',
  'description',
  'example',
  'default',
  'format',
  'maxLength',
  'minLength',
  'minimum',
  'maximum',
  'title',
]);

export function operations(doc: OpenApiDocument): { id: string; op: Operation }[] {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => HTTP_METHODS.includes(method))
      .map(([method, op]) => ({ id: `${method.toUpperCase()} ${path}`, op })),
  );
}

/** A schema that says what the body is: a named DTO, a typed value, or an array of typed items. */
export function isTyped(doc: OpenApiDocument, schema: Schema | undefined): boolean {
  if (!schema) return false;
  if (schema.$ref) return resolve(doc, schema.$ref) !== undefined;
  if (schema.allOf) return schema.allOf.length > 0 && schema.allOf.every((s) => isTyped(doc, s));
  if (schema.type === 'array') return isTyped(doc, schema.items);
  return typeof schema.type === 'string';
}

/** Why an operation lacks a typed success response, or null when it has one. */
export function untypedSuccess(doc: OpenApiDocument, op: Operation): string | null {
  const success = Object.entries(op.responses ?? {}).filter(([code]) => /^2\d\d$/.test(code));
  if (success.length === 0) return 'no 2xx response';
  for (const [code, response] of success) {
    const contents = Object.entries(response.content ?? {});
    if (code === '204') {
      if (contents.length > 0) return '204 declares a body';
      continue;
    }
    if (contents.length === 0) return `${code} has no content schema`;
    for (const [type, { schema }] of contents) {
      if (!isTyped(doc, schema)) return `${code} ${type} is untyped: ${JSON.stringify(schema)}`;
    }
  }
  return null;
}

export function responseSchema(
  doc: OpenApiDocument,
  method: string,
  path: string,
  status: number,
  contentType = 'application/json',
): Schema {
  const op = doc.paths[path]?.[method.toLowerCase()];
  if (!op) throw new Error(`${method} ${path} is not in the document`);
  const response = op.responses?.[String(status)];
  if (!response) {
    throw new Error(
      `${method} ${path} answered ${status}, which the document does not declare (it declares ${Object.keys(op.responses ?? {}).join(', ')})`,
    );
  }
  const schema = response.content?.[contentType]?.schema;
  if (!schema) throw new Error(`${method} ${path} ${status} declares no ${contentType} schema`);
  return schema;
}

function resolve(doc: OpenApiDocument, ref: string): Schema | undefined {
  const name = ref.replace(/^#\/components\/schemas\//, '');
  return doc.components?.schemas?.[name];
}

/** Every way `value` departs from `schema`, as `path: reason` lines; [] when it conforms. */
export function schemaErrors(
  doc: OpenApiDocument,
  schema: Schema,
  value: unknown,
  at = '$',
): string[] {
  const unknownKeys = Object.keys(schema).filter((k) => !UNDERSTOOD.has(k));
  if (unknownKeys.length) return [`${at}: schema uses ${unknownKeys.join(', ')}, not understood`];
  if (value === null) return schema.nullable ? [] : [`${at}: null, and the schema is not nullable`];
  if (schema.$ref) {
    const target = resolve(doc, schema.$ref);
    return target ? schemaErrors(doc, target, value, at) : [`${at}: ${schema.$ref} is not defined`];
  }
  if (schema.allOf) return schema.allOf.flatMap((s) => schemaErrors(doc, s, value, at));
  if (schema.enum && !schema.enum.includes(value)) {
    return [`${at}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`];
  }
  const type = schema.type ?? (schema.properties ? 'object' : undefined);
  switch (type) {
    case 'string':
    case 'boolean':
    case 'number':
      return typeof value === type ? [] : [`${at}: ${JSON.stringify(value)} is not a ${type}`];
    case 'integer':
      return Number.isInteger(value) ? [] : [`${at}: ${JSON.stringify(value)} is not an integer`];
    case 'array':
      if (!Array.isArray(value)) return [`${at}: not an array`];
      return schema.items
        ? value.flatMap((v, i) => schemaErrors(doc, schema.items!, v, `${at}[${i}]`))
        : [];
    case 'object':
      return objectErrors(doc, schema, value, at);
    default:
      return [`${at}: the schema names no type`];
  }
}

function objectErrors(doc: OpenApiDocument, schema: Schema, value: unknown, at: string): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return [`${at}: not an object`];
  }
  const record = value as Record<string, unknown>;
  const properties = schema.properties ?? {};
  const errors = (schema.required ?? [])
    .filter((key) => !(key in record))
    .map((key) => `${at}.${key}: required, missing`);
  for (const [key, v] of Object.entries(record)) {
    const declared = properties[key];
    if (declared) errors.push(...schemaErrors(doc, declared, v, `${at}.${key}`));
    else if (typeof schema.additionalProperties === 'object') {
      errors.push(...schemaErrors(doc, schema.additionalProperties, v, `${at}.${key}`));
    } else if (schema.additionalProperties !== true && schema.properties) {
      errors.push(`${at}.${key}: not declared in the schema`);
    }
  }
  return errors;
}
