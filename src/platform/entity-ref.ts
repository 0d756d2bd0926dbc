/**
 * Entity references, the one language every capability uses to name a catalog entity
 * (`[kind:][namespace/]name`, Backstage's grammar): parsing, the canonical key and the
 * display form. Below the page kit, which links to entities by reference. Pure.
 */

export const DEFAULT_NAMESPACE = 'default';

export interface EntityName {
  kind: string;
  namespace: string;
  name: string;
}

/**
 * The canonical, case-insensitive key of an entity: `kind:namespace/name`, lowercased.
 * Two entities with the same key are the same entity (Backstage compares refs this way).
 *
 * @example refKey({ kind: 'Component', namespace: 'default', name: 'Checkout' }) // 'component:default/checkout'
 */
export function refKey(name: EntityName): string {
  return `${name.kind}:${name.namespace}/${name.name}`.toLowerCase();
}

/** The display form: kind and namespace lowercased, the name as written. */
export function formatRef(name: EntityName): string {
  return `${name.kind.toLowerCase()}:${name.namespace.toLowerCase()}/${name.name}`;
}

export class EntityRefError extends Error {}

/**
 * Parses `[kind:][namespace/]name` the way Backstage's parseEntityRef does: the kind and
 * namespace may be omitted when the context supplies a default; a reference without a
 * kind where the field has no default kind is an error.
 *
 * @example parseEntityRef('group:platform/sre', { defaultNamespace: 'default' }) // { kind: 'group', namespace: 'platform', name: 'sre' }
 */
export function parseEntityRef(ref: string, context: { defaultKind?: string; defaultNamespace: string }): EntityName {
  if (typeof ref !== 'string' || ref.length === 0) {
    throw new EntityRefError('Entity reference must be a non-empty string');
  }
  const colon = ref.indexOf(':');
  const slash = ref.indexOf('/');
  // A colon after the slash belongs to the name; Backstage treats only a leading `kind:` as kind.
  const hasKind = colon !== -1 && (slash === -1 || colon < slash);
  const kind = hasKind ? ref.slice(0, colon) : context.defaultKind;
  const rest = hasKind ? ref.slice(colon + 1) : ref;
  const restSlash = rest.indexOf('/');
  const namespace = restSlash === -1 ? context.defaultNamespace : rest.slice(0, restSlash);
  const name = restSlash === -1 ? rest : rest.slice(restSlash + 1);
  if (kind === undefined) {
    throw new EntityRefError(`Entity reference "${ref}" has no kind, and this field has no default kind`);
  }
  if (kind.length === 0) throw new EntityRefError(`Entity reference "${ref}" has an empty kind`);
  if (namespace.length === 0) throw new EntityRefError(`Entity reference "${ref}" has an empty namespace`);
  if (name.length === 0) throw new EntityRefError(`Entity reference "${ref}" has an empty name`);
  // Like Backstage, only the first `:` and the first `/` separate: `a:b:c` names `b:c` and
  // `ns/a:b` names `a:b` (such a name matches no entity, so it is reported as dangling).
  return { kind, namespace, name };
}

/** The key of a full reference as stored in relations (`Component:default/checkout` → `component:default/checkout`). */
export function keyOfRef(ref: string): string {
  return refKey(parseEntityRef(ref, { defaultNamespace: DEFAULT_NAMESPACE }));
}

/**
 * The key of a team's reference (`checkout`, `group:checkout`, `group:default/checkout`),
 * or undefined when it is not one or names another kind.
 *
 * @example keyOfTeam('checkout') // 'group:default/checkout'
 */
export function keyOfTeam(ref: string): string | undefined {
  try {
    const name = parseEntityRef(ref.trim(), { defaultKind: 'group', defaultNamespace: DEFAULT_NAMESPACE });
    return name.kind.toLowerCase() === 'group' ? refKey(name) : undefined;
  } catch {
    return undefined;
  }
}
