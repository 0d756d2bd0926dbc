import type { Entity } from '../catalog/model.ts';
import { RECEIVER_NAME } from '../platform/receiver-name.ts';
import { keyOfTeam, parseEntityRef, refKey } from '../platform/entity-ref.ts';

/**
 * Which receivers a team's notifications go to: those atrium.yaml's `notifications.teams`
 * lists for it, and those its Group's annotation names. Names only: a receiver's URL and
 * secret live in the server's configuration, never in a catalog file. Pure.
 */

/** A Group's annotation: receiver names, separated by commas (`checkout-slack, pagerduty`). */
export const NOTIFICATION_RECEIVERS_ANNOTATION = 'atrium.dev/notification-receivers';

/** The team an entity's notifications go to: a Group itself, anything else its owner; undefined without one. */
export function teamOf(entity: Entity): string | undefined {
  const namespace = entity.metadata.namespace ?? 'default';
  if (entity.kind.toLowerCase() === 'group') return refKey({ kind: 'group', namespace, name: entity.metadata.name });
  const owner = entity.spec?.owner;
  if (typeof owner !== 'string') return undefined;
  try {
    const name = parseEntityRef(owner, { defaultKind: 'group', defaultNamespace: namespace });
    return name.kind.toLowerCase() === 'group' ? refKey(name) : undefined;
  } catch {
    return undefined;
  }
}

export interface TeamReceivers {
  /** The team's key. */
  team: string;
  /** Configured receivers, each once, config's first. */
  receivers: string[];
  /** What was named but cannot be used, said without quoting what is not a name (it may be a URL). */
  problems: string[];
}

/**
 * A team's receivers from the configuration (`configured`: team key -> names) and its
 * Group's annotations; `exists` says whether a name is a configured receiver.
 */
export function teamReceivers(
  team: string,
  groupAnnotations: Readonly<Record<string, string>> | undefined,
  configured: Readonly<Record<string, readonly string[]>>,
  exists: (name: string) => boolean,
): TeamReceivers {
  const key = keyOfTeam(team) ?? team;
  const problems: string[] = [];
  const named = [...(configured[key] ?? [])];
  const annotation = groupAnnotations?.[NOTIFICATION_RECEIVERS_ANNOTATION];
  for (const part of (annotation ?? '').split(',').map((p) => p.trim())) {
    if (part === '') continue;
    if (!RECEIVER_NAME.test(part))
      problems.push(
        `an entry of ${NOTIFICATION_RECEIVERS_ANNOTATION} is not a receiver name (not shown: it may be a URL; name a receiver configured in atrium.yaml instead)`,
      );
    else named.push(part);
  }
  const receivers: string[] = [];
  for (const name of new Set(named)) {
    if (exists(name)) receivers.push(name);
    else problems.push(`receiver "${name}" is not configured (notifications.receivers in atrium.yaml)`);
  }
  return { team: key, receivers, problems };
}
