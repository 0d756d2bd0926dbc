import { entityTitle, isSafeLinkUrl, type Entity } from '../catalog/model.ts';
import { operationalLinksOf } from '../catalog/operational-links.ts';
import { profileOf } from '../catalog/pages/entity-data.ts';
import type { CatalogReader, EntityDescriptor } from '../catalog/reader.ts';
import { parseEntityRef, refKey } from '../platform/entity-ref.ts';
import type { OnCallPerson, OnCallPlan, PlannedRotation } from './model.ts';
import { rotationOf, type RotationSpec } from './rotation-definition.ts';
import type { Override } from './schedule.ts';
import { type VendorTarget, vendorTargetOf } from './vendor-target.ts';

/** A team's rotations beyond these are not read: an escalation chain is a handful of levels. */
const MAX_ROTATIONS = 20;

/** The kinds whose page answers "who is on call": through their owner (and their system's owner). */
export const ON_CALL_KINDS = ['Component', 'API', 'Resource', 'System', 'Group', 'Rotation'] as const;

/** Overrides of the rotations with these keys (none in a static export beyond those it embeds). */
export type OverridesOf = (rotationKeys: readonly string[]) => Promise<Map<string, Override[]>>;

function refKeyOrRef(ref: string, namespace: string, defaultKind: string): string {
  return refKey(parseEntityRef(ref, { defaultKind, defaultNamespace: namespace }));
}

/** The key of an entity's owner (stored specs have parseable references; anything else has no owner). */
function ownerOf(entity: EntityDescriptor | undefined): string | undefined {
  const owner = entity?.entity.spec?.owner;
  if (typeof owner !== 'string') return undefined;
  try {
    return refKeyOrRef(owner, entity?.entity.metadata.namespace ?? 'default', 'Group');
  } catch {
    return undefined;
  }
}

async function rotationsOwnedBy(catalog: CatalogReader, team: string): Promise<EntityDescriptor[]> {
  const page = await catalog.browseEntities({ kind: 'rotation', owner: team }, 'name', 0, MAX_ROTATIONS);
  return [...(await catalog.descriptorsOf(page.items.map((i) => i.key))).values()];
}

/**
 * The team that answers for an entity, and its rotations: a rotation answers for itself;
 * a team for itself; anything owned, its owner's rotations, or else (when the owner has
 * none) its system's owner's, since the system's team is the next one to call.
 */
async function teamRotations(
  catalog: CatalogReader,
  key: string,
): Promise<{ team: string; rotations: EntityDescriptor[] } | undefined> {
  const self = (await catalog.descriptorsOf([key])).get(key);
  if (!self) return undefined;
  const kind = self.entity.kind.toLowerCase();
  if (kind === 'rotation') {
    const team = ownerOf(self);
    return team ? { team, rotations: [self] } : undefined;
  }
  if (kind === 'group') {
    const rotations = await rotationsOwnedBy(catalog, key);
    return rotations.length > 0 ? { team: key, rotations } : undefined;
  }
  const owner = ownerOf(self);
  const owned = owner ? await rotationsOwnedBy(catalog, owner) : [];
  if (owner && owned.length > 0) return { team: owner, rotations: owned };
  const system = self.entity.spec?.system;
  if (typeof system !== 'string') return undefined;
  const systemKey = refKeyOrRef(system, self.entity.metadata.namespace ?? 'default', 'System');
  const systemOwner = ownerOf((await catalog.descriptorsOf([systemKey])).get(systemKey));
  const fallback = systemOwner ? await rotationsOwnedBy(catalog, systemOwner) : [];
  return systemOwner && fallback.length > 0 ? { team: systemOwner, rotations: fallback } : undefined;
}

function personOf(ref: string, entity: Entity | undefined, team: EntityDescriptor | undefined): OnCallPerson {
  if (!entity) return { ref, name: ref };
  const { email } = profileOf(entity);
  const chatOf = (e: Entity, file: string) => operationalLinksOf(e, file).chat.find((l) => l.url);
  const chat = chatOf(entity, '') ?? (team ? chatOf(team.entity, team.file) : undefined);
  return {
    ref,
    name: entityTitle(entity) ?? entity.metadata.name,
    ...(email && isSafeLinkUrl(`mailto:${email}`) && { email }),
    ...(chat?.url && { chat: { title: chat.title, url: chat.url } }),
  };
}

