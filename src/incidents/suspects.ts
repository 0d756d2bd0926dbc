import type { FeedLine, FeedOrigin } from '../changes/feed-scope.ts';
import { CHANGE_KINDS, type ChangeKind } from '../changes/model.ts';
import { keyOfRef } from '../platform/entity-ref.ts';
import { entryTypeOf } from './timeline.ts';

/**
 * The changes most likely to have caused an incident, ranked. A change scores by three
 * things multiplied: how near it is to the affected services (on one itself, or its flag:
 * 1; each dependency hop away: × 0.6), what it is (a failed or rolled-back deployment
 * weighs most, then a flag switch, then a deployment or traffic switch, then config and
 * infrastructure), and how recent it was before the start (linearly from 1 just before
 * to a quarter at the window's far end). Changes outside production count a third.
 * Alerts and the incidents' own entries are symptoms, not suspects. Pure.
 *
 * Why the best of a whole window can be ranked from a few candidates: two changes of one
 * type, kind, status and environment on entities equally many hops away differ only in
 * recency, so among them the newer scores at least as high and wins a tie. The best
 * `limit` of the window are therefore among the newest `limit` of each such group
 * (candidateGroups; changes/store.ts's newestOfEach), and ranking those gives exactly the
 * ranking of the whole window.
 */

export interface SuspectLink {
  /** `flag-switch`: the flag's switch page with "turn it off" chosen; `deployment`: the deployment's own page (its URL); `timeline`: the service's timeline, at deployments. */
  kind: 'flag-switch' | 'deployment' | 'timeline';
  /** A site-relative path (`catalog/…`) or, for a deployment's own page, an absolute http(s) URL. */
  href: string;
  label: string;
}

export interface Suspect {
  changeId: number;
  type: string;
  at: string;
  summary: string;
  service: string;
  /** 0..1, higher is likelier; rounded to three places. */
  score: number;
  /** Why it ranks where it does, in words, most telling first. */
  reasons: string[];
  link: SuspectLink;
}

export interface SuspectOptions {
  startedAt: string;
  windowHours: number;
  productionEnvironments: readonly string[];
  /** How many to keep (default SUSPECTS_SHOWN). */
  limit?: number;
}

/** How many suspects an incident shows. */
export const SUSPECTS_SHOWN = 10;

const HOP_FACTOR = 0.6;
const NON_PRODUCTION_FACTOR = 1 / 3;
/** What kind of change it is, before nearness and recency. */
const WEIGHTS: Record<string, number> = {
  'deployment-failed': 1,
  'feature-flag': 0.9,
  deployment: 0.7,
  'traffic-switch': 0.7,
  config: 0.5,
  migration: 0.5,
  infrastructure: 0.5,
  'secret-rotation': 0.4,
  scaling: 0.4,
  other: 0.2,
};

/** Kinds of change that are never suspects (symptoms, the incidents' own entries): left out of the candidates. */
export const NOT_SUSPECT_KINDS: readonly ChangeKind[] = CHANGE_KINDS.filter((kind) => !(kind in WEIGHTS));

/**
 * The scope's entity keys grouped by how many hops away they are (nearness is the one
 * factor of a score that comes from the entity): each group's candidates are the newest
 * of each type, kind, status and environment among its entities.
 */
export function candidateGroups(origins: ReadonlyMap<string, FeedOrigin>): string[][] {
  const groups = new Map<number, string[]>();
  for (const [key, origin] of origins) {
    const group = groups.get(origin.depth);
    if (group) group.push(key);
    else groups.set(origin.depth, [key]);
  }
  return [...groups.values()];
}

function weightKey(event: FeedLine): string | undefined {
  if (event.type === 'deployment')
    return event.status === 'failed' || event.status === 'rolled_back' ? 'deployment-failed' : 'deployment';
  const type = entryTypeOf(event);
  return type in WEIGHTS ? type : undefined;
}

