import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { TokenService } from '../auth/service.ts';
import type { CatalogReader } from '../catalog/reader.ts';
import { refKey } from '../platform/entity-ref.ts';
import { AtriumError } from '../platform/errors.ts';
import type { App } from '../platform/http/app.ts';
import { bodyLimit } from '../platform/http/body-limit.ts';
import { PAGE_CSP } from '../web/csp.ts';
import type { Html } from '../web/html.ts';
import { type Site, siteUrl } from '../web/site.ts';
import { isMilestone } from './model.ts';
import { type IncidentListFilter, incidentListPage } from './pages/incident-list-view.ts';
import { INCIDENTS_PATH, incidentPagePath, incidentPage, incidentRefusedView } from './pages/incident-view.ts';
import type { IncidentService } from './service.ts';
import type { IncidentFilter } from './store.ts';

/** Rows the list page shows. */
const LIST_ROWS = 200;
/** Timeline entries an incident page shows at once (the newest; older ones a link away): 10,000 took 250 ms to render. */
export const TIMELINE_PAGE_ENTRIES = 200;
/** A form is a few fields and a note of at most 20,000 characters. */
const FORM_BYTES = 128 * 1024;

const HTML_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': PAGE_CSP,
  'cache-control': 'no-store',
};

type FormFields = Record<string, string | File | (string | File)[]>;
const text = (form: FormFields, name: string): string | undefined => {
  const value = form[name];
  return typeof value === 'string' ? value : undefined;
};
const texts = (form: FormFields, name: string): string[] => {
  const value = form[name];
  return (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === 'string');
};

/**
 * The incident pages (live only: a static export has no incidents), rendered for each
 * request: the list, an incident's page, and the forms of the incident page and the
 * service page. Forms carry their token (as the Page form does), so there is no session
 * to forge; a refusal is a page that says why, and nothing is changed.
 */
export function registerIncidentPages(
  app: App,
  incidents: IncidentService,
  tokens: TokenService,
  catalog: Pick<CatalogReader, 'facetCounts'>,
  site: Site,
): void {
  const page = (c: Context, html: Html, status: ContentfulStatusCode = 200) => c.body(html.value, status, HTML_HEADERS);

  app.get(`${site.basePath}${INCIDENTS_PATH}`, async (c) => {
    // A filter the page does not offer is ignored, as the portal ignores what it does not read.
    const shown: IncidentListFilter = {};
    const filter: IncidentFilter = {};
    const team = c.req.query('team');
    if (team && /^group:[^\s]{1,250}$/.test(team)) filter.team = shown.team = team;
    const severity = c.req.query('severity');
    if (severity && incidents.severities.some((s) => s.name === severity)) filter.severity = shown.severity = severity;
    const status = c.req.query('status');
    if (status && isMilestone(status)) filter.status = shown.status = status;
    const since = c.req.query('since');
    if (since && /^\d{4}-\d\d-\d\d$/.test(since) && !Number.isNaN(Date.parse(since))) {
      shown.since = since;
      filter.since = new Date(since).toISOString();
    }
    const [list, owners] = await Promise.all([incidents.list(filter, LIST_ROWS), catalog.facetCounts('owner')]);
    const teams = owners.map((o) => o.value).filter((v) => v.startsWith('group:'));
    return page(c, incidentListPage(site, list, shown, incidents.severities, teams));
  });

  app.get(`${site.basePath}${INCIDENTS_PATH}:id{[0-9]{1,15}}/`, async (c) => {
    const before = c.req.query('before');
    const view = await incidents.view(Number(c.req.param('id')), {
      limit: TIMELINE_PAGE_ENTRIES,
      before: before && /^\d{1,6}$/.test(before) ? Number(before) : undefined,
    });
    if (!view) return c.notFound();
    return page(c, incidentPage(site, view, incidents.severities));
  });

  /** Runs a form's change with its token; a user-fixable refusal is a page saying why. */
  const form = (
    path: string,
    scope: 'incidents:write',
    act: (form: FormFields, principal: string, params: Record<string, string>) => Promise<string>,
  ) =>
    app.post(
      path,
      bodyLimit(FORM_BYTES, 'An incident form is a few fields and a note of at most 20,000 characters.'),
      async (c) => {
        const fields = (await c.req.parseBody({ all: true }).catch(() => ({}))) as FormFields;
        const back = c.req.path.replace(/[^/]+\/$/, '');
        try {
          const principal = await tokens.authenticate(`Bearer ${text(fields, 'token') ?? ''}`, scope);
          return c.redirect(await act(fields, principal.name, c.req.param()), 303);
        } catch (err) {
          if (err instanceof AtriumError && err.category === 'user-fixable')
            return page(c, incidentRefusedView(site, back, err.message, err.hint), err.status as ContentfulStatusCode);
          throw err;
        }
      },
    );

  form(
    `${site.basePath}${INCIDENTS_PATH}:id{[0-9]{1,15}}/notes/`,
    'incidents:write',
    async (fields, principal, { id }) => {
      await incidents.addNote(Number(id), text(fields, 'body') ?? '', text(fields, 'by')?.trim() || principal);
      return `${siteUrl(site, incidentPagePath(Number(id)))}#incident-timeline`;
    },
  );

  form(
    `${site.basePath}${INCIDENTS_PATH}:id{[0-9]{1,15}}/status/`,
    'incidents:write',
    async (fields, principal, { id }) => {
      const status = text(fields, 'status');
      const lead = text(fields, 'lead')?.trim();
      await incidents.update(
        Number(id),
        {
          ...(status && isMilestone(status) ? { status } : {}),
          ...(text(fields, 'severity') ? { severity: text(fields, 'severity') } : {}),
          ...(lead !== undefined ? { roles: { lead: lead === '' ? null : lead } } : {}),
        },
        principal,
      );
      return siteUrl(site, incidentPagePath(Number(id)));
    },
  );

  form(
    `${site.basePath}catalog/:namespace/component/:name/declare-incident/`,
    'incidents:write',
    async (fields, principal, { namespace, name }) => {
      const ref = refKey({ kind: 'component', namespace: namespace ?? '', name: name ?? '' });
      const lead = text(fields, 'lead')?.trim();
      const { incident } = await incidents.declare(
        {
          service: ref,
          severity: text(fields, 'severity') ?? '',
          title: text(fields, 'title') ?? '',
          ...(lead ? { lead } : {}),
          services: texts(fields, 'also'),
        },
        principal,
      );
      return siteUrl(site, incidentPagePath(incident.id));
    },
  );
}
