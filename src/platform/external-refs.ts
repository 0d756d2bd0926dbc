import { DEFAULT_NAMESPACE, EntityRefError, parseEntityRef, refKey } from './entity-ref.ts';

/**
 * `catalog.externalRefs`: references known to name entities that live outside the catalog
 * (Users and Groups from a directory, an API another repository defines). A missing entity
 * they match is shown as external, not reported as a dangling reference. Patterns are
 * `kind:*` (every namespace), `kind:namespace/*`, or a reference (`group:default/sre`;
 * without a namespace, the default one). The kind is required: an owner field and a
 * dependsOn field would read a bare name differently. Pure.
 */
export interface ExternalRefs {
  /** Whether the entity with this key (or any spelling of its reference) is known to live elsewhere. */
  matches(ref: string): boolean;
}

/** Why a pattern is refused, or undefined when it is good (for the configuration's message). */
export function externalRefPatternProblem(pattern: string): string | undefined {
  const colon = pattern.indexOf(':');
  const slash = pattern.indexOf('/');
  if (colon <= 0 || (slash !== -1 && slash < colon) || pattern.slice(0, colon) === '*')
    return `"${pattern}" needs a kind: write kind:*, kind:namespace/* or kind:namespace/name`;
  const rest = pattern.slice(colon + 1);
  if (rest === '*') return undefined;
  try {
    parseEntityRef(pattern, { defaultNamespace: DEFAULT_NAMESPACE });
    return undefined;
  } catch (err) {
    if (err instanceof EntityRefError) return `"${pattern}": ${err.message}`;
    throw err;
  }
}

export function externalRefs(patterns: readonly string[]): ExternalRefs {
  const kinds = new Set<string>();
  const namespaces = new Set<string>();
  const refs = new Set<string>();
  for (const pattern of patterns) {
    const problem = externalRefPatternProblem(pattern);
    if (problem) throw new Error(problem);
    const lower = pattern.toLowerCase();
    if (lower.endsWith(':*')) kinds.add(lower.slice(0, -2));
    else if (lower.endsWith('/*') && lower.indexOf('/') === lower.length - 2) namespaces.add(lower.slice(0, -2));
    else refs.add(refKey(parseEntityRef(lower, { defaultNamespace: DEFAULT_NAMESPACE })));
  }
  return {
    matches(ref) {
      if (kinds.size + namespaces.size + refs.size === 0) return false;
      const key = refKey(parseEntityRef(ref, { defaultNamespace: DEFAULT_NAMESPACE }));
      const colon = key.indexOf(':');
      const slash = key.indexOf('/', colon);
      return kinds.has(key.slice(0, colon)) || namespaces.has(key.slice(0, slash)) || refs.has(key);
    },
  };
}
