import type { HtmlValue } from './html.ts';
import type { Site } from './site.ts';

/**
 * A card a capability adds to a page another room owns (the entity page, the home page).
 * `load` asks the capability's own data sources and answers undefined when there is
 * nothing to show, which is also what it answers when its source is absent (a static
 * export has no change data); `view` is a pure function of what was loaded, like every
 * page's view. Providers are loaded together and shown by ascending `order`.
 *
 * `Subject` is what the page is about; `Sources` is what the provider reads (each
 * capability names only its own, optional, sources; the portal hands it all of them).
 */
/**
 * What a page shows besides the catalog, so the live portal's page cache knows when to
 * render it again (every page is dropped with the catalog anyway): `changes`, the change
 * events (the change version moves with every write seen, a flag switch included);
 * `hour`, the clock, for windows and ages that move on the hour; `notifications`, the
 * outbox (a page queued or delivered by this replica); `slos`, SLO statuses (they move
 * with every evaluation cycle, and with the minute, so a card whose evaluation stopped
 * turns "stale" instead of showing its last green; within a service's scope, with what
 * its Health card shows and when it turns stale); `oncall`, answers read from PagerDuty
 * or Opsgenie (a read replaced one); `checks`, synthetic checks' statuses (a run moved one here,
 * and the minute, for runs recorded on another replica); `incidents`, incidents declared or
 * edited here or, seen by polling the incidents' history, on another replica;
 * `postmortems`, post-mortems and their action items (a write or an escalation here, and the
 * minute, for another replica's writes); `jobs`, scheduled jobs' runs (a run finished or
 * pinged here, and the minute, for runs recorded on another replica: a success is no change
 * on the timeline, so `changes` alone would show it only on the hour).
 */
export type PageDependency =
  | 'changes'
  | 'hour'
  | 'notifications'
  | 'slos'
  | 'oncall'
  | 'checks'
  | 'incidents'
  | 'postmortems'
  | 'jobs';

export interface SectionProvider<Subject, Sources, Data> {
  readonly id: string;
  readonly order: number;
  /** What its card shows besides the catalog (none: it changes only with the catalog). */
  readonly varies?: readonly PageDependency[];
  /**
   * Whether the subject named by `key` has anything of this card to show: false means its
   * page need not render afresh when `varies` moves (a service with no SLOs does not move
   * with every evaluation cycle); undefined, not known yet (it varies). Synchronous: it is
   * asked for every cached answer.
   */
  variesFor?(sources: Sources, key: string): boolean | undefined;
  /**
   * Of `varies`, what this card reads only about its subject's own scope (a service page's
   * timeline: the changes of that service, what it depends on and their flags; its Health
   * card: that service's SLOs). Where the portal is given a version of that scope
   * (PortalOptions.scoped), the page moves with it instead of with every change or cycle
   * anywhere: at 50,000 entities, one alert recorded on one service used to send every
   * service page back to the renderer.
   */
  readonly variesWithin?: readonly PageDependency[];
  // Method syntax on purpose: a provider of any `Data` then fits a list of providers of
  // `unknown` data, and sectionsFor only ever hands a provider's data back to its own view.
  load(sources: Sources, subject: Subject): Promise<Data | undefined>;
  view(site: Site, data: Data, subject: Subject): HtmlValue;
}

/**
 * A capability's card on the home page: about the organisation as a whole, so it has no
 * subject. Shown before the catalog's own cards, in order.
 */
export type HomeSection<Sources, Data = unknown> = SectionProvider<undefined, Sources, Data>;

/** The sections of one page: every provider loaded at once, the ones with something to show in order. */
export async function sectionsFor<Subject, Sources>(
  providers: readonly SectionProvider<Subject, Sources, unknown>[],
  sources: Sources,
  subject: Subject,
  site: Site,
): Promise<HtmlValue[]> {
  const ordered = [...providers].sort((a, b) => a.order - b.order);
  const loaded = await Promise.all(ordered.map((p) => p.load(sources, subject)));
  return ordered.flatMap((p, i) => {
    const data = loaded[i];
    return data === undefined ? [] : [p.view(site, data, subject)];
  });
}
