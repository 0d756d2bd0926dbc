import { AtriumError } from '../platform/errors.ts';
import { EntityRefError, parseEntityRef, refKey } from './model.ts';

/**
 * Control characters (C0, DEL, C1): no entity name or namespace holds one, and PostgreSQL
 * refuses a NUL in text, so a request's reference with one is a 400 before any lookup.
 */
export const CONTROL_CHARACTER = /\p{Cc}/u;

/** An entity reference from a request (a bare name is a Component) to its key, or a 400 that says how to write one. */
export function entityKeyOf(ref: string, field: string): string {
  if (CONTROL_CHARACTER.test(ref))
    throw new AtriumError({
      category: 'user-fixable',
      code: 'invalid-request',
      message: `Invalid request: ${field}: control characters are not allowed`,
      hint: 'Use an entity reference such as component:default/checkout, group:default/payments, or a bare component name.',
    });
  try {
    return refKey(parseEntityRef(ref, { defaultKind: 'Component', defaultNamespace: 'default' }));
  } catch (err) {
    if (!(err instanceof EntityRefError)) throw err;
    throw new AtriumError({
      category: 'user-fixable',
      code: 'invalid-request',
      message: `Invalid request: ${field}: ${err.message}`,
      hint: 'Use an entity reference such as component:default/checkout, group:default/payments, or a bare component name.',
    });
  }
}

/** The key of an entity reference from a request that names an entity of the catalog, or a 404. */
export async function knownEntityKeyOf(
  ref: string,
  field: string,
  catalogHas: (key: string) => Promise<boolean>,
): Promise<string> {
  const key = entityKeyOf(ref, field);
  if (!(await catalogHas(key)))
    throw new AtriumError({
      category: 'user-fixable',
      code: 'entity-not-found',
      status: 404,
      message: `No entity ${key} in the catalog`,
      hint: 'Check the reference, or search with GET /api/v1/entities?q=...',
    });
  return key;
}
