import { emptyNote, entityLink, refName, timestamp } from '../../web/components.ts';
import { html, type Html } from '../../web/html.ts';
import { entityPath, siteUrl, type Site } from '../../web/site.ts';
import type { FeedOrigin } from '../feed-scope.ts';
import type { LiveEnvironment } from '../live.ts';
import { type ChangeEvent, withoutTokenName } from '../model.ts';

/** An event as a timeline shows it: with why it is there, when the timeline spans a neighbourhood. */
export type ShownEvent = ChangeEvent & { origin?: FeedOrigin };

const TYPE_LABELS: Record<ChangeEvent['type'], string> = {
  deployment: 'Deploy',
  'traffic-switch': 'Switch',
  change: 'Change',
};

function badgeOf(event: ChangeEvent): Html {
  if (event.type === 'deployment') {
    const cls = event.status === 'succeeded' ? 'badge-ok' : 'badge-error';
    return html`<span class="badge ${cls}">${event.status === 'succeeded' ? 'Deploy' : event.status === 'failed' ? 'Failed' : 'Rolled back'}</span>`;
  }
  return html`<span class="badge badge-quiet">${event.type === 'change' ? (event.kind ?? 'change') : TYPE_LABELS[event.type]}</span>`;
}

/** Only http(s) links from the API's own validation ever reach here; checked again, since pages must never trust stored data. */
const safeUrl = (url: string | null): string | undefined => (url && /^https?:\/\//i.test(url) ? url : undefined);

/**
 * Whose change an event is, said in the words a responder reads: "dependency ledger",
 * "provider tracking of tracking-api", "flag kill-switch of dependency carrier-gateway".
 * The subject's own changes say nothing unless the timeline spans several services.
 */
function originOf(site: Site, event: ShownEvent, showService: boolean): Html | '' {
  const link = (ref: string) => entityLink(site, { ref, title: refName(ref) });
  const origin = event.origin;
  if (!origin || origin.relation === 'self') return showService ? link(event.service) : '';
  const through = origin.through;
  switch (origin.relation) {
    case 'member':
      return link(event.service);
    case 'dependency':
      return html`<span class="timeline-origin">dependency ${link(event.service)}${through ? html` of ${link(through)}` : ''}</span>`;
    case 'provider':
      return html`<span class="timeline-origin">provider ${link(event.service)}${through ? html` of ${link(through)}` : ''}</span>`;
    case 'flag': {
      const word =
        origin.throughRelation === 'dependency' || origin.throughRelation === 'provider'
          ? `${origin.throughRelation} `
          : '';
      return html`<span class="timeline-origin">flag ${link(event.service)}${through ? html` of ${word}${link(through)}` : ''}</span>`;
    }
  }
}

/**
 * A timeline, newest first: what happened, to which service (when the timeline covers
 * several), where, who did it and when (absolute, with a relative time added by the
 * client script). Read top to bottom in an incident: the first rows are the suspects.
 */
export function timelineList(site: Site, events: readonly ShownEvent[], options: { showService: boolean }): Html {
  // Pages take no token: they never name the token that recorded an event.
  return html`<ol class="timeline">${events.map(withoutTokenName).map((e) => {
    const url = safeUrl(e.url);
    const details = [
      originOf(site, e, options.showService),
      e.environment && e.type === 'change' ? html`<span>${e.environment}</span>` : '',
      e.commits && e.commits.length > 0
        ? html`<span>${e.commits.length} commit${e.commits.length === 1 ? '' : 's'}</span>`
        : '',
      e.actor ? html`<span>by ${e.actor}</span>` : '',
      timestamp(e.at),
      url
        ? html`<a href="${url}" rel="noopener noreferrer">details<span class="visually-hidden"> of ${e.summary}</span></a>`
        : '',
    ].filter((d) => d !== '');
    return html`<li class="timeline-event">${badgeOf(e)} <span class="timeline-summary">${e.summary}</span><p class="muted small timeline-meta">${details.map((d, i) => (i === 0 ? d : html` · ${d}`))}</p></li>`;
  })}</ol>`;
}

/** What runs where: per environment the live version and since when, blue/green slots, and a failed latest attempt. */
export function liveTable(environments: readonly LiveEnvironment[]): Html {
  // Focusable, so a keyboard can scroll it when the card is narrower than the table.
  return html`<div class="table-scroll" tabindex="0" role="region" aria-label="Live versions by environment"><table>
<caption class="visually-hidden">Live versions by environment</caption>
<thead><tr><th scope="col">Environment</th><th scope="col">Live version</th><th scope="col">Since</th><th scope="col">Blue/green</th><th scope="col">Latest attempt</th></tr></thead>
<tbody>${environments.map(
    (env) =>
      html`<tr><th scope="row">${env.environment}</th>${
        env.unslotted
          ? // A stale version here would contradict the timeline: say what is known instead.
            html`<td colspan="2"><span class="badge badge-warn">unknown</span> deployed <code>${env.unslotted.version}</code> without a slot at ${timestamp(env.unslotted.at)}: which slot is live is unknown — record the slot or the switch</td>`
          : html`<td>${env.version ? html`<code>${env.version}</code>` : html`<span class="muted">none succeeded</span>`}</td><td>${env.since ? timestamp(env.since) : ''}</td>`
      }<td>${
        env.liveSlot
          ? env.unslotted
            ? html`<span class="muted">before it: ${env.liveSlot} live${env.version ? html` (<code>${env.version}</code>)` : ''}, ${env.idleSlot}${env.idleVersion ? html` <code>${env.idleVersion}</code>` : ' empty'}</span>`
            : html`<span class="badge badge-ok">${env.liveSlot} live</span> ${env.idleSlot} idle${env.idleVersion ? html`: <code>${env.idleVersion}</code>` : ' (empty)'}`
          : html`<span class="muted">${env.strategy ?? '—'}</span>`
      }</td><td>${env.lastFailure ? html`<span class="badge badge-error">${env.lastFailure.status === 'rolled_back' ? 'rolled back' : 'failed'}</span> <code>${env.lastFailure.version}</code> ${timestamp(env.lastFailure.at)}` : html`<span class="muted">succeeded</span>`}</td></tr>`,
  )}</tbody></table></div>`;
}

export const RECENT_SHOWN = 8;

/**
 * The entity page's "What changed" card: live versions (for a service) and the latest
 * changes of its scope, with links to the full timeline and the delivery metrics.
 */
export function changesSection(
  site: Site,
  ref: string,
  recent: readonly ShownEvent[],
  live: readonly LiveEnvironment[],
  options: { showService: boolean; delivery: boolean },
): Html {
  const base = siteUrl(site, entityPath(ref));
  const links = html`<p class="small"><a href="${base}changes/">Full timeline</a>${options.delivery ? html` · <a href="${base}delivery/">Delivery metrics (DORA)</a>` : ''}</p>`;
  // Two columns or the whole row: a live table and a timeline do not read in a third of the page.
  return html`<section class="card card-double" aria-labelledby="changes"><h2 id="changes">What changed</h2>${live.length > 0 ? liveTable(live) : ''}${
    recent.length > 0
      ? timelineList(site, recent.slice(0, RECENT_SHOWN), options)
      : emptyNote(
          'No deployments or changes recorded yet. Pipelines record them with `atrium deploy record` or POST /api/v1/deployments.',
        )
  }${links}</section>`;
}

/** Events on the home page's feed. */
export const ORGANISATION_FEED = 12;

/**
 * The home page's "Changed recently": the organisation's newest deployments (failed and
 * rolled back ones stand out), blue/green switches and flag switches, each naming the
 * service or flag it happened to, with its time as every timeline shows it.
 */
export function organisationFeed(site: Site, events: readonly ChangeEvent[]): Html {
  return html`<section class="card card-double" aria-labelledby="recent"><h2 id="recent">Changed recently</h2>
<p class="muted small">Deployments, failures, blue/green switches and flag switches across the organisation, newest first.</p>${
    events.length > 0
      ? timelineList(site, events, { showService: true })
      : emptyNote(
          'No deployments or switches recorded yet. Pipelines record them with `atrium deploy record` or POST /api/v1/deployments.',
        )
  }</section>`;
}