/**
 * The PagerDuty or Opsgenie schedule named for `key`: by its own annotations, else (not for
 * a rotation) by its owner's; `team` is the entity that names it. Undefined when none does.
 */
export async function vendorTargetFor(
  catalog: CatalogReader,
  key: string,
): Promise<{ target: VendorTarget; team: string } | undefined> {
  const self = (await catalog.descriptorsOf([key])).get(key);
  if (!self || self.entity.kind.toLowerCase() === 'rotation') return undefined;
  const own = vendorTargetOf(self.entity.metadata.annotations);
  if (own) return { target: own, team: self.ref };
  const owner = ownerOf(self);
  const team = owner ? (await catalog.descriptorsOf([owner])).get(owner) : undefined;
  const theirs = vendorTargetOf(team?.entity.metadata.annotations);
  return team && theirs ? { target: theirs, team: team.ref } : undefined;
}

/**
 * Catalog Users by `spec.profile.email` (lowercased), as on-call people: how an answer read
 * from PagerDuty or Opsgenie links its people to their pages.
 */
export async function peopleByEmail(
  catalog: CatalogReader,
  emails: readonly string[],
): Promise<Map<string, OnCallPerson>> {
  const wanted = new Set(emails.map((e) => e.toLowerCase()));
  const found = new Map<string, OnCallPerson>();
  if (wanted.size === 0) return found;
  // A cheap text match first; the parsed profile decides.
  for (const d of await catalog.entitiesMentioning([...wanted])) {
    const email = profileOf(d.entity).email?.trim().toLowerCase();
    if (d.entity.kind.toLowerCase() === 'user' && email && wanted.has(email) && !found.has(email))
      found.set(email, personOf(d.ref, d.entity, undefined));
  }
  return found;
}

/** The plan answering for `key` (undefined: nobody's rotations cover it), with the overrides `overridesOf` knows. */
export async function loadOnCallPlan(
  catalog: CatalogReader,
  key: string,
  overridesOf?: OverridesOf,
): Promise<OnCallPlan | undefined> {
  const found = await teamRotations(catalog, key);
  if (!found) return undefined;
  const rotationKeys = found.rotations.map((r) => refKey({ kind: 'rotation', ...nameOf(r.entity) }));
  const overrides = overridesOf ? await overridesOf(rotationKeys) : new Map<string, Override[]>();
  const rotations = found.rotations.map((d, i): PlannedRotation => {
    const spec = d.entity.spec as unknown as RotationSpec;
    const namespace = d.entity.metadata.namespace ?? 'default';
    const rotationKey = rotationKeys[i] as string;
    return {
      ref: d.ref,
      title: d.entity.metadata.title ?? d.entity.metadata.name,
      level: spec.level ?? 1,
      rotation: rotationOf(spec, (ref) => refKeyOrRef(ref, namespace, 'User')),
      overrides: overrides.get(rotationKey) ?? [],
    };
  });
  const peopleKeys = [
    ...new Set(
      rotations.flatMap((r) => [
        ...r.rotation.layers.flatMap((l) => l.participants),
        ...r.overrides.map((o) => o.user),
      ]),
    ),
  ];
  const [people, teams] = await Promise.all([catalog.descriptorsOf(peopleKeys), catalog.descriptorsOf([found.team])]);
  const team = teams.get(found.team);
  return {
    subject: (await catalog.descriptorsOf([key])).get(key)?.ref ?? key,
    team: team?.ref ?? found.team,
    rotations,
    people: Object.fromEntries(
      peopleKeys.map((k) => [k, personOf(people.get(k)?.ref ?? k, people.get(k)?.entity, team)]),
    ),
  };
}

function nameOf(entity: Entity): { namespace: string; name: string } {
  return { namespace: entity.metadata.namespace ?? 'default', name: entity.metadata.name };
}
