import type { ChangeEvent, Slot, Strategy } from './model.ts';

/** What runs in one environment of a service, derived from its deployments and switches. */
export interface LiveEnvironment {
  environment: string;
  /** The version serving traffic; null when no deployment there has succeeded. */
  version: string | null;
  /** Since when it has served traffic (its deployment's finish, or the switch to its slot). */
  since: string | null;
  strategy: Strategy | null;
  /** Blue/green only: the live slot, and what the idle slot holds. */
  liveSlot: Slot | null;
  idleSlot: Slot | null;
  idleVersion: string | null;
  /** The latest deployment attempt when it did not succeed: what a responder must know first. */
  lastFailure: { version: string; status: string; at: string } | null;
  /**
   * Blue/green only: a successful deployment recorded without a slot after the
   * environment went blue/green, with no slot or switch recorded since. Which slot is live
   * (and so which version) is then unknown; the slots above are what was known before it.
   */
  unslotted: { version: string; at: string } | null;
}

const otherSlot = (slot: Slot): Slot => (slot === 'blue' ? 'green' : 'blue');

/**
 * Per environment, what is live. Without blue/green, the latest successful deployment.
 * With it, each slot holds its latest successful deployment and the live slot is the
 * latest traffic switch's; before any switch is recorded, the slot of the latest
 * successful deployment is taken as live (a pipeline that deploys and switches in one
 * step records no switch). Where switches are recorded (`switchesRecorded`, or any switch in
 * the events), a deployment never makes its slot live by itself: before the first switch,
 * the slot of the first successful deployment is live. A failed or rolled-back deployment
 * never changes what is live. A successful deployment without a slot to an environment
 * that is blue/green cannot be placed: it is reported (`unslotted`) rather than hidden.
 *
 * `events` is any mix of one service's deployments and switches, in any order; ties on
 * time go to the later-recorded event (higher id).
 */
export function liveEnvironments(
  events: readonly ChangeEvent[],
  options: { switchesRecorded?: boolean } = {},
): LiveEnvironment[] {
  const byEnvironment = new Map<string, ChangeEvent[]>();
  for (const e of events) {
    if ((e.type !== 'deployment' && e.type !== 'traffic-switch') || e.environment === null) continue;
    const list = byEnvironment.get(e.environment) ?? [];
    list.push(e);
    byEnvironment.set(e.environment, list);
  }
  const out: LiveEnvironment[] = [];
  for (const [environment, list] of byEnvironment) {
    list.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.id - b.id));
    let first: ChangeEvent | undefined;
    let latest: ChangeEvent | undefined;
    let latestAttempt: ChangeEvent | undefined;
    let lastSwitch: ChangeEvent | undefined;
    const slots = new Map<Slot, ChangeEvent>();
    let unslotted: ChangeEvent | undefined;
    for (const e of list) {
      if (e.type === 'traffic-switch') {
        lastSwitch = e;
        unslotted = undefined;
        continue;
      }
      latestAttempt = e;
      if (e.status !== 'succeeded') continue;
      latest = e;
      first ??= e;
      if (e.slot) slots.set(e.slot, e);
      unslotted = e.slot === null && slots.size > 0 ? e : undefined;
    }
    const lastFailure =
      latestAttempt && latestAttempt.status !== 'succeeded'
        ? { version: latestAttempt.version ?? '', status: latestAttempt.status ?? '', at: latestAttempt.at }
        : null;
    if (slots.size === 0 || latest === undefined) {
      out.push({
        environment,
        version: latest?.version ?? null,
        since: latest?.at ?? null,
        strategy: latest?.strategy ?? null,
        liveSlot: null,
        idleSlot: null,
        idleVersion: null,
        lastFailure,
        unslotted: null,
      });
      continue;
    }
    const fallback = options.switchesRecorded ? (first?.slot ?? latest.slot) : latest.slot;
    const liveSlot: Slot = lastSwitch?.slot ?? fallback ?? 'blue';
    const live = slots.get(liveSlot);
    const idle = slots.get(otherSlot(liveSlot));
    // Live since the later of: the switch that made the slot live, the deployment now in it.
    const since =
      [lastSwitch?.slot === liveSlot ? lastSwitch.at : undefined, live?.at]
        .filter((t): t is string => t !== undefined)
        .sort()
        .at(-1) ?? null;
    out.push({
      environment,
      version: live?.version ?? null,
      since,
      strategy: 'blue-green',
      liveSlot,
      idleSlot: otherSlot(liveSlot),
      idleVersion: idle?.version ?? null,
      lastFailure,
      unslotted: unslotted ? { version: unslotted.version ?? '', at: unslotted.at } : null,
    });
  }
  return out.sort(
    (a, b) =>
      environmentRank(a.environment) - environmentRank(b.environment) || (a.environment < b.environment ? -1 : 1),
  );
}

/** Production first, then staging-like, then the rest: the order a responder reads them in. */
function environmentRank(name: string): number {
  if (/^prod/i.test(name)) return 0;
  if (/^(stag|pre|uat)/i.test(name)) return 1;
  return 2;
}

/** The versions in a service's blue and green slots of one environment, and which is live (what a switch is checked against). */
export function slotsOf(
  events: readonly ChangeEvent[],
  environment: string,
): { live: Slot | null; versions: Map<Slot, string> } {
  const env = liveEnvironments(
    events.filter((e) => e.environment === environment),
    { switchesRecorded: true },
  )[0];
  const versions = new Map<Slot, string>();
  if (env?.liveSlot && env.version) versions.set(env.liveSlot, env.version);
  if (env?.idleSlot && env.idleVersion) versions.set(env.idleSlot, env.idleVersion);
  return { live: env?.liveSlot ?? null, versions };
}
