import type { App } from '../platform/http/app.ts';
import { PAGE_CSP } from '../web/csp.ts';
import type { Site } from '../web/site.ts';
import { RUNNERS_PATH, runnersView } from './pages/runners-view.ts';
import type { RunnerService } from './service.ts';

/** The Runners page (live only: a static export has no runners). Rendered per request: it is the runners as they are now. */
export function registerRunnersPage(app: App, runners: RunnerService, site: Site): void {
  app.get(`${site.basePath}${RUNNERS_PATH}`, async (c) => {
    const html = runnersView(site, await runners.runners());
    return c.body(html.value, 200, {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': PAGE_CSP,
      'cache-control': 'no-store',
    });
  });
}
