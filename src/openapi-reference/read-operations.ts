import type { HttpMethod, Operation, Parameter, RequestBody } from './api-model.ts';
import { readExamples, readRequestBody, readResponses, schemaOf, withoutKeys } from './read-content.ts';
import { sunsetText, type ReadContext } from './read-context.ts';
import { isRecord, own, ownKeys, scalarText, type JsonRecord } from './records.ts';
import { buildSchemaView } from './schema-view.ts';

const METHODS: ReadonlySet<string> = new Set<HttpMethod>([
  'get',
  'put',
  'post',
  'delete',
  'options',
  'head',
  'patch',
  'trace',
]);
/** Operations one page shows; a document with more is shown in part, with a notice. */
export const MAX_OPERATIONS = 2000;
const MAX_PARAMETERS = 100;
/** Parameter keys that are not schema keywords, left out when a Swagger 2.0 parameter is read as a schema. */
const PARAMETER_KEYS = [
  'name',
  'in',
  'description',
  'required',
  'deprecated',
  'x-sunset',
  'example',
  'x-example',
  'examples',
  'allowEmptyValue',
  'collectionFormat',
];

interface Defaults {
  swagger: boolean;
  /** Swagger 2.0's document-wide media types (operations may override them). */
  consumes: string[];
  produces: string[];
}

/** Every operation of `paths`, then of OpenAPI 3.1 `webhooks`, in document order. */
export function readOperations(
  root: JsonRecord,
  ctx: ReadContext,
  swagger: boolean,
): { operations: Operation[]; webhooks: Operation[] } {
  const defaults: Defaults = {
    swagger,
    consumes: mediaTypes(own(root, 'consumes')) ?? ['application/json'],
    produces: mediaTypes(own(root, 'produces')) ?? ['application/json'],
  };
  const budget = { left: MAX_OPERATIONS };
  const operations = readPathItems(own(root, 'paths'), ctx, defaults, budget);
  const webhooks = swagger ? [] : readPathItems(own(root, 'webhooks'), ctx, defaults, budget);
  return { operations, webhooks };
}

function readPathItems(paths: unknown, ctx: ReadContext, defaults: Defaults, budget: { left: number }): Operation[] {
  if (!isRecord(paths)) return [];
  const out: Operation[] = [];
  // Object.keys rather than ownKeys (which keeps a thousand): real documents can have more paths.
  for (const path of Object.keys(paths)) {
    if (path.startsWith('x-')) continue;
    const item = ctx.deref(own(paths, path));
    if (!item) continue;
    for (const method of ownKeys(item).keys) {
      const operation = own(item, method);
      if (!METHODS.has(method) || !isRecord(operation)) continue;
      if (budget.left === 0) {
        ctx.notice(
          `The document has more than ${MAX_OPERATIONS} operations: only the first ${MAX_OPERATIONS} are shown.`,
        );
        return out;
      }
      budget.left--;
      out.push(readOperation(method as HttpMethod, path, operation, item, ctx, defaults));
    }
  }
  return out;
}

function readOperation(
  method: HttpMethod,
  path: string,
  op: JsonRecord,
  item: JsonRecord,
  ctx: ReadContext,
  defaults: Defaults,
): Operation {
  const parameters = mergeParameters(own(item, 'parameters'), own(op, 'parameters'), ctx);
  const operation: Operation = {
    method,
    path: path.slice(0, 500),
    operationId: scalarText(own(op, 'operationId'))?.slice(0, 200) || undefined,
    summary: ctx.text(own(op, 'summary'), 1000),
    description: ctx.text(own(op, 'description'), 50_000),
    tags: strings(own(op, 'tags'), 20),
    deprecated: own(op, 'deprecated') === true || own(item, 'deprecated') === true,
    sunset: sunsetText(own(op, 'x-sunset')) ?? sunsetText(own(item, 'x-sunset')),
    parameters: [],
    responses: [],
  };
  if (defaults.swagger) {
    const inBody = (p: JsonRecord): boolean => own(p, 'in') === 'body' || own(p, 'in') === 'formData';
    operation.parameters = parameters.filter((p) => !inBody(p)).flatMap((p) => readParameter(p, ctx, true) ?? []);
    operation.requestBody = swaggerBody(parameters, mediaTypes(own(op, 'consumes')) ?? defaults.consumes, ctx);
    operation.responses = readResponses(
      own(op, 'responses'),
      ctx,
      mediaTypes(own(op, 'produces')) ?? defaults.produces,
    );
  } else {
    operation.parameters = parameters.flatMap((p) => readParameter(p, ctx, false) ?? []);
    const body = ctx.deref(own(op, 'requestBody'));
    if (body) operation.requestBody = readRequestBody(body, ctx);
    operation.responses = readResponses(own(op, 'responses'), ctx);
  }
  return operation;
}

