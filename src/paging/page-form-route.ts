import type { TokenService } from '../auth/service.ts';
import { refKey } from '../catalog/model.ts';
import { AtriumError } from '../platform/errors.ts';
import type { App } from '../platform/http/app.ts';
import { bodyLimit } from '../platform/http/body-limit.ts';
import { PAGE_CSP } from '../web/csp.ts';
import type { Site } from '../web/site.ts';
import { pageRefusedView } from './pages/page-view.ts';
import type { PagingService } from './service.ts';

/**
 * The Page form of a component's page (not part of the API): the token comes in the form,
 * as with the flag switch form, so there is no session to forge; a refusal is an HTML page
 * that says why. A page queued returns to the component page, which shows its status.
 */
export function registerPageFormRoute(app: App, paging: PagingService, tokens: TokenService, site: Site): void {
  app.post(
    '/catalog/:namespace/component/:name/page-oncall/',
    bodyLimit(16 * 1024, 'The Page form is a message of at most 1,000 characters and a name.'),
    async (c) => {
      const { namespace, name } = c.req.param();
      const ref = `component:${namespace}/${name}`.toLowerCase();
      const refuse = (status: 400 | 401 | 403 | 404 | 409 | 422, message: string, hint: string) =>
        c.body(pageRefusedView(site, ref, message, hint).value, status, {
          'content-type': 'text/html; charset=utf-8',
          'content-security-policy': PAGE_CSP,
        });
      const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
      const field = (n: string) => (typeof form[n] === 'string' ? (form[n] as string) : undefined);
      try {
        const principal = await tokens.authenticate(`Bearer ${field('token') ?? ''}`, 'pages:write');
        await paging.page(
          refKey({ kind: 'Component', namespace, name }),
          { message: field('message') ?? '', by: field('by') },
          principal.name,
        );
      } catch (err) {
        if (err instanceof AtriumError && err.category === 'user-fixable')
          return refuse(err.status as 400 | 401 | 403 | 404 | 409 | 422, err.message, err.hint);
        throw err;
      }
      return c.redirect(
        `${site.basePath}catalog/${encodeURIComponent(namespace.toLowerCase())}/component/${encodeURIComponent(name.toLowerCase())}/#page-oncall`,
        303,
      );
    },
  );
}
