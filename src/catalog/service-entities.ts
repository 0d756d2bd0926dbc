import { parseEntityRef, refKey } from '../platform/entity-ref.ts';
import type { CatalogReadStore } from './read-store.ts';
import type { EntityDescriptor } from './reader.ts';

/** Every entity of a kind that names the service it is for in `spec.service` (an SLO, a check, a job). */
export interface ServiceEntities {
  /** The entities, each with its service's key (resolved as a Component in the entity's namespace). */
  items: { descriptor: EntityDescriptor; serviceKey: string }[];
  /** The services the catalog has, by key (a dangling `spec.service` is absent). */
  services: Map<string, EntityDescriptor>;
  /** Each service's owner (a Group's key) from its `spec.owner`, by service key. */
  owners: Map<string, string>;
}

/** Reads every entity of `kind` (paged) with the services they name and those services' owners. */
export async function serviceEntities(
  store: Pick<CatalogReadStore, 'listEntities' | 'descriptorsOf'>,
  kind: string,
): Promise<ServiceEntities> {
  const keys: string[] = [];
  let after: string | undefined;
  do {
    const page = await store.listEntities({ kind }, 500, after);
    keys.push(...page.items.map((e) => refKey({ kind, namespace: e.namespace, name: e.name })));
    after = page.nextAfter;
  } while (after !== undefined);
  const items = [...(await store.descriptorsOf(keys)).values()].map((descriptor) => ({
    descriptor,
    serviceKey: refKey(
      parseEntityRef(String(descriptor.entity.spec?.service), {
        defaultKind: 'Component',
        defaultNamespace: descriptor.entity.metadata.namespace ?? 'default',
      }),
    ),
  }));
  const services = await store.descriptorsOf(items.map((i) => i.serviceKey));
  const owners = new Map<string, string>();
  for (const [key, service] of services) {
    const owner = service.entity.spec?.owner;
    if (typeof owner !== 'string') continue;
    const defaultNamespace = service.entity.metadata.namespace ?? 'default';
    owners.set(key, refKey(parseEntityRef(owner, { defaultKind: 'Group', defaultNamespace })));
  }
  return { items, services, owners };
}

/**
 * A capability's definitions (its SLOs, checks or jobs), read from the catalog once per
 * catalog generation: `clear()` on a catalog change, and a read the change outdated while
 * it ran is not kept. `has` answers synchronously, from the last read, whether a service has
 * any (undefined until read since the last change): pages of services without need not
 * render afresh when the capability's data moves.
 */
export class ServiceDefinitions<D extends { services: ReadonlySet<string> }> {
  private loading: Promise<D> | undefined;
  private shown: ReadonlySet<string> | undefined;

  /** `shownOn`: the entity keys whose pages show the definitions (default: their services). */
  constructor(
    private readonly read: () => Promise<D>,
    private readonly shownOn: (definitions: D) => ReadonlySet<string> = (d) => d.services,
  ) {}

  get(): Promise<D> {
    if (this.loading) return this.loading;
    const loading: Promise<D> = this.read().then(
      (definitions) => {
        if (this.loading === loading) this.shown = this.shownOn(definitions);
        return definitions;
      },
      (err: unknown) => {
        if (this.loading === loading) this.loading = undefined;
        throw err;
      },
    );
    this.loading = loading;
    return loading;
  }

  has(service: string): boolean | undefined {
    return this.shown?.has(service);
  }

  clear(): void {
    this.loading = undefined;
    this.shown = undefined;
  }
}
