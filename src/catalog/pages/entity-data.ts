import {
  coreKind,
  DEFAULT_NAMESPACE,
  entityTitle,
  formatRef,
  isSafeLinkUrl,
  keyOfRef,
  parseEntityRef,
  type Entity,
} from '../model.ts';
import { dependencyEdges, directDependents, type DirectDependent } from '../graph.ts';
import { operationalLinksOf, type OperationalLinks } from '../operational-links.ts';
import { relationPairs, type Relation, type RelationType } from '../relations.ts';
import type { BrowseItem, CatalogReader, EntityDetail } from '../reader.ts';

/** Everything an entity page shows, loaded in a few queries; the view is a pure function of it. */
export interface EntityPageData {
  detail: EntityDetail;
  operations: OperationalLinks;
  /** Summaries of every entity the page links to, by key; a missing key is a dangling reference. */
  related: Map<string, BrowseItem>;
  owner?: OwnerContact;
  /** The domain of the entity's system, for components, APIs and resources. */
  domain?: string;
  /** What a Group or User owns (first page, by kind). */
  owned?: { items: BrowseItem[]; total: number };
  /** Components and resources: what depends on it directly, through dependsOn or an API it provides. */
  dependents?: DirectDependent[];
}

export interface OwnerContact {
  ref: string;
  title?: string;
  email?: string;
  /** Chat and other safe links of the owning team. */
  links: { title: string; url: string }[];
  oncall: OperationalLinks['oncall'];
}

export const OWNED_SHOWN = 200;

export function relatedRefs(relations: readonly Relation[], ...types: RelationType[]): string[] {
  return relations.filter((r) => types.includes(r.type)).map((r) => r.target);
}

/**
 * The relation list of what depends on an entity directly (its `dependsOn` dependents and
 * the consumers of the APIs it provides), named beside the relation types in URLs.
 */
export const DEPENDENTS_LIST = 'dependents';

/** What depends on a component or resource directly (graph.ts's rule, as the graph page counts); undefined for other kinds. */
export async function loadDependents(
  store: CatalogReader,
  detail: EntityDetail,
): Promise<DirectDependent[] | undefined> {
  const kind = coreKind(detail.entity.kind);
  if (kind !== 'Component' && kind !== 'Resource') return undefined;
  const providedApis = kind === 'Component' ? relatedRefs(detail.relations, 'providesApi').map(keyOfRef) : [];
  // The consumers of its APIs are not among its own relations.
  const apiRelations = providedApis.length > 0 ? await store.relationsTouching(providedApis) : [];
  return directDependents(detail.ref, dependencyEdges([...detail.relations, ...apiRelations]));
}

/**
 * The entities one of an entity's relation lists reaches, in the order pages list them (by
 * relation, then target; dependents by ref): a relation type, or DEPENDENTS_LIST. Undefined
 * when the name is neither a relation type nor a list this entity has.
 */
export function relationList(
  detail: EntityDetail,
  dependents: readonly DirectDependent[] | undefined,
  name: string,
): string[] | undefined {
  if (name === DEPENDENTS_LIST) return dependents?.map((d) => d.ref);
  return relationPairs().some((pair) => pair.includes(name)) ? relatedRefs(detail.relations, name) : undefined;
}

/** Every relation list of the entity longer than `shown`, by name: those its page summarises and links to a list of their own. */
export function longRelationLists(
  detail: EntityDetail,
  dependents: readonly DirectDependent[] | undefined,
  shown: number,
): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of detail.relations) counts.set(r.type, (counts.get(r.type) ?? 0) + 1);
  if (dependents) {
    // Its page lists dependencyOf within its dependents, never apart.
    counts.delete('dependencyOf');
    counts.set(DEPENDENTS_LIST, dependents.length);
  }
  return new Map([...counts].filter(([, count]) => count > shown));
}

export async function loadEntityPage(store: CatalogReader, key: string): Promise<EntityPageData | undefined> {
  const detail = await store.getEntity(key);
  if (!detail) return undefined;
  const { entity } = detail;
  const kind = coreKind(entity.kind);
  const ownerRef = detail.relations.find((r) => r.type === 'ownedBy')?.target;
  const systemRef = detail.relations.find(
    (r) => r.type === 'partOf' && r.target.toLowerCase().startsWith('system:'),
  )?.target;

  const ownerKey = ownerRef && keyOfRef(ownerRef);
  const systemKey =
    systemRef && (kind === 'Component' || kind === 'API' || kind === 'Resource') ? keyOfRef(systemRef) : undefined;
  const [related, descriptors, owned, dependents] = await Promise.all([
    store.summariesOf(detail.relations.map((r) => keyOfRef(r.target))),
    store.descriptorsOf([ownerKey, systemKey].filter((k): k is string => k !== undefined)),
    kind === 'Group' || kind === 'User'
      ? store.browseEntities({ owner: detail.ref }, 'kind', 0, OWNED_SHOWN)
      : undefined,
    loadDependents(store, detail),
  ]);
  // The consumers of its APIs are not among its own relations: they are labelled too.
  const unlabelled = (dependents ?? []).map((d) => keyOfRef(d.ref)).filter((k) => !related.has(k));
  if (unlabelled.length > 0) for (const [k, v] of await store.summariesOf(unlabelled)) related.set(k, v);
  const owner = ownerKey ? descriptors.get(ownerKey) : undefined;
  const system = systemKey ? descriptors.get(systemKey)?.entity : undefined;
  return {
    detail,
    operations: operationalLinksOf(entity, detail.source.file),
    related,
    owner: owner ? ownerContact(owner) : undefined,
    domain: system ? domainOf(system) : undefined,
    owned,
    dependents,
  };
}

/** The domain a system names, as a full reference (its namespace by default). */
function domainOf(system: Entity): string | undefined {
  const domain = system.spec?.domain;
  if (typeof domain !== 'string') return undefined;
  try {
    return formatRef(
      parseEntityRef(domain, {
        defaultKind: 'Domain',
        defaultNamespace: system.metadata.namespace ?? DEFAULT_NAMESPACE,
      }),
    );
  } catch {
    return undefined; // validation reported it
  }
}

/** A User's or Group's `spec.profile` email, if it is a string (its display name is `entityTitle`'s). */
export function profileOf(entity: Entity): { email?: string } {
  const profile = entity.spec?.profile;
  if (!profile || typeof profile !== 'object') return {};
  const field = (name: string) => {
    const value = (profile as Record<string, unknown>)[name];
    return typeof value === 'string' ? value : undefined;
  };
  return { email: field('email') };
}

function ownerContact(owner: { ref: string; entity: Entity; file: string }): OwnerContact {
  const { entity } = owner;
  const { email } = profileOf(entity);
  const ops = operationalLinksOf(entity, owner.file);
  return {
    ref: owner.ref,
    title: entityTitle(entity),
    email: email && isSafeLinkUrl(`mailto:${email}`) ? email : undefined,
    links: [...ops.chat, ...ops.dashboards].filter((l) => l.url).map((l) => ({ title: l.title, url: l.url as string })),
    oncall: ops.oncall,
  };
}