/** Path-level parameters, overridden by operation-level ones with the same name and location. */
function mergeParameters(pathLevel: unknown, operationLevel: unknown, ctx: ReadContext): JsonRecord[] {
  const out: JsonRecord[] = [];
  const index = new Map<string, number>();
  for (const list of [pathLevel, operationLevel]) {
    if (!Array.isArray(list)) continue;
    for (const entry of list.slice(0, MAX_PARAMETERS)) {
      const parameter = ctx.deref(entry);
      if (!parameter) continue;
      const key = `${scalarText(own(parameter, 'in'))}\u0000${scalarText(own(parameter, 'name'))}`;
      const at = index.get(key);
      if (at === undefined) {
        index.set(key, out.length);
        out.push(parameter);
      } else out[at] = parameter;
    }
  }
  return out.slice(0, MAX_PARAMETERS);
}

function readParameter(raw: JsonRecord, ctx: ReadContext, swagger: boolean): Parameter | undefined {
  const name = scalarText(own(raw, 'name'));
  const location = scalarText(own(raw, 'in'));
  if (!name || !location) return undefined;
  return {
    name: name.slice(0, 200),
    in: location.slice(0, 20),
    // Path parameters are required whatever the document says: the URL cannot be built without them.
    required: own(raw, 'required') === true || location === 'path',
    deprecated: own(raw, 'deprecated') === true,
    sunset: sunsetText(own(raw, 'x-sunset')),
    description: ctx.text(own(raw, 'description'), 10_000),
    schema: swagger ? buildSchemaView(withoutKeys(raw, PARAMETER_KEYS), ctx) : schemaOf(raw, ctx),
    examples: readExamples(raw, ctx),
  };
}

/** Swagger 2.0's `in: body` parameter, or its `formData` parameters as one object, as a request body. */
function swaggerBody(
  parameters: readonly JsonRecord[],
  consumes: readonly string[],
  ctx: ReadContext,
): RequestBody | undefined {
  const body = parameters.find((p) => own(p, 'in') === 'body');
  if (body) {
    const schema = own(body, 'schema');
    return {
      description: ctx.text(own(body, 'description')),
      required: own(body, 'required') === true,
      content: consumes.map((type) => ({
        type,
        schema: schema === undefined ? undefined : buildSchemaView(schema, ctx),
        examples: [],
      })),
    };
  }
  const form = parameters.filter((p) => own(p, 'in') === 'formData');
  if (form.length === 0) return undefined;
  const properties = Object.create(null) as JsonRecord;
  const required: string[] = [];
  for (const parameter of form) {
    const name = scalarText(own(parameter, 'name'));
    if (!name) continue;
    properties[name] = withoutKeys(parameter, ['name', 'in', 'required']);
    if (own(parameter, 'required') === true) required.push(name);
  }
  const type = consumes.includes('multipart/form-data') ? 'multipart/form-data' : 'application/x-www-form-urlencoded';
  return {
    required: required.length > 0,
    content: [{ type, schema: buildSchemaView({ type: 'object', properties, required }, ctx), examples: [] }],
  };
}

function mediaTypes(value: unknown): string[] | undefined {
  const list = strings(value, 20);
  return list.length > 0 ? list : undefined;
}

export function strings(value: unknown, max: number): string[] {
  if (!Array.isArray(value)) return [];
  return value
    .slice(0, max)
    .filter((v): v is string => typeof v === 'string' && v !== '')
    .map((v) => v.slice(0, 200));
}
