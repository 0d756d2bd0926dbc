import type { ApiReference, ApiServer, ApiTag, Operation, OperationGroup } from './api-model.ts';
import { loadDocument, TOO_DEEP } from './load-document.ts';
import { ReadContext } from './read-context.ts';
import { readOperations, strings } from './read-operations.ts';
import { isRecord, own, ownKeys, scalarText, type JsonRecord } from './records.ts';
import { pointerOf } from './ref-resolver.ts';
import { buildSchemaView } from './schema-view.ts';

export type * from './api-model.ts';

export type ParseResult = { ok: true; doc: ApiReference } | { ok: false; error: string };

/** Larger documents are refused: YAML parsing alone takes about 1 s per MiB. */
export const MAX_DEFINITION_BYTES = 4 * 1024 * 1024;
/** Schema nodes for all operations together, and for the schemas section (see ReadContext.budgetNodes). */
const OPERATION_NODES = 60_000;
const SCHEMA_NODES = 30_000;
const MAX_SCHEMAS = 500;
const MAX_TAGS = 200;
const MAX_SERVERS = 20;

/**
 * Reads an OpenAPI 3.0/3.1 document (or Swagger 2.0, best effort) from YAML or JSON text into the
 * view model an API reference page renders. Never throws on bad input: the error says what is wrong.
 */
export function parseOpenApi(definition: string): ParseResult {
  if (definition.length > MAX_DEFINITION_BYTES || Buffer.byteLength(definition, 'utf8') > MAX_DEFINITION_BYTES) {
    return { ok: false, error: 'the document is larger than 4 MiB' };
  }
  const loaded = loadDocument(definition);
  if (!loaded.ok) return loaded;
  try {
    return read(loaded.value);
  } catch (error) {
    // The walks are depth-limited; this is the last line against a stack overflow on some input not foreseen.
    if (error instanceof RangeError) return { ok: false, error: TOO_DEEP };
    throw error;
  }
}

function read(root: unknown): ParseResult {
  if (!isRecord(root)) return { ok: false, error: 'the document is not a mapping of OpenAPI fields' };
  const openapi = scalarText(own(root, 'openapi'));
  const swaggerVersion = scalarText(own(root, 'swagger'));
  // Unquoted `openapi: 3.0` or `swagger: 2.0` reads as a number; accept the numeric spelling.
  const swagger = openapi === undefined && swaggerVersion !== undefined && /^2(\.|$)/.test(swaggerVersion);
  if (!swagger && (openapi === undefined || !/^3(\.|$)/.test(openapi))) {
    return {
      ok: false,
      error: 'not an OpenAPI 3.x or Swagger 2.0 document (no "openapi: 3.x" or "swagger: 2.0" field)',
    };
  }
  const ctx = new ReadContext(root);
  const infoField = own(root, 'info');
  const info = isRecord(infoField) ? infoField : {};
  // Document-level text first: operations may use up the text budget, and these matter most.
  const description = ctx.text(own(info, 'description'), 100_000);
  const servers = swagger ? swaggerServers(root) : readServers(own(root, 'servers'), ctx);
  const tags = readTags(own(root, 'tags'), ctx);
  const listed = listedSchemas(root, ctx, swagger);
  // Every use of a listed schema links to its one entry in the schemas section instead of repeating it.
  ctx.listSchemas(listed.map((s) => s.pointer));
  ctx.budgetNodes(OPERATION_NODES);
  const { operations, webhooks } = readOperations(root, ctx, swagger);
  ctx.budgetNodes(SCHEMA_NODES);
  const schemas = listed.map(({ name, raw, pointer }) => ({ name, schema: buildSchemaView(raw, ctx, pointer) }));
  return {
    ok: true,
    doc: {
      format: swagger ? 'swagger' : 'openapi',
      specVersion: ((swagger ? swaggerVersion : openapi) ?? '').slice(0, 20),
      info: {
        title: scalarText(own(info, 'title'))?.slice(0, 500) ?? '',
        version: scalarText(own(info, 'version'))?.slice(0, 100) ?? '',
        description,
      },
      servers,
      tags,
      groups: groupByTag(operations, tags),
      webhooks,
      schemas,
      notices: ctx.notices,
    },
  };
}

function readTags(raw: unknown, ctx: ReadContext): ApiTag[] {
  if (!Array.isArray(raw)) return [];
  return raw.slice(0, MAX_TAGS).flatMap((tag) => {
    const name = isRecord(tag) ? scalarText(own(tag, 'name')) : undefined;
    return isRecord(tag) && name
      ? [{ name: name.slice(0, 200), description: ctx.text(own(tag, 'description'), 10_000) }]
      : [];
  });
}

function readServers(raw: unknown, ctx: ReadContext): ApiServer[] {
  if (!Array.isArray(raw)) return [];
  return raw.slice(0, MAX_SERVERS).flatMap((server) => {
    const url = isRecord(server) ? scalarText(own(server, 'url')) : undefined;
    return isRecord(server) && url
      ? [{ url: url.slice(0, 2000), description: ctx.text(own(server, 'description'), 1000) }]
      : [];
  });
}

/** Swagger 2.0 spells the server as scheme, host and base path. */
function swaggerServers(root: JsonRecord): ApiServer[] {
  const host = scalarText(own(root, 'host'))?.slice(0, 500);
  const basePath = scalarText(own(root, 'basePath'))?.slice(0, 1000) ?? '';
  if (!host) return basePath ? [{ url: basePath }] : [];
  const schemes = strings(own(root, 'schemes'), 4);
  return (schemes.length > 0 ? schemes : ['https']).map((scheme) => ({ url: `${scheme}://${host}${basePath}` }));
}

/**
 * Operations under their first tag (listing one under every tag would repeat it on the page).
 * Groups follow the document's `tags` order, then tags only operations name, in order of first
 * use; untagged operations come last.
 */
function groupByTag(operations: readonly Operation[], tags: readonly ApiTag[]): OperationGroup[] {
  const byTag = new Map<string, Operation[]>();
  for (const tag of tags) byTag.set(tag.name, []);
  const untagged: Operation[] = [];
  for (const operation of operations) {
    const tag = operation.tags[0];
    if (tag === undefined) untagged.push(operation);
    else {
      const list = byTag.get(tag);
      if (list) list.push(operation);
      else byTag.set(tag, [operation]);
    }
  }
  const groups: OperationGroup[] = [];
  for (const [tag, list] of byTag) {
    if (list.length > 0)
      groups.push({ tag, description: tags.find((t) => t.name === tag)?.description, operations: list });
  }
  if (untagged.length > 0) groups.push({ operations: untagged });
  return groups;
}

/** The component schemas the schemas section lists (the first MAX_SCHEMAS), with where each is. */
function listedSchemas(
  root: JsonRecord,
  ctx: ReadContext,
  swagger: boolean,
): { name: string; raw: unknown; pointer: string }[] {
  const components = own(root, 'components');
  const container = swagger ? own(root, 'definitions') : isRecord(components) ? own(components, 'schemas') : undefined;
  if (!isRecord(container)) return [];
  const { keys, total } = ownKeys(container);
  if (total > MAX_SCHEMAS)
    ctx.notice(`The document defines ${total} schemas: only the first ${MAX_SCHEMAS} are listed.`);
  const location = swagger ? ['definitions'] : ['components', 'schemas'];
  return keys.slice(0, MAX_SCHEMAS).map((name) => ({
    name: name.slice(0, 200),
    raw: own(container, name),
    pointer: pointerOf([...location, name]),
  }));
}
