import { emptyNote, entityLink, refName, section, timestamp } from '../../web/components.ts';
import { html, type Html } from '../../web/html.ts';
import { layout } from '../../web/layout.ts';
import { renderMarkdown } from '../../web/markdown.ts';
import { type Site, siteUrl } from '../../web/site.ts';
import {
  type Incident,
  isOpen,
  MILESTONES,
  type Milestone,
  NOTE_MAX,
  PERSON_MAX,
  type SeverityLevel,
} from '../model.ts';
import type { IncidentView } from '../service.ts';
import type { Suspect } from '../suspects.ts';
import type { TimelineEntry } from '../timeline.ts';

/** The site paths of the incident pages (live only: a static export has no incidents). */
export const INCIDENTS_PATH = 'incidents/';
export const incidentPagePath = (id: number): string => `${INCIDENTS_PATH}${id}/`;

const MILESTONE_LABELS: Record<Milestone, string> = {
  started: 'Started',
  detected: 'Detected',
  acknowledged: 'Acknowledged',
  investigating: 'Investigating',
  identified: 'Identified',
  mitigated: 'Mitigated',
  resolved: 'Resolved',
  postmortem: 'Post-mortem',
  closed: 'Closed',
};

/** A status as a badge: open ones in the error colour, in words (never colour alone). */
export function statusBadge(incident: Pick<Incident, 'status'>): Html {
  return html`<span class="badge ${isOpen(incident.status) ? 'badge-error' : 'badge-ok'}">${MILESTONE_LABELS[incident.status]}</span>`;
}

export function severityBadge(severity: string): Html {
  return html`<span class="badge badge-warn">${severity}</span>`;
}

const duration = (seconds: number | null): string => {
  if (seconds === null) return 'not yet';
  const minutes = Math.round(seconds / 60);
  return minutes < 120 ? `${minutes} min` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
};

/** Only http(s) links ever become hrefs: stored data is never trusted as a URL. */
const safeHref = (site: Site, href: string): string | undefined =>
  /^https?:\/\//i.test(href) ? href : href.startsWith('catalog/') ? siteUrl(site, href) : undefined;

function typeBadge(entry: TimelineEntry): Html {
  const failed = entry.type === 'deployment' && entry.status !== undefined && entry.status !== 'succeeded';
  const cls = failed || entry.type === 'alert' ? 'badge-error' : entry.type === 'note' ? 'badge-ok' : 'badge-quiet';
  return html`<span class="badge ${cls}">${failed ? (entry.status === 'rolled_back' ? 'rolled back' : 'failed deploy') : entry.type}</span>`;
}

function origin(site: Site, entry: TimelineEntry): Html | '' {
  if (!entry.service || !entry.origin) return '';
  const link = entityLink(site, { ref: entry.service, title: refName(entry.service) });
  const where =
    entry.origin.relation === 'self' || entry.origin.relation === 'member' ? '' : `${entry.origin.relation} `;
  return html` <span class="timeline-origin">${where}${link}</span>`;
}

const noLinks = { resolveLink: () => undefined };

function timelineItem(site: Site, entry: TimelineEntry): Html {
  const body =
    entry.type === 'note' && entry.body !== undefined
      ? html`<div class="incident-note">${renderMarkdown(entry.body, { ...noLinks, embedded: true }).html}</div>`
      : html`<span class="timeline-summary">${entry.summary}</span>`;
  return html`<li class="timeline-event incident-${entry.type === 'note' ? 'note-entry' : 'entry'}">${timestamp(entry.at)} ${typeBadge(entry)}${origin(site, entry)} ${body}${entry.by ? html` <span class="muted">— ${entry.by}</span>` : ''}</li>`;
}

function suspectItem(site: Site, suspect: Suspect): Html {
  const href = safeHref(site, suspect.link.href);
  return html`<li><strong>${suspect.summary}</strong> <span class="muted">(score ${suspect.score.toFixed(2)})</span><br>
<span class="muted">${suspect.reasons.join(' · ')}</span>${href ? html`<br><a href="${href}">${suspect.link.label}</a>` : ''}</li>`;
}

function milestoneList(incident: Incident): Html {
  return html`<dl class="facts incident-milestones">${MILESTONES.map((m) => {
    const at = incident.milestones[m];
    return html`<dt>${MILESTONE_LABELS[m]}</dt><dd>${at ? timestamp(at) : html`<span class="muted">—</span>`}</dd>`;
  })}</dl>`;
}

function option(value: string, label: string, selected: string): Html {
  return html`<option value="${value}"${value === selected ? html` selected` : ''}>${label}</option>`;
}

