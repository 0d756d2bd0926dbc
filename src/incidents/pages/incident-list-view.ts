import { emptyNote, entityLink, refName, timestamp } from '../../web/components.ts';
import { html, type Html } from '../../web/html.ts';
import { layout } from '../../web/layout.ts';
import { type Site, siteUrl } from '../../web/site.ts';
import { type Incident, MILESTONES, type SeverityLevel } from '../model.ts';
import { INCIDENTS_PATH, incidentPagePath, severityBadge, statusBadge } from './incident-view.ts';

export interface IncidentListFilter {
  team?: string;
  severity?: string;
  status?: string;
  since?: string;
}

/** A row of a list of incidents (the list page, the home card, the team's card). */
export function incidentRow(site: Site, incident: Incident): Html {
  return html`<tr>
<td data-label="Incident"><a href="${siteUrl(site, incidentPagePath(incident.id))}">#${String(incident.id)} ${incident.title}</a></td>
<td data-label="Severity">${severityBadge(incident.severity)}</td>
<td data-label="Status">${statusBadge(incident)}</td>
<td data-label="Services">${incident.services.slice(0, 3).map((ref, i) => html`${i > 0 ? ', ' : ''}${entityLink(site, { ref, title: refName(ref) })}`)}${incident.services.length > 3 ? html` and ${String(incident.services.length - 3)} more` : ''}</td>
<td data-label="Started">${incident.milestones.started ? timestamp(incident.milestones.started) : ''}</td>
</tr>`;
}

export function incidentTable(site: Site, incidents: readonly Incident[], caption: string): Html {
  return html`<div class="table-scroll"><table class="incidents"><caption class="visually-hidden">${caption}</caption>
<thead><tr><th scope="col">Incident</th><th scope="col">Severity</th><th scope="col">Status</th><th scope="col">Services</th><th scope="col">Started</th></tr></thead>
<tbody>${incidents.map((i) => incidentRow(site, i))}</tbody></table></div>`;
}

function option(value: string, label: string, selected: string | undefined): Html {
  return html`<option value="${value}"${value === (selected ?? '') ? html` selected` : ''}>${label}</option>`;
}

/** The incident list: open ones first, filtered by team, severity, status and start. */
export function incidentListPage(
  site: Site,
  incidents: readonly Incident[],
  filter: IncidentListFilter,
  severities: readonly SeverityLevel[],
  teams: readonly string[],
): Html {
  return layout({
    site,
    title: 'Incidents',
    crumbs: [{ label: 'Incidents' }],
    main: html`<h1>Incidents</h1>
<p class="lede">Open incidents first, then the latest started. Declare one from a service's page, with <code>atrium incident declare</code> or the API.</p>
<form class="filters incident-filters" method="get" action="${siteUrl(site, INCIDENTS_PATH)}">
<p class="form-row"><label for="filter-team">Team</label> <select id="filter-team" name="team">${option('', 'Any team', filter.team)}${teams.map((t) => option(t, refName(t), filter.team))}</select></p>
<p class="form-row"><label for="filter-severity">Severity</label> <select id="filter-severity" name="severity">${option('', 'Any severity', filter.severity)}${severities.map((s) => option(s.name, s.name, filter.severity))}</select></p>
<p class="form-row"><label for="filter-status">Status</label> <select id="filter-status" name="status">${option('', 'Any status', filter.status)}${MILESTONES.map((m) => option(m, m, filter.status))}</select></p>
<p class="form-row"><label for="filter-since">Started after</label> <input id="filter-since" name="since" type="date" value="${filter.since ?? ''}"></p>
<p><button type="submit">Filter</button></p>
</form>
${incidents.length > 0 ? incidentTable(site, incidents, 'Incidents, open first') : emptyNote('No incident matches.')}`,
  });
}
