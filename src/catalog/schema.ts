import { z } from 'zod';
import { kindDefinition, knownKind, knownKinds } from './kinds.ts';
import { coreKind, type CoreKind, type Entity, type Severity } from './model.ts';

/**
 * What a valid descriptor looks like: Backstage's field-format rules (names, namespaces,
 * label and annotation keys, tags) and the required spec fields of each core kind, and of
 * each registered kind (kinds.ts). Keys outside these schemas are tolerated, as Backstage
 * tolerates them.
 */

/** A problem found in one document, located by its path inside that document. */
export interface SchemaIssue {
  path: PropertyKey[];
  code: string;
  message: string;
  hint: string;
  /** An error unless said otherwise: a warning leaves the document valid, or skips it (an unknown kind). */
  severity?: Severity;
}

const NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const NAMESPACE = /^[a-z0-9]+(?:-+[a-z0-9]+)*$/;
const KIND = /^[a-zA-Z][a-z0-9A-Z]*$/;
const API_VERSION_SUFFIX = /^[a-z0-9A-Z]+$/;
const ROOT_FIELDS = new Set(['apiVersion', 'kind', 'metadata', 'spec']);
const TAG = /^[a-z0-9:+#]+(-[a-z0-9:+#]+)*$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const MAX_NAME = 63;

export const CORE_API_VERSIONS = ['backstage.io/v1alpha1', 'backstage.io/v1beta1'];
/** The apiVersions each kind is defined for: Backstage's for its kinds, Atrium's for its own (legacy ones last). */
function apiVersionsOf(kind: string): readonly string[] {
  const definition = kindDefinition(kind);
  if (!definition) return CORE_API_VERSIONS;
  return [...definition.apiVersions, ...(definition.legacyApiVersions ?? []).map((v) => v.apiVersion)];
}

/**
 * The apiVersion groups of catalog descriptors. A document of a known kind in another group
 * is some other tool's file (Kustomize also has a `kind: Component`), and its hint says so.
 */
const CATALOG_GROUPS = new Set(['backstage.io', 'scaffolder.backstage.io', 'atrium.dev']);

function foreignApiVersionHint(apiVersion: string, known: string): string | undefined {
  const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
  if (CATALOG_GROUPS.has(group)) return undefined;
  const tool =
    group === 'kustomize.config.k8s.io'
      ? 'a Kustomize file'
      : group === '' || group.endsWith('.k8s.io') || group === 'apps'
        ? 'a Kubernetes manifest'
        : `a file of another tool (${group})`;
  return `This is ${tool}, not a catalog entity (a ${known} is ${apiVersionsOf(known).join(' or ')}): keep it out of the catalog's Locations.`;
}

/** `${{ values.name }}` (Backstage's scaffolder), `{{cookiecutter.name}}`, `{{ .Values.name }}`: a value a template fills in. */
export function hasTemplatePlaceholder(value: string): boolean {
  return /\{\{[^}]*\}\}/.test(value);
}

/** The hint for a value that is still a template placeholder. */
export const TEMPLATE_SKELETON_HINT =
  'This looks like a template skeleton: its placeholders are filled in when a template creates a repository. Keep skeleton folders out of the Locations the catalog reads.';

