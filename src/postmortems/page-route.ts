import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { TokenService } from '../auth/service.ts';
import { incidentRefusedView } from '../incidents/pages/incident-view.ts';
import { AtriumError } from '../platform/errors.ts';
import type { App } from '../platform/http/app.ts';
import { bodyLimit } from '../platform/http/body-limit.ts';
import { PAGE_CSP } from '../web/csp.ts';
import type { Html } from '../web/html.ts';
import { type Site, siteUrl } from '../web/site.ts';
import { postmortemPath } from './pages/action-items-table.ts';
import { POSTMORTEMS_PATH, dashboardView, postmortemPageView } from './pages/postmortem-pages.ts';
import type { PostmortemService } from './service.ts';

/** A page as the live portal answers it: never cached, under the portal's CSP. */
const page = (body: Html, status = 200) =>
  new Response(body.value, {
    status,
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
/** A post-mortem form is a few fields, or the whole post-mortem. */
const FORM_BYTES = 300 * 1024;
type FormFields = Record<string, string | File | (string | File)[]>;
const text = (form: FormFields, name: string): string | undefined => {
  const value = form[name];
  return typeof value === 'string' ? value : undefined;
};

/** Overdue items the dashboard shows a page (the next ones a link away). */
const DASHBOARD_ROWS = 200;

export function registerPostmortemPages(
  app: App,
  postmortems: PostmortemService,
  tokens: TokenService,
  site: Site,
): void {
  app.get(`${site.basePath}${POSTMORTEMS_PATH}`, async (c) => {
    const after = c.req.query('after');
    const [overdue, unreviewed] = await Promise.all([
      postmortems.itemsPage(
        { overdue: true },
        DASHBOARD_ROWS,
        after && /^\d{1,15}$/.test(after) ? Number(after) : undefined,
      ),
      postmortems.unreviewed(),
    ]);
    return page(
      dashboardView(site, {
        overdue: overdue.items,
        next: overdue.next,
        paged: after !== undefined,
        unreviewed,
        unreviewedDays: postmortems.settings.unreviewedDays,
      }),
    );
  });
  app.get(`${site.basePath}incidents/:id{[0-9]{1,15}}/postmortem/`, async (c) =>
    page(postmortemPageView(site, await postmortems.page(c.req.param('id')))),
  );

  /**
   * Runs a form's change with the token it carries and goes back to the post-mortem; a
   * refusal (a fourth item, no owner, the author reviewing) is a page that says why, and
   * nothing is changed.
   */
  const form = (action: string, act: (fields: FormFields, principal: string, id: string) => Promise<unknown>) =>
    app.post(
      `${site.basePath}incidents/:id{[0-9]{1,15}}/postmortem/${action}/`,
      bodyLimit(FORM_BYTES, 'A post-mortem is at most 256 KiB of Markdown.'),
      async (c: Context) => {
        const id = c.req.param('id') ?? '';
        const back = siteUrl(site, postmortemPath(id));
        const fields = (await c.req.parseBody({ all: true }).catch(() => ({}))) as FormFields;
        try {
          const principal = await tokens.authenticate(`Bearer ${text(fields, 'token') ?? ''}`, 'incidents:write');
          await act(fields, principal.name, id);
          return c.redirect(back, 303);
        } catch (err) {
          if (err instanceof AtriumError && err.category === 'user-fixable')
            return page(incidentRefusedView(site, back, err.message, err.hint), err.status as ContentfulStatusCode);
          throw err;
        }
      },
    );
  form('actions', (f, principal, id) =>
    postmortems.addItem(
      id,
      {
        title: text(f, 'title'),
        owner: text(f, 'owner'),
        deadline: text(f, 'deadline'),
        type: text(f, 'type'),
        ticket: text(f, 'ticket'),
      },
      principal,
      'form:postmortem-actions',
      undefined,
    ),
  );
  form('deprioritise', async (f, principal, id) => {
    const item = (await postmortems.view(id)).items.find((i) => String(i.id) === text(f, 'item'));
    if (!item)
      throw new AtriumError({
        category: 'user-fixable',
        code: 'action-item-not-found',
        status: 404,
        message: `Incident ${id} has no such action item`,
        hint: 'Choose one of the items listed.',
      });
    return postmortems.deprioritise(item.id, text(f, 'reason'), principal);
  });
  form('publish', (f, principal, id) =>
    postmortems.publish(id, text(f, 'markdown') ?? '', principal, 'form:postmortem-publish', undefined),
  );
  form('review', (_f, principal, id) => postmortems.review(id, principal));
}
