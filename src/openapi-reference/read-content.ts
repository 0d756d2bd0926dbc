import type { ApiResponse, Example, MediaType, RequestBody, ResponseHeader, SchemaView } from './api-model.ts';
import { sunsetText, type ReadContext } from './read-context.ts';
import { isRecord, own, ownKeys, scalarText, type JsonRecord } from './records.ts';
import { buildSchemaView } from './schema-view.ts';

const MAX_MEDIA_TYPES = 20;
const MAX_EXAMPLES = 10;
const MAX_RESPONSES = 50;
const MAX_HEADERS = 30;
const MAX_EXAMPLE_CHARS = 20_000;

/** OpenAPI 3 request body (already dereferenced). */
export function readRequestBody(raw: JsonRecord, ctx: ReadContext): RequestBody {
  return {
    description: ctx.text(own(raw, 'description')),
    required: own(raw, 'required') === true,
    content: readContent(own(raw, 'content'), ctx),
  };
}

/** An OpenAPI 3 `content` map: media type → schema and examples. */
export function readContent(content: unknown, ctx: ReadContext): MediaType[] {
  if (!isRecord(content)) return [];
  return ownKeys(content)
    .keys.slice(0, MAX_MEDIA_TYPES)
    .flatMap((type) => {
      const media = own(content, type);
      if (!isRecord(media)) return [];
      const schema = own(media, 'schema');
      return [
        {
          type: type.slice(0, 200),
          schema: schema === undefined ? undefined : buildSchemaView(schema, ctx),
          examples: readExamples(media, ctx),
        },
      ];
    });
}

/** `example` plus the `examples` map (Example Objects, possibly `$ref`s) of a media type or parameter. */
export function readExamples(holder: JsonRecord, ctx: ReadContext): Example[] {
  const out: Example[] = [];
  for (const key of ['example', 'x-example']) {
    const value = own(holder, key);
    if (value !== undefined) out.push(exampleOf(value, ctx));
  }
  const examples = own(holder, 'examples');
  if (!isRecord(examples)) return out;
  for (const name of ownKeys(examples).keys.slice(0, MAX_EXAMPLES)) {
    const example = ctx.deref(own(examples, name));
    if (!example) continue;
    const externalValue = scalarText(own(example, 'externalValue'));
    const value = own(example, 'value');
    out.push({
      ...(value === undefined ? { language: 'text', truncated: false } : exampleOf(value, ctx)),
      name: name.slice(0, 200),
      summary: ctx.text(own(example, 'summary'), 500),
      description: ctx.text(own(example, 'description'), 10_000),
      externalValue: externalValue?.slice(0, 500),
    });
  }
  return out;
}

/** An example value as text: a string is shown as written (CSV, XML…), anything else as pretty JSON. */
export function exampleOf(value: unknown, ctx: ReadContext): Example {
  if (typeof value === 'string') {
    const text = value.slice(0, ctx.charAllowance(MAX_EXAMPLE_CHARS));
    ctx.spendChars(text.length);
    return text === '' && value !== ''
      ? { language: 'text', truncated: true }
      : { value: text, language: 'text', truncated: text.length < value.length };
  }
  const literal = ctx.literal(value, MAX_EXAMPLE_CHARS, true);
  return literal
    ? { value: literal.text, language: 'json', truncated: literal.truncated }
    : { language: 'json', truncated: true };
}

/**
 * Responses by status. Swagger 2.0 keeps `schema` and `examples` (keyed by media type) on the
 * response itself and the media types in `produces`; they are read into the same shape.
 */
export function readResponses(raw: unknown, ctx: ReadContext, produces?: readonly string[]): ApiResponse[] {
  if (!isRecord(raw)) return [];
  const out: ApiResponse[] = [];
  for (const status of ownKeys(raw).keys) {
    if (status.startsWith('x-')) continue;
    if (out.length === MAX_RESPONSES) break;
    const response = ctx.deref(own(raw, status));
    if (!response) {
      out.push({ status: status.slice(0, 50), content: [], headers: [] });
      continue;
    }
    out.push({
      status: status.slice(0, 50),
      description: ctx.text(own(response, 'description')),
      content: produces ? swaggerContent(response, produces, ctx) : readContent(own(response, 'content'), ctx),
      headers: readHeaders(own(response, 'headers'), ctx, produces !== undefined),
    });
  }
  return out;
}

function swaggerContent(response: JsonRecord, produces: readonly string[], ctx: ReadContext): MediaType[] {
  const schema = own(response, 'schema');
  const examples = own(response, 'examples');
  const types = [...produces];
  if (isRecord(examples)) for (const type of ownKeys(examples).keys) if (!types.includes(type)) types.push(type);
  if (schema === undefined && !isRecord(examples)) return [];
  return types.slice(0, MAX_MEDIA_TYPES).map((type) => {
    const example = isRecord(examples) ? own(examples, type) : undefined;
    return {
      type: type.slice(0, 200),
      schema: schema === undefined ? undefined : buildSchemaView(schema, ctx),
      examples: example === undefined ? [] : [exampleOf(example, ctx)],
    };
  });
}

function readHeaders(raw: unknown, ctx: ReadContext, swagger: boolean): ResponseHeader[] {
  if (!isRecord(raw)) return [];
  return ownKeys(raw)
    .keys.slice(0, MAX_HEADERS)
    .flatMap((name) => {
      const header = ctx.deref(own(raw, name));
      if (!header) return [];
      return [
        {
          name: name.slice(0, 200),
          description: ctx.text(own(header, 'description'), 10_000),
          required: own(header, 'required') === true,
          deprecated: own(header, 'deprecated') === true,
          sunset: sunsetText(own(header, 'x-sunset')),
          schema: swagger ? buildSchemaView(withoutKeys(header, ['description']), ctx) : schemaOf(header, ctx),
        },
      ];
    });
}

/** The schema of a parameter or header: `schema`, or the first `content` entry's. */
export function schemaOf(holder: JsonRecord, ctx: ReadContext): SchemaView | undefined {
  const schema = own(holder, 'schema');
  if (schema !== undefined) return buildSchemaView(schema, ctx);
  const content = own(holder, 'content');
  if (!isRecord(content)) return undefined;
  const first = ownKeys(content).keys[0];
  const media = first === undefined ? undefined : own(content, first);
  const inner = isRecord(media) ? own(media, 'schema') : undefined;
  return inner === undefined ? undefined : buildSchemaView(inner, ctx);
}

/**
 * A copy without some keys. Swagger 2.0 parameters and headers carry their schema keywords
 * (type, format, items, enum…) inline; this turns one into a schema. Null prototype, as the
 * keys come from the document.
 */
export function withoutKeys(record: JsonRecord, keys: readonly string[]): JsonRecord {
  const out = Object.create(null) as JsonRecord;
  for (const key of ownKeys(record).keys) if (!keys.includes(key)) out[key] = record[key];
  return out;
}
