import { dependencyEdges } from '../catalog/graph.ts';
import { keyOfRef } from '../catalog/model.ts';
import type { CatalogReader } from '../catalog/reader.ts';
import type { ChangeEvent, ChangeLine } from './model.ts';
import { MAX_SCOPE, scopeOf } from './scope.ts';

/** How far a timeline reaches into what a service depends on: itself only, direct dependencies, or theirs too. */
export const FEED_HOPS = [0, 1, 2] as const;
export type FeedHops = (typeof FEED_HOPS)[number];

/**
 * Why a change is on an entity's timeline. `self`: recorded on the entity itself;
 * `member`: on an entity in its scope (a system's part, what a team owns); `dependency`:
 * on something it depends on (`dependsOn`); `provider`: on the provider of an API it
 * consumes; `flag`: on a feature flag of one of those.
 */
export type FeedRelation = 'self' | 'member' | 'dependency' | 'provider' | 'flag';

export interface FeedOrigin {
  relation: FeedRelation;
  /** The entity the change was recorded on. */
  ref: string;
  /** Dependency hops from the subject (0: the subject, its scope and their flags). */
  depth: number;
  /**
   * What links it to the subject when that is not the subject itself: the dependent of a
   * dependency two hops away, the API of a provider, the service of a flag.
   */
  through?: string;
  /** How `through` itself relates to the subject (flags only). */
  throughRelation?: FeedRelation;
}

/** A timeline's event with why it is there. */
export interface FeedEvent extends ChangeEvent {
  origin: FeedOrigin;
}

/** A timeline's line (the columns it shows) with why it is there. */
export interface FeedLine extends ChangeLine {
  origin: FeedOrigin;
}

/** The entities whose changes an entity's timeline shows, each with why; keyed by entity key. */
export interface FeedScope {
  key: string;
  origins: Map<string, FeedOrigin>;
}

type Catalog = Pick<CatalogReader, 'relationsTouching'>;

/** Kinds whose dependencies are suspects when they fail. */
const WITH_DEPENDENCIES = new Set(['component', 'resource']);
/** Kinds whose scope's parts are services with flags of their own (a team owns its flags already). */
const WITH_PART_FLAGS = new Set(['system', 'domain']);

/**
 * The blast-radius scope of a timeline: the entity's own scope (scope.ts), then for a
 * service what it depends on up to `hops` away — `dependsOn` targets and the providers of
 * the APIs it consumes, one hop each — then the flags of all of those (a kill switch
 * flipped on a dependency is a suspect). A system's or domain's parts bring their flags.
 * Nearer origins win; at most MAX_SCOPE entities. Pure but for `relationsTouching`.
 */
export async function feedScope(catalog: Catalog, key: string, hops: number): Promise<FeedScope> {
  const kind = key.slice(0, key.indexOf(':'));
  const origins = new Map<string, FeedOrigin>();
  const add = (memberKey: string, origin: FeedOrigin): boolean => {
    if (origins.has(memberKey) || origins.size >= MAX_SCOPE) return false;
    origins.set(memberKey, origin);
    return true;
  };
  const base = await scopeOf(catalog, key);
  add(key, { relation: 'self', ref: key, depth: 0 });
  for (const member of base.members)
    add(member, { relation: member.startsWith('flag:') ? 'flag' : 'member', ref: member, depth: 0 });

  const flagsOf: string[] = WITH_PART_FLAGS.has(kind) ? base.members.filter((m) => m !== key) : [];
  if (WITH_DEPENDENCIES.has(kind)) {
    let frontier = [key];
    for (let depth = 1; depth <= hops && frontier.length > 0; depth++) {
      const next: string[] = [];
      const from = new Set(frontier);
      const consumed: { api: string; consumer: string }[] = [];
      for (const edge of dependencyEdges(await catalog.relationsTouching(frontier))) {
        const consumer = keyOfRef(edge.from);
        if (!from.has(consumer)) continue;
        const through = consumer === key ? {} : { through: edge.from };
        if (edge.via === 'dependsOn') {
          const target = keyOfRef(edge.to);
          if (add(target, { relation: 'dependency', ref: edge.to, depth, ...through })) next.push(target);
        } else if (edge.via === 'consumesApi') consumed.push({ api: keyOfRef(edge.to), consumer });
      }
      if (consumed.length > 0) {
        const apis = new Set(consumed.map((c) => c.api));
        for (const edge of dependencyEdges(await catalog.relationsTouching([...apis]))) {
          if (edge.via !== 'providedBy' || !apis.has(keyOfRef(edge.from))) continue;
          const provider = keyOfRef(edge.to);
          if (add(provider, { relation: 'provider', ref: edge.to, depth, through: edge.from })) next.push(provider);
        }
      }
      flagsOf.push(...next);
      frontier = next;
    }
  }

  if (flagsOf.length > 0) {
    const owners = new Set(flagsOf);
    for (const r of await catalog.relationsTouching(flagsOf)) {
      const [source, target] = [keyOfRef(r.source), keyOfRef(r.target)];
      const [flag, service] =
        r.type === 'hasFlag' && owners.has(source)
          ? [r.target, source]
          : r.type === 'flagOf' && owners.has(target)
            ? [r.source, target]
            : [];
      const owner = service === undefined ? undefined : origins.get(service);
      if (flag === undefined || owner === undefined) continue;
      add(keyOfRef(flag), {
        relation: 'flag',
        ref: flag,
        depth: owner.depth,
        through: owner.ref,
        throughRelation: owner.relation,
      });
    }
  }
  return { key, origins };
}