/** The responders' forms: status and severity, and a note. The token comes in the form (no session to forge). */
function forms(incident: Incident, severities: readonly SeverityLevel[]): Html {
  return html`<form class="incident-form" method="post" action="status/"><fieldset><legend>Status and severity</legend>
<p class="form-row"><label for="incident-status">Status</label> <select id="incident-status" name="status">${MILESTONES.map((m) => option(m, MILESTONE_LABELS[m], incident.status))}</select></p>
<p class="form-row"><label for="incident-severity">Severity</label> <select id="incident-severity" name="severity">${severities.map((s) => option(s.name, `${s.name} — ${s.description}`, incident.severity))}</select></p>
<p class="form-row"><label for="incident-lead">Incident lead</label> <input id="incident-lead" name="lead" maxlength="${String(PERSON_MAX)}" value="${incident.roles.lead ?? ''}"></p>
<p class="form-row"><label for="status-token">Token with incidents:write</label> <input id="status-token" name="token" type="password" autocomplete="off" required maxlength="200"></p>
<p><button type="submit">Save</button></p>
</fieldset></form>
<form class="incident-form" method="post" action="notes/"><fieldset><legend>Add a note</legend>
<p class="form-row"><label for="note-body">Note (Markdown)</label> <textarea id="note-body" name="body" required maxlength="${String(NOTE_MAX)}" rows="3"></textarea></p>
<p class="form-row"><label for="note-by">Your name</label> <input id="note-by" name="by" required maxlength="${String(PERSON_MAX)}" autocomplete="name"></p>
<p class="form-row"><label for="note-token">Token with incidents:write</label> <input id="note-token" name="token" type="password" autocomplete="off" required maxlength="200"></p>
<p><button type="submit">Add note</button></p>
</fieldset></form>`;
}

/** Which part of a long timeline is shown, and the links to older entries and back to the newest. */
function timelinePaging(site: Site, view: IncidentView): Html | '' {
  const shown = view.timeline.length;
  if (shown === view.timelineTotal) return '';
  const pagePath = siteUrl(site, incidentPagePath(view.incident.id));
  const newestShown = (view.timelineOlder ?? 0) + shown;
  const links = [
    view.timelineOlder === null
      ? ''
      : html`<a href="${pagePath}?before=${String(view.timelineOlder)}#incident-timeline">Show older entries</a>`,
    newestShown >= view.timelineTotal ? '' : html`<a href="${pagePath}#incident-timeline">Back to the newest</a>`,
  ].filter((l) => l !== '');
  const from = newestShown - shown + 1;
  return html`<p class="timeline-paging">Entries ${String(from)}–${String(newestShown)} of ${String(view.timelineTotal)}, counted from the oldest.${links.map((l) => html` ${l}`)}</p>`;
}

/** The incident page: what it is, who leads it, its milestones, suspects with one-click links, and the timeline on one axis. */
export function incidentPage(site: Site, view: IncidentView, severities: readonly SeverityLevel[]): Html {
  const { incident } = view;
  const severity = severities.find((s) => s.name === incident.severity);
  return layout({
    site,
    title: `#${incident.id} ${incident.title}`,
    crumbs: [{ label: 'Incidents', href: siteUrl(site, INCIDENTS_PATH) }, { label: `#${incident.id}` }],
    main: html`<h1 class="incident-title">${incident.title}</h1>
<p class="lede">${severityBadge(incident.severity)} ${statusBadge(incident)} Incident #${String(incident.id)}${severity ? html` — ${severity.description}` : ''}</p>
<p><a href="${siteUrl(site, `${INCIDENTS_PATH}${String(incident.id)}/postmortem/`)}">Post-mortem and action items</a></p>
<div class="entity-grid">
${section(
  'incident-facts',
  'At a glance',
  html`<dl class="facts">
<dt>Affected services</dt><dd><ul class="plain">${incident.services.map((ref) => html`<li>${entityLink(site, { ref, title: refName(ref) })}</li>`)}</ul></dd>
<dt>Incident lead</dt><dd>${incident.roles.lead ?? 'nobody yet'}</dd>
<dt>Communications</dt><dd>${incident.roles.communications ?? 'nobody yet'}</dd>
<dt>Time to acknowledge</dt><dd>${duration(view.mttaSeconds)}</dd>
<dt>Time to resolve</dt><dd>${duration(view.mttrSeconds)}</dd>
<dt>Linked deployment (DORA)</dt><dd>${incident.linkedDeployment ? html`change #${String(incident.linkedDeployment.id)} of ${refName(incident.linkedDeployment.service)}, ${timestamp(incident.linkedDeployment.at)}` : 'none'}</dd>
<dt>Declared by</dt><dd>${incident.declaredBy}, ${timestamp(incident.createdAt)}</dd>
</dl>
${incident.customerImpact ? html`<h3>Customer impact</h3><p class="incident-impact">${incident.customerImpact}</p>` : ''}`,
)}
${section(
  'incident-suspects',
  'Suspected changes',
  view.suspects.length > 0
    ? html`<ol class="suspects">${view.suspects.map((s) => suspectItem(site, s))}</ol>`
    : emptyNote('No change to an affected service, its dependencies or their flags in the window before the start.'),
)}
${section('incident-milestones', 'Milestones', milestoneList(incident))}
${section('incident-respond', 'Respond', forms(incident, severities))}
</div>
<section class="card card-wide incident-timeline" aria-labelledby="incident-timeline"><h2 id="incident-timeline">Timeline</h2>
<p class="muted">From ${timestamp(view.window.from)} (${String(incident.windowHours)} h before the start): changes of the affected services, their dependencies and flags, the milestones, edits and notes, oldest first.</p>
${timelinePaging(site, view)}
<ol class="timeline">${view.timeline.map((e) => timelineItem(site, e))}</ol>
</section>`,
  });
}

/** The answer to a form that changed nothing: what went wrong and the way back. */
export function incidentRefusedView(site: Site, back: string, message: string, hint: string): Html {
  return layout({
    site,
    title: 'Nothing was changed',
    crumbs: [{ label: 'Incidents', href: siteUrl(site, INCIDENTS_PATH) }, { label: 'Refused' }],
    main: html`<h1>Nothing was changed</h1><p class="lede">${message}</p><p>${hint}</p><p><a href="${back}">Back</a></p>`,
  });
}
