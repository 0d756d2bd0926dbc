/**
 * `catalog.rules` of a Backstage app-config: which kinds the catalog takes in. Rules
 * under `catalog.rules` apply everywhere; rules under one location apply to what that
 * location reaches. A kind allowed by neither is left out, with a warning. Pure.
 */

/** The kinds allowed, in lower case; undefined allows every kind (no app-config). */
export type AllowedKinds = ReadonlySet<string> | undefined;

/** Backstage's default when an app-config sets no `catalog.rules`. */
export const BACKSTAGE_DEFAULT_ALLOW: readonly string[] = ['Component', 'API', 'Location'];

/**
 * The kinds a list of rules allows: `allow` entries are kind names or `{kind: …}`
 * objects (their `type` condition is not checked: the kind is allowed whatever its type).
 */
export function allowedKinds(rules: unknown): Set<string> {
  const kinds = new Set<string>();
  if (!Array.isArray(rules)) return kinds;
  for (const rule of rules) {
    const allow = typeof rule === 'object' && rule !== null ? (rule as { allow?: unknown }).allow : undefined;
    if (!Array.isArray(allow)) continue;
    for (const entry of allow) {
      const kind = typeof entry === 'string' ? entry : (entry as { kind?: unknown } | null)?.kind;
      if (typeof kind === 'string' && kind !== '') kinds.add(kind.toLowerCase());
    }
  }
  return kinds;
}

/** Whether `kind` may enter: the catalog's rules, or the rules of the location that reached it. */
export function isKindAllowed(global: AllowedKinds, local: AllowedKinds, kind: string): boolean {
  if (global === undefined) return true;
  const key = kind.toLowerCase();
  return global.has(key) || (local?.has(key) ?? false);
}