/** `catalog/<namespace>/<kind>/<name>/` of a reference (web/site.ts's entityPath, which a pure module may not import). */
export function entityPathOf(ref: string): string {
  const key = keyOfRef(ref);
  const colon = key.indexOf(':');
  const slash = key.indexOf('/', colon);
  const [kind, namespace, name] = [key.slice(0, colon), key.slice(colon + 1, slash), key.slice(slash + 1)];
  return `catalog/${encodeURIComponent(namespace)}/${encodeURIComponent(kind)}/${encodeURIComponent(name)}/`;
}

function linkOf(event: FeedLine): SuspectLink {
  if (event.type === 'change' && event.kind === 'feature-flag' && keyOfRef(event.service).startsWith('flag:')) {
    const query = event.environment ? `environment=${encodeURIComponent(event.environment)}&action=off` : 'action=off';
    return { kind: 'flag-switch', href: `${entityPathOf(event.service)}switch/?${query}`, label: 'Turn the flag off' };
  }
  if (event.type === 'deployment' && event.url && /^https?:\/\//i.test(event.url))
    return { kind: 'deployment', href: event.url, label: 'Open the deployment' };
  return {
    kind: 'timeline',
    href: `${entityPathOf(event.service)}changes/?type=${event.type === 'change' ? 'change' : event.type}`,
    label: event.type === 'deployment' ? 'Open the deployment on the timeline' : 'Open the timeline',
  };
}

function ago(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 1) return 'just before the start';
  if (minutes < 120) return `${minutes} min before the start`;
  return `${Math.round(minutes / 60)} h before the start`;
}

function whereReason(event: FeedLine): string {
  const { origin } = event;
  const hops = origin.depth === 1 ? '1 hop' : `${origin.depth} hops`;
  switch (origin.relation) {
    case 'self':
    case 'member':
      return `on an affected service (${event.service})`;
    case 'flag':
      return origin.depth === 0
        ? `a flag of an affected service (${origin.through ?? event.service})`
        : `a flag of a dependency ${hops} away (${origin.through ?? event.service})`;
    case 'dependency':
      return `on a dependency ${hops} away (${event.service})`;
    case 'provider':
      return `on the provider of a consumed API ${hops} away (${event.service})`;
  }
}

/** Ranks the changes of the incident's timeline scope; best first, ties newest first. */
export function rankSuspects(changes: readonly FeedLine[], options: SuspectOptions): Suspect[] {
  const start = Date.parse(options.startedAt);
  const windowMs = options.windowHours * 3_600_000;
  const production = new Set(options.productionEnvironments);
  const ranked: Suspect[] = [];
  for (const event of changes) {
    const key = weightKey(event);
    if (key === undefined) continue;
    const age = start - Date.parse(event.at);
    if (!(age >= 0 && age <= windowMs)) continue;
    const nearness = HOP_FACTOR ** event.origin.depth;
    const recency = 1 - (0.75 * age) / windowMs;
    const elsewhere = event.environment !== null && !production.has(event.environment);
    const score = nearness * (WEIGHTS[key] as number) * recency * (elsewhere ? NON_PRODUCTION_FACTOR : 1);
    const reasons = [ago(age), whereReason(event)];
    if (key === 'deployment-failed') reasons.push(event.status === 'rolled_back' ? 'rolled back' : 'failed to deploy');
    if (key === 'feature-flag') reasons.push('a flag switch on the affected path');
    if (elsewhere) reasons.push(`in ${event.environment}, not production`);
    ranked.push({
      changeId: event.id,
      type: entryTypeOf(event),
      at: event.at,
      summary: event.summary,
      service: event.service,
      score: Math.round(score * 1000) / 1000,
      reasons,
      link: linkOf(event),
    });
  }
  ranked.sort((a, b) => b.score - a.score || Date.parse(b.at) - Date.parse(a.at) || b.changeId - a.changeId);
  return ranked.slice(0, options.limit ?? SUSPECTS_SHOWN);
}
