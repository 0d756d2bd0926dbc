/**
 * The view model of an OpenAPI (or Swagger 2.0) document: what an API reference page shows,
 * already resolved and bounded. `parseOpenApi` builds it; `renderApiReference` renders it.
 * Description fields are Markdown, kept as text: rendering decides how to show them.
 */

export type HttpMethod = 'get' | 'put' | 'post' | 'delete' | 'options' | 'head' | 'patch' | 'trace';

export interface ApiReference {
  /** `openapi` for 3.x documents, `swagger` for 2.0. */
  format: 'openapi' | 'swagger';
  /** The document's own version field, such as `3.1.0` or `2.0`. */
  specVersion: string;
  info: ApiInfo;
  servers: ApiServer[];
  /** Tags as the document declares them, in its order. */
  tags: ApiTag[];
  /** Operations grouped by their first tag, in document order; untagged ones last, in a group without `tag`. */
  groups: OperationGroup[];
  /** OpenAPI 3.1 webhooks: `path` holds the webhook's name. */
  webhooks: Operation[];
  /** `components.schemas` (or Swagger `definitions`), in document order. */
  schemas: NamedSchema[];
  /** Plain-text remarks about limits that were hit, so a page can say it shows the document in part. */
  notices: string[];
}

export interface ApiInfo {
  title: string;
  version: string;
  description?: string;
}

export interface ApiServer {
  url: string;
  description?: string;
}

export interface ApiTag {
  name: string;
  description?: string;
}

export interface OperationGroup {
  tag?: string;
  description?: string;
  operations: Operation[];
}

export interface Operation {
  method: HttpMethod;
  path: string;
  operationId?: string;
  summary?: string;
  description?: string;
  tags: string[];
  /** From the operation, or its path item (an extension some teams use to deprecate a whole path). */
  deprecated: boolean;
  /** `x-sunset` of the operation or, failing that, of its path item. */
  sunset?: string;
  parameters: Parameter[];
  requestBody?: RequestBody;
  responses: ApiResponse[];
}

export interface Parameter {
  name: string;
  /** path, query, header, cookie (Swagger's formData and body become the request body). */
  in: string;
  required: boolean;
  deprecated: boolean;
  sunset?: string;
  description?: string;
  schema?: SchemaView;
  /** `example` and the `examples` map together. */
  examples: Example[];
}

export interface RequestBody {
  description?: string;
  required: boolean;
  content: MediaType[];
}

export interface MediaType {
  /** The media type, such as `application/json`. */
  type: string;
  schema?: SchemaView;
  examples: Example[];
}

export interface ApiResponse {
  /** `200`, `4XX`, `default`… */
  status: string;
  description?: string;
  content: MediaType[];
  headers: ResponseHeader[];
}

export interface ResponseHeader {
  name: string;
  description?: string;
  required: boolean;
  deprecated: boolean;
  sunset?: string;
  schema?: SchemaView;
}

export interface Example {
  name?: string;
  summary?: string;
  description?: string;
  /** The value as text: pretty JSON, or the string itself when the example is a string. */
  value?: string;
  language: 'json' | 'text';
  /** An example kept elsewhere; shown as text, never fetched. */
  externalValue?: string;
  /** The value was cut at the size limit. */
  truncated: boolean;
}

export interface NamedSchema {
  name: string;
  schema: SchemaView;
}

/**
 * One schema, with local references followed. Where a reference is not followed the view says
 * why in `ref`; where a limit stopped the walk, `truncated` is set and the rest is empty.
 */
export interface SchemaView {
  /** The component schema this view came from through a `$ref`. */
  name?: string;
  /**
   * The description written beside the `$ref` that named it (OpenAPI 3.1, and common in
   * 3.0): what this use of the schema means, kept where the schema itself is only linked.
   */
  useDescription?: string;
  /** A reference that was not expanded: remote or missing target, or a cycle back to a schema being shown. */
  ref?: { target: string; reason: 'remote' | 'missing' | 'circular' };
  /** Nesting depth or size limits stopped the walk here. */
  truncated: boolean;
  title?: string;
  description?: string;
  /** JSON Schema types without `null` (that is `nullable`); empty when the schema says nothing. */
  types: string[];
  format?: string;
  nullable: boolean;
  deprecated: boolean;
  sunset?: string;
  readOnly: boolean;
  writeOnly: boolean;
  /** Allowed values as JSON text (`"booked"`, `3`, `null`). */
  enum: string[];
  /** How many further enum values were left out. */
  enumOmitted: number;
  const?: string;
  default?: string;
  /** Schema-level examples as compact JSON text. */
  examples: string[];
  constraints: Constraint[];
  properties: Property[];
  /** How many further properties were left out. */
  propertiesOmitted: number;
  /** A schema for extra properties, or `false` when they are forbidden; absent when unconstrained. */
  additionalProperties?: SchemaView | false;
  items?: SchemaView;
  /** allOf members that could not be merged into one object (merged ones leave this empty). */
  allOf: SchemaView[];
  oneOf: SchemaView[];
  anyOf: SchemaView[];
  not?: SchemaView;
  /** Names of component schemas merged in from `allOf`. */
  combines: string[];
  /** The discriminator's property name. */
  discriminator?: string;
}

export interface Property {
  name: string;
  required: boolean;
  schema: SchemaView;
}

/**
 * A validation keyword and its value as text. `exclusiveMinimum`/`exclusiveMaximum` always
 * carry the bound (OpenAPI 3.0's boolean form is converted).
 */
export interface Constraint {
  keyword:
    | 'minLength'
    | 'maxLength'
    | 'pattern'
    | 'minimum'
    | 'maximum'
    | 'exclusiveMinimum'
    | 'exclusiveMaximum'
    | 'multipleOf'
    | 'minItems'
    | 'maxItems'
    | 'uniqueItems'
    | 'minProperties'
    | 'maxProperties';
  value: string;
}
