/**
 * The filters Unleash's client API takes on `GET /api/client/features`, which SDKs send
 * when configured with them (`namePrefix`, `projectName`, `tags` in unleash-client-node;
 * the same names in the other SDKs): `namePrefix=P` keeps flags whose name starts with P,
 * `project=X` (repeatable) keeps flags of any of those projects, and `tag=type:value`
 * (repeatable) keeps flags carrying any of those tags. Every Atrium flag is in Unleash's
 * `default` project, and its catalog tags (`metadata.tags`) are Unleash tags of type
 * `simple`. Other parameters are ignored, as Unleash ignores them. Unlike Unleash's server,
 * the prefix is plain text (Unleash's SQL LIKE reads `%` and `_` as wildcards), and a tag's
 * type ends at its first colon.
 */

export interface FeaturesQuery {
  namePrefix?: string;
  project?: readonly string[];
  /** [type, value] pairs, as Unleash echoes them in the document's `query`. */
  tag?: readonly (readonly [string, string])[];
  /** The same filter as text, for cache keys: '' when nothing is filtered. */
  key: string;
}

/** No filter: every flag. */
export const ALL_FEATURES: FeaturesQuery = Object.freeze({ key: '' });

/** What a flag is filtered by. */
export interface FilterableFlag {
  name: string;
  tags: readonly string[];
}

/** The project every Atrium flag is in, as Unleash SDKs see it. */
export const FLAG_PROJECT = 'default';
/** The tag type Atrium's catalog tags have, as Unleash SDKs see them. */
export const FLAG_TAG_TYPE = 'simple';

const MAX_VALUES = 50;
const MAX_LENGTH = 255;
const PRINTABLE = /^[^\u0000-\u001f\u007f]*$/;

/**
 * The filters of a query string (with or without its `?`), or why it cannot be one. An
 * empty value is no filter, as in Unleash (an SDK without `namePrefix` sends none).
 */
export function parseFeaturesQuery(search: string): FeaturesQuery | { error: string; hint: string } {
  if (search === '' || search === '?') return ALL_FEATURES;
  // URLSearchParams never throws: a malformed escape stays as it was written.
  const params = new URLSearchParams(search);
  if (params.getAll('namePrefix').length > 1)
    return { error: 'namePrefix is given more than once', hint: 'Send one namePrefix.' };
  const prefixes = params.getAll('namePrefix').filter((v) => v !== '');
  const projects = params.getAll('project').filter((v) => v !== '');
  const tags = params.getAll('tag').filter((v) => v !== '');
  for (const [name, values] of [
    ['project', projects],
    ['tag', tags],
  ] as const) {
    if (values.length > MAX_VALUES)
      return {
        error: `${name} is given ${values.length} times; at most ${MAX_VALUES}`,
        hint: `Filter by at most ${MAX_VALUES} values of ${name}.`,
      };
  }
  for (const [name, values] of [
    ['namePrefix', prefixes],
    ['project', projects],
    ['tag', tags],
  ] as const) {
    if (values.some((v) => v.length > MAX_LENGTH || !PRINTABLE.test(v)))
      return {
        error: `a ${name} is longer than ${MAX_LENGTH} characters or has control characters`,
        hint: `Send ${name} as printable text, up to ${MAX_LENGTH} characters.`,
      };
  }
  const pairs = new Map<string, readonly [string, string]>();
  for (const tag of tags) {
    const colon = tag.indexOf(':');
    if (colon <= 0 || colon === tag.length - 1)
      return {
        error: `tag "${tag}" is not type:value`,
        hint: `Send tags as type:value, e.g. tag=${FLAG_TAG_TYPE}:checkout.`,
      };
    pairs.set(tag, [tag.slice(0, colon), tag.slice(colon + 1)]);
  }
  const namePrefix = prefixes[0];
  const project = projects.length > 0 ? [...new Set(projects)].sort() : undefined;
  const tag =
    pairs.size > 0 ? [...pairs.keys()].sort().map((k) => pairs.get(k) as readonly [string, string]) : undefined;
  if (namePrefix === undefined && !project && !tag) return ALL_FEATURES;
  // Two spellings of one filter (order, repeats) share a key, so they share the cached document.
  return { namePrefix, project, tag, key: JSON.stringify([namePrefix ?? null, project ?? null, tag ?? null]) };
}

/** Whether a flag passes the filters. */
export function matchesFeaturesQuery(flag: FilterableFlag, query: FeaturesQuery): boolean {
  if (query.namePrefix !== undefined && !flag.name.startsWith(query.namePrefix)) return false;
  if (query.project && !query.project.includes(FLAG_PROJECT)) return false;
  if (query.tag && !query.tag.some(([type, value]) => type === FLAG_TAG_TYPE && flag.tags.includes(value)))
    return false;
  return true;
}

/** The document's `query`, as Unleash echoes the filters it applied. */
export function echoOf(query: FeaturesQuery, environment: string): Record<string, unknown> {
  return {
    environment,
    ...(query.namePrefix !== undefined ? { namePrefix: query.namePrefix } : {}),
    ...(query.project ? { project: query.project } : {}),
    ...(query.tag ? { tag: query.tag } : {}),
  };
}
