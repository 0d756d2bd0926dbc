import { refName, section, timestamp } from '../../web/components.ts';
import { html, type Html } from '../../web/html.ts';
import { type Site, siteUrl } from '../../web/site.ts';
import { type Incident, PERSON_MAX, type SeverityLevel, TITLE_MAX } from '../model.ts';
import { incidentTable } from './incident-list-view.ts';
import { INCIDENTS_PATH, incidentPagePath, severityBadge, statusBadge } from './incident-view.ts';

/** The banner at the top of a service's page while an incident affecting it is open. */
export function openIncidentBanner(site: Site, incidents: readonly Incident[]): Html {
  return html`<section class="card card-wide card-incident incident-banner" aria-labelledby="open-incident">
<h2 id="open-incident">${incidents.length === 1 ? 'Open incident' : `${incidents.length} open incidents`}</h2>
<ul class="plain">${incidents.map(
    (i) =>
      html`<li>${severityBadge(i.severity)} ${statusBadge(i)} <a href="${siteUrl(site, incidentPagePath(i.id))}">#${String(i.id)} ${i.title}</a> <span class="muted">since ${timestamp(i.milestones.started ?? i.createdAt)}${i.roles.lead ? html`, led by ${i.roles.lead}` : ''}</span></li>`,
  )}</ul></section>`;
}

export interface DeclareCardData {
  severities: readonly SeverityLevel[];
  /** What depends on the service (the blast radius upwards), offered as affected too. */
  dependents: readonly string[];
}

/**
 * The declare form of a service's page: a severity (the form's first field), a title and
 * the token; what depends on the service is offered as affected too. Two keystrokes and
 * a title: the severity is preselected at the scale's middle.
 */
export function declareCard(data: DeclareCardData): Html {
  const middle = data.severities[Math.floor((data.severities.length - 1) / 2)]?.name;
  return section(
    'declare-incident',
    'Declare an incident',
    html`<form class="incident-form" method="post" action="declare-incident/"><fieldset><legend>Declare an incident on this service</legend>
<p class="form-row"><label for="declare-severity">Severity</label> <select id="declare-severity" name="severity">${data.severities.map((s) => html`<option value="${s.name}"${s.name === middle ? html` selected` : ''}>${s.name} — ${s.description}</option>`)}</select></p>
<p class="form-row"><label for="declare-title">What is wrong</label> <input id="declare-title" name="title" required maxlength="${String(TITLE_MAX)}"></p>
${
  data.dependents.length > 0
    ? html`<fieldset class="declare-also"><legend>Also affected (what depends on it)</legend>${data.dependents.map(
        (ref, i) =>
          html`<p class="form-row"><input type="checkbox" id="declare-also-${String(i)}" name="also" value="${ref}"> <label for="declare-also-${String(i)}">${refName(ref)}</label></p>`,
      )}</fieldset>`
    : ''
}
<p class="form-row"><label for="declare-lead">Incident lead</label> <input id="declare-lead" name="lead" maxlength="${String(PERSON_MAX)}" autocomplete="name"></p>
<p class="form-row"><label for="declare-token">Token with incidents:write</label> <input id="declare-token" name="token" type="password" autocomplete="off" required maxlength="200"></p>
<p><button type="submit">Declare</button></p>
</fieldset></form>`,
  );
}

/** The home page's and a team page's open incidents, worst first as the list orders them. */
export function openIncidentsCard(site: Site, incidents: readonly Incident[], id: string): Html {
  return html`<section class="card card-wide card-incident" aria-labelledby="${id}"><h2 id="${id}">Open incidents</h2>
${incidentTable(site, incidents, 'Open incidents')}
<p><a href="${siteUrl(site, INCIDENTS_PATH)}">Every incident</a></p></section>`;
}
