import type { CatalogReader } from '../catalog/reader.ts';
import { answerAt } from './answer.ts';
import type { OnCallAnswer, OnCallPlan } from './model.ts';
import { loadOnCallPlan, type OverridesOf, vendorTargetFor } from './plan.ts';
import type { OnCallReaders } from './readers.ts';
import type { VendorTarget } from './vendor-target.ts';

/** What answers come from: the live portal has all three; a static export none (it computes in the browser). */
export interface OnCallNowSources {
  overridesOf?: OverridesOf;
  readers?: OnCallReaders;
  now?: () => Date;
}

/** Who is on call for an entity, and from where. */
export interface OnCallNow {
  /** Atrium's rotations when they answer: what the browser computes from. */
  plan?: OnCallPlan;
  /** The answer: computed from `plan` (none without a clock), or read from PagerDuty / Opsgenie. */
  answer?: OnCallAnswer;
  /** The team whose Atrium rotations are set aside because its PagerDuty or Opsgenie schedule answers. */
  setAside?: string;
  /** A schedule named in PagerDuty or Opsgenie that cannot be read here (no key configured, or a static export). */
  unread?: { target: VendorTarget; team: string };
}

/**
 * Who answers for `key` (the documented precedence, user guide §17): a PagerDuty or Opsgenie
 * schedule named by the entity, else by its owner, when that API is configured here — it
 * is who gets paged; otherwise Atrium's rotations (the owner's, else the system owner's).
 * Undefined when nothing covers the entity.
 */
export async function onCallNow(
  catalog: CatalogReader,
  key: string,
  sources: OnCallNowSources,
): Promise<OnCallNow | undefined> {
  const vendor = await vendorTargetFor(catalog, key);
  const { readers } = sources;
  if (vendor && readers?.configured(vendor.target.source)) {
    const [read, plan, subject] = await Promise.all([
      readers.read(vendor.target),
      loadOnCallPlan(catalog, key),
      catalog.descriptorsOf([key]),
    ]);
    const at = read.read.fetchedAt ?? read.read.failure?.at ?? (sources.now?.() ?? new Date()).toISOString();
    return {
      answer: {
        source: read.source,
        subject: subject.get(key)?.ref ?? key,
        team: vendor.team,
        computedAt: at,
        levels: read.levels,
        read: read.read,
      },
      ...(plan && { setAside: plan.team }),
    };
  }
  const plan = await loadOnCallPlan(catalog, key, sources.overridesOf);
  const unread = vendor && { unread: vendor };
  if (!plan) return unread;
  // A static export has no clock worth using: the answer depends on when the page is
  // read, so only the browser computes it there (and the export stays reproducible).
  const answer = sources.now ? answerAt(plan, sources.now().getTime()) : undefined;
  return { plan, ...(answer && { answer }), ...unread };
}
