import type { App } from '../platform/http/app.ts';
import { PAGE_CSP } from '../web/csp.ts';
import type { Html } from '../web/html.ts';
import type { Site } from '../web/site.ts';
import { POSTMORTEMS_PATH, dashboardView, postmortemPageView } from './pages/postmortem-pages.ts';
import type { PostmortemService } from './service.ts';

/** A page as the live portal answers it: never cached, under the portal's CSP. */
const page = (body: Html) =>
  new Response(body.value, {
    status: 200,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': PAGE_CSP,
      'cache-control': 'no-store',
    },
  });

/**
 * The post-mortem pages (live only: a static export has no post-mortems): the dashboard of
 * overdue action items and unreviewed post-mortems, and each incident's post-mortem.
 * Rendered per request: they are the database as it is now.
 */
export function registerPostmortemPages(app: App, postmortems: PostmortemService, site: Site): void {
  app.get(`${site.basePath}${POSTMORTEMS_PATH}`, async () => {
    const [overdue, unreviewed] = await Promise.all([postmortems.items({ overdue: true }), postmortems.unreviewed()]);
    return page(dashboardView(site, { overdue, unreviewed, unreviewedDays: postmortems.settings.unreviewedDays }));
  });
  app.get(`${site.basePath}incidents/:id{[0-9]{1,15}}/postmortem/`, async (c) =>
    page(postmortemPageView(site, await postmortems.page(c.req.param('id')))),
  );
}
