import { coreKind, isSafeLinkUrl, keyOfRef, type Entity } from '../model.ts';
import { operationsOf, type Operations } from '../operations.ts';
import type { Relation, RelationType } from '../relations.ts';
import type { BrowseItem, CatalogStore, EntityDetail } from '../store.ts';

/** Everything an entity page shows, loaded in a few queries; the view is a pure function of it. */
export interface EntityPageData {
  detail: EntityDetail;
  operations: Operations;
  /** Summaries of every entity the page links to, by key; a missing key is a dangling reference. */
  related: Map<string, BrowseItem>;
  owner?: OwnerContact;
  /** The domain of the entity's system, for components, APIs and resources. */
  domain?: string;
  /** What a Group or User owns (first page, by kind). */
  owned?: { items: BrowseItem[]; total: number };
}

export interface OwnerContact {
  ref: string;
  title?: string;
  email?: string;
  /** Chat and other safe links of the owning team. */
  links: { title: string; url: string }[];
  oncall: Operations['oncall'];
}

export const OWNED_SHOWN = 200;

export function relatedRefs(relations: readonly Relation[], ...types: RelationType[]): string[] {
  return relations.filter((r) => types.includes(r.type)).map((r) => r.target);
}


export async function loadEntityPage(store: CatalogStore, key: string): Promise<EntityPageData | undefined> {
  const detail = await store.getEntity(key);
  if (!detail) return undefined;
  const { entity } = detail;
  const kind = coreKind(entity.kind);
  const ownerRef = detail.relations.find((r) => r.type === 'ownedBy')?.target;
  const systemRef = detail.relations.find((r) => r.type === 'partOf' && r.target.toLowerCase().startsWith('system:'))?.target;

  const [related, ownerDetail, systemDetail, owned] = await Promise.all([
    store.summariesOf(detail.relations.map((r) => keyOfRef(r.target))),
    ownerRef ? store.getEntity(keyOfRef(ownerRef)) : undefined,
    systemRef && (kind === 'Component' || kind === 'API' || kind === 'Resource') ? store.getEntity(keyOfRef(systemRef)) : undefined,
    kind === 'Group' || kind === 'User' ? store.browseEntities({ owner: detail.ref }, 'kind', 0, OWNED_SHOWN) : undefined,
  ]);
  return {
    detail,
    operations: operationsOf(entity, detail.source.file),
    related,
    owner: ownerDetail ? ownerContact(ownerDetail) : undefined,
    domain: systemDetail?.relations.find((r) => r.type === 'partOf' && r.target.toLowerCase().startsWith('domain:'))?.target,
    owned,
  };
}

function ownerContact(owner: EntityDetail): OwnerContact {
  const entity: Entity = owner.entity;
  const profile = entity.spec?.profile;
  const email = profile && typeof profile === 'object' && 'email' in profile && typeof profile.email === 'string' ? profile.email : undefined;
  const ops = operationsOf(entity, owner.source.file);
  return {
    ref: owner.ref,
    title: entity.metadata.title ?? (profile && typeof profile === 'object' && 'displayName' in profile && typeof profile.displayName === 'string' ? profile.displayName : undefined),
    email: email && isSafeLinkUrl(`mailto:${email}`) ? email : undefined,
    links: [...ops.chat, ...ops.dashboards].filter((l) => l.url).map((l) => ({ title: l.title, url: l.url as string })),
    oncall: ops.oncall,
  };
}