export const isValidName = (s: string): boolean => s.length <= MAX_NAME && NAME.test(s);
export const isValidNamespace = (s: string): boolean => s.length <= MAX_NAME && NAMESPACE.test(s);
/** `[prefix/]version`, the prefix a DNS subdomain, as in Kubernetes and Backstage. */
export function isValidApiVersion(apiVersion: string): boolean {
  const parts = apiVersion.split('/');
  if (parts.length > 2) return false;
  const suffix = parts.at(-1) ?? '';
  const prefix = parts.length === 2 ? (parts[0] ?? '') : undefined;
  if (prefix !== undefined && (prefix.length === 0 || prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) return false;
  return suffix.length >= 1 && suffix.length <= MAX_NAME && API_VERSION_SUFFIX.test(suffix);
}

export const isValidTag = (s: string): boolean => s.length >= 1 && s.length <= MAX_NAME && TAG.test(s);

/** `[prefix/]name`: prefix a DNS subdomain of at most 253 characters, name like an entity name. */
export function isValidKey(key: string): boolean {
  const slash = key.lastIndexOf('/');
  const prefix = slash === -1 ? undefined : key.slice(0, slash);
  const name = slash === -1 ? key : key.slice(slash + 1);
  if (prefix !== undefined && (prefix.length === 0 || prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) return false;
  return isValidName(name);
}

const text = z.string().min(1);
const refList = z.array(text);

const apiSpec = z.looseObject({ type: text, lifecycle: text, owner: text, definition: text, system: text.optional() });
// An MCP server API (Backstage's newer model) lists its remotes instead of a definition.
const mcpServerApiSpec = z.looseObject({
  type: z.literal('mcp-server'),
  lifecycle: text,
  owner: text,
  system: text.optional(),
  remotes: z.array(z.looseObject({ type: text, url: text })).min(1),
});

const specSchemas: Record<CoreKind, z.ZodType> = {
  Component: z.looseObject({
    type: text,
    lifecycle: text,
    owner: text,
    system: text.optional(),
    subcomponentOf: text.optional(),
    providesApis: refList.optional(),
    consumesApis: refList.optional(),
    dependsOn: refList.optional(),
    dependencyOf: refList.optional(),
  }),
  API: z.union([mcpServerApiSpec, apiSpec]),
  Resource: z.looseObject({
    type: text,
    owner: text,
    system: text.optional(),
    dependsOn: refList.optional(),
    dependencyOf: refList.optional(),
  }),
  System: z.looseObject({ owner: text, domain: text.optional(), type: text.optional() }),
  Domain: z.looseObject({ owner: text, subdomainOf: text.optional(), type: text.optional() }),
  Group: z.looseObject({
    type: text,
    profile: z
      .looseObject({ displayName: text.optional(), email: text.optional(), picture: text.optional() })
      .optional(),
    parent: text.optional(),
    children: refList,
    members: refList.optional(),
  }),
  User: z.looseObject({
    profile: z
      .looseObject({ displayName: text.optional(), email: text.optional(), picture: text.optional() })
      .optional(),
    // Required, as in Backstage's User schema; an empty list says "in no group".
    memberOf: refList,
  }),
  // That a Location needs target or targets is checked in validateEntity, beside the other issues.
  Location: z.looseObject({
    type: text.optional(),
    target: text.optional(),
    targets: refList.optional(),
    presence: z.enum(['required', 'optional']).optional(),
  }),
};

/** The spec schema of a kind the catalog reads (core or registered), whatever its case. */
function specSchemaOf(kind: string): z.ZodType {
  const core = coreKind(kind);
  const schema = core ? specSchemas[core] : kindDefinition(kind)?.spec;
  if (!schema) throw new Error(`Atrium does not read the kind ${kind}`);
  return schema;
}

/** The JSON Schema of each kind's spec, for editors and the user guide. */
export function specJsonSchema(kind: string): unknown {
  return z.toJSONSchema(specSchemaOf(kind), { unrepresentable: 'any' });
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The schema one spec is checked against. Like Backstage, an API's spec.type picks its
 * schema, so a missing field is reported as that field and not as a failed union.
 */
function specSchemaFor(kind: string, spec: unknown, apiVersion: unknown): z.ZodType {
  if (kind === 'API') return isRecord(spec) && spec.type === 'mcp-server' ? mcpServerApiSpec : apiSpec;
  return legacyApiVersion(kind, apiVersion)?.spec ?? specSchemaOf(kind);
}

const legacyApiVersion = (kind: string, apiVersion: unknown) =>
  kindDefinition(kind)?.legacyApiVersions?.find((v) => v.apiVersion === apiVersion);

/**
 * Checks one parsed document. Returns the entity when it is valid, and every issue found
 * (all of them, not just the first, so one edit fixes many).
 */
export function validateEntity(value: unknown): { entity?: Entity; issues: SchemaIssue[] } {
  const issues: SchemaIssue[] = [];
  const issue = (path: PropertyKey[], code: string, message: string, hint: string) =>
    issues.push({ path, code, message, hint });

  if (!isRecord(value)) {
    issue(
      [],
      'invalid-document',
      'A catalog document must be a mapping with apiVersion, kind, metadata and spec',
      'Start the document with `apiVersion: backstage.io/v1alpha1` and `kind: ...`.',
    );
    return { issues };
  }

  const { apiVersion, kind, metadata, spec } = value;
  let known: string | undefined;
  if (kind !== undefined && kind !== null && typeof kind !== 'string') {
    issue(
      ['kind'],
      'invalid-kind',
      `${JSON.stringify(kind)} is not a valid kind`,
      'A kind is a string of letters and digits starting with a letter, e.g. Component.',
    );
  } else if (typeof kind !== 'string' || kind.length === 0) {
    issue(
      ['kind'],
      'missing-field',
      'The document has no kind',
      `Add \`kind:\` with one of ${knownKinds().join(', ')}.`,
    );
  } else if (kind.length > MAX_NAME || !KIND.test(kind)) {
    issue(
      ['kind'],
      'invalid-kind',
      `"${kind}" is not a valid kind`,
      'A kind is letters and digits starting with a letter, e.g. Component.',
    );
  } else {
    known = knownKind(kind);
    if (!known) {
      // Like a Backstage catalog whose rules do not allow the kind: the document is skipped, and
      // the rest of the catalog loads (a plugin's kind, such as AiResource, is no mistake).
      issues.push({
        path: ['kind'],
        code: 'unknown-kind',
        message: `Unknown kind "${kind}": the document is skipped`,
        hint: `Atrium reads the kinds ${knownKinds().join(', ')}; a plugin's kind needs nothing, any other one is a typo.`,
        severity: 'warning',
      });
      return { issues };
    }
  }

  if (apiVersion !== undefined && apiVersion !== null && typeof apiVersion !== 'string') {
    issue(
      ['apiVersion'],
      'invalid-api-version',
      `${JSON.stringify(apiVersion)} is not a valid apiVersion`,
      'Use a string of the form group/version, e.g. backstage.io/v1alpha1.',
    );
  } else if (typeof apiVersion !== 'string' || apiVersion.length === 0) {
    issue(
      ['apiVersion'],
      'missing-field',
      'The document has no apiVersion',
      'Add `apiVersion: backstage.io/v1alpha1`.',
    );
  } else if (!isValidApiVersion(apiVersion)) {
    issue(
      ['apiVersion'],
      'invalid-api-version',
      `"${apiVersion}" is not a valid apiVersion`,
      'Use the form group/version, e.g. backstage.io/v1alpha1.',
    );
  } else if (known && !apiVersionsOf(known).includes(apiVersion)) {
    issue(
      ['apiVersion'],
      'invalid-api-version',
      `Kind ${known} is not defined for apiVersion ${apiVersion}`,
      foreignApiVersionHint(apiVersion, known) ?? `Use ${apiVersionsOf(known).join(' or ')}.`,
    );
  } else if (known) {
    const legacy = legacyApiVersion(known, apiVersion);
    if (legacy)
      issues.push({
        path: ['apiVersion'],
        code: 'deprecated-api-version',
        message: `apiVersion ${apiVersion} of kind ${known} is deprecated`,
        hint: legacy.hint,
        severity: 'warning',
      });
  }

  for (const key of Object.keys(value)) {
    if (!ROOT_FIELDS.has(key)) {
      issue(
        [key],
        'unknown-root-field',
        `Unknown top-level field "${key}"`,
        'A descriptor has only apiVersion, kind, metadata and spec at the top level; move the field under metadata or spec (check its indentation).',
      );
    }
  }

  if (!isRecord(metadata)) {
    issue(
      ['metadata'],
      'missing-field',
      'The document has no metadata mapping',
      'Add `metadata:` with at least `name:`.',
    );
  } else {
    checkMetadata(metadata, issue);
  }

  if (known) {
    if (spec === undefined) {
      issue(['spec'], 'missing-field', `A ${known} needs a spec`, `Add \`spec:\` with the fields a ${known} requires.`);
    } else if (spec !== undefined && !isRecord(spec)) {
      issue(['spec'], 'invalid-field', 'spec must be a mapping', 'Indent the spec fields under `spec:`.');
    } else {
      const result = specSchemaFor(known, spec, apiVersion).safeParse(spec);
      if (!result.success) {
        for (const zodIssue of result.error.issues) {
          const path = ['spec', ...zodIssue.path];
          const missing = valueAt(spec, zodIssue.path) === undefined;
          if (missing && zodIssue.code === 'invalid_type') {
            issue(
              path,
              'missing-field',
              `A ${known} requires ${path.join('.')}`,
              missingFieldHint(known, zodIssue.path),
            );
          } else {
            issue(path, 'invalid-field', `${path.join('.')}: ${zodIssue.message}`, fieldHint(zodIssue.code));
          }
        }
      }
      // A registered kind's own checks (a flag's strategies, by the flag engine itself).
      const ownIssues = kindDefinition(known)?.issues;
      if (ownIssues && result.success && isRecord(metadata) && typeof metadata.name === 'string') {
        for (const problem of ownIssues(metadata.name, result.data))
          issue(
            ['spec', ...problem.path],
            problem.code,
            `spec.${problem.path.join('.')}: ${problem.message}`,
            problem.hint,
          );
      }
      if (known === 'Location' && isRecord(spec) && spec.target === undefined && spec.targets === undefined) {
        issue(
          ['spec', 'target'],
          'missing-field',
          'A Location needs spec.target or spec.targets',
          'Add `target: ./path/to/catalog-info.yaml`, or `targets:` with a list of paths.',
        );
      }
    }
  } else if (spec !== undefined && !isRecord(spec)) {
    issue(['spec'], 'invalid-field', 'spec must be a mapping', 'Indent the spec fields under `spec:`.');
  }

  return issues.some((i) => i.severity !== 'warning') ? { issues } : { entity: value as Entity, issues };
}

function missingFieldHint(kind: string, path: readonly PropertyKey[]): string {
  // Backstage requires the list even for someone in no group; an empty one is the honest answer.
  if (kind === 'User' && path.length === 1 && path[0] === 'memberOf')
    return 'Add `memberOf:` under spec with the groups the user belongs to (`memberOf: []` for none), as Backstage requires.';
  return `Add \`${String(path.at(-1))}:\` under spec.`;
}

function fieldHint(code: string): string {
  switch (code) {
    case 'invalid_type':
      return 'Check the type: references are strings, lists are YAML sequences.';
    case 'too_small':
      return 'The value must not be empty.';
    case 'invalid_value':
      return 'Use one of the allowed values.';
    default:
      return "Check this field against the kind's schema in the user guide.";
  }
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v = root;
  for (const key of path) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}

type IssueSink = (path: PropertyKey[], code: string, message: string, hint: string) => void;

function checkMetadata(metadata: Record<string, unknown>, issue: IssueSink): void {
  const { name, namespace, title, description, labels, annotations, tags, links } = metadata;
  if (name === undefined) {
    issue(
      ['metadata'],
      'missing-field',
      'metadata.name is required',
      'Add `name:` under metadata, e.g. `name: checkout-service`.',
    );
  } else if (typeof name !== 'string' || !isValidName(name)) {
    issue(
      ['metadata', 'name'],
      'invalid-name',
      `${JSON.stringify(name)} is not a valid entity name`,
      typeof name === 'string' && hasTemplatePlaceholder(name)
        ? TEMPLATE_SKELETON_HINT
        : 'A name is 1-63 characters of letters, digits, `-`, `_` and `.`, starting and ending with a letter or digit.',
    );
  }
  if (namespace !== undefined && (typeof namespace !== 'string' || !isValidNamespace(namespace))) {
    issue(
      ['metadata', 'namespace'],
      'invalid-namespace',
      `${JSON.stringify(namespace)} is not a valid namespace`,
      'A namespace is lowercase letters and digits joined by dashes, at most 63 characters (e.g. `default`).',
    );
  }
  if (title !== undefined && (typeof title !== 'string' || title.length === 0)) {
    issue(
      ['metadata', 'title'],
      'invalid-field',
      'metadata.title must be a non-empty string',
      'Quote the value, or remove the empty title.',
    );
  }
  if (description !== undefined && typeof description !== 'string') {
    issue(
      ['metadata', 'description'],
      'invalid-field',
      'metadata.description must be a string',
      'Quote the value or use a YAML block scalar (|).',
    );
  }
  if (labels !== undefined) {
    if (!isRecord(labels)) {
      issue(
        ['metadata', 'labels'],
        'invalid-field',
        'metadata.labels must be a mapping',
        'Write labels as `key: value` pairs.',
      );
    } else {
      for (const [key, v] of Object.entries(labels)) {
        if (!isValidKey(key)) {
          issue(
            ['metadata', 'labels', key],
            'invalid-label',
            `Label key "${key}" is not valid`,
            'A key is an optional DNS prefix and `/`, then 1-63 letters, digits, `-`, `_` or `.`.',
          );
        } else if (typeof v !== 'string' || v.length > MAX_NAME || !LABEL_VALUE.test(v)) {
          issue(
            ['metadata', 'labels', key],
            'invalid-label',
            `Label "${key}" has an invalid value ${JSON.stringify(v)}`,
            'A label value is a string of at most 63 letters, digits, `-`, `_` or `.`; quote numbers ("1").',
          );
        }
      }
    }
  }
  if (annotations !== undefined) {
    if (!isRecord(annotations)) {
      issue(
        ['metadata', 'annotations'],
        'invalid-field',
        'metadata.annotations must be a mapping',
        'Write annotations as `key: value` pairs.',
      );
    } else {
      for (const [key, v] of Object.entries(annotations)) {
        if (!isValidKey(key)) {
          issue(
            ['metadata', 'annotations', key],
            'invalid-annotation',
            `Annotation key "${key}" is not valid`,
            'A key is an optional DNS prefix and `/`, then 1-63 letters, digits, `-`, `_` or `.`, e.g. `github.com/project-slug`.',
          );
        } else if (typeof v !== 'string') {
          issue(
            ['metadata', 'annotations', key],
            'invalid-annotation',
            `Annotation "${key}" must have a string value`,
            'Quote the value.',
          );
        }
      }
    }
  }
  if (tags !== undefined) {
    if (!Array.isArray(tags)) {
      issue(
        ['metadata', 'tags'],
        'invalid-field',
        'metadata.tags must be a list',
        'Write tags as a YAML sequence: `tags: [java, payments]`.',
      );
    } else {
      tags.forEach((tag, i) => {
        if (typeof tag !== 'string' || !isValidTag(tag)) {
          issue(
            ['metadata', 'tags', i],
            'invalid-tag',
            `Tag ${JSON.stringify(tag)} is not valid`,
            'A tag is 1-63 lowercase letters, digits, `:`, `+` or `#`, in words joined by single dashes.',
          );
        }
      });
    }
  }
  if (links !== undefined) {
    if (!Array.isArray(links)) {
      issue(
        ['metadata', 'links'],
        'invalid-field',
        'metadata.links must be a list',
        'Write links as a sequence of `- url: ...` entries.',
      );
    } else {
      links.forEach((link, i) => {
        if (!isRecord(link) || typeof link.url !== 'string' || link.url.length === 0) {
          issue(
            ['metadata', 'links', i],
            'invalid-link',
            'Every link needs a url',
            'Give the link `url:` (and optionally title, icon, type).',
          );
          return;
        }
        if (!URL.canParse(link.url)) {
          issue(
            ['metadata', 'links', i, 'url'],
            'invalid-link',
            `Link url ${JSON.stringify(link.url)} is not an absolute URL`,
            'Links need a full URL such as https://...; for a runbook kept beside the descriptor use the annotation atrium.dev/runbook: ./docs/runbook.md.',
          );
        }
        for (const key of ['title', 'icon', 'type'] as const) {
          const v = link[key];
          if (v !== undefined && (typeof v !== 'string' || v.trim().length === 0)) {
            issue(
              ['metadata', 'links', i, key],
              'invalid-link',
              `Link ${key} must be a non-empty string`,
              'Quote the value, or remove the empty field.',
            );
          } else if (key === 'icon' && typeof v === 'string' && !isValidName(v)) {
            // Backstage's field-format policy holds a link icon to the entity-name format.
            issue(
              ['metadata', 'links', i, key],
              'invalid-link',
              `Link icon ${JSON.stringify(v)} is not a valid icon name`,
              'An icon is a name such as `dashboard`, `github` or `docs`: 1-63 letters, digits, `-`, `_` or `.`, starting and ending with a letter or digit (no URL, no spaces), as Backstage requires.',
            );
          }
        }
      });
    }
  }
}
