import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { AtriumError, toAtriumError } from '../platform/errors.ts';
import type { Logger } from '../platform/log.ts';
import { errorView } from '../web/pages/error.ts';
import type { App, AppEnv } from '../platform/http/app.ts';
import { PAGE_CSP } from '../web/csp.ts';
import { HTML_TYPE, type Portal } from './portal.ts';

/**
 * The portal on the live server: fingerprinted assets, the worker and manifest, the
 * offline list, the search index, and every page of the site map under the base path.
 * Registered after the API so `/api/...` never reaches the pages. Until there is a catalog
 * to show (`catalogLoading`), pages answer 503 "loading the catalog", never an empty portal.
 */
export function registerPortalRoutes(
  app: App,
  portal: Portal,
  logger: Logger,
  catalogLoading: () => Promise<boolean>,
): void {
  const base = portal.site.basePath;

  for (const [path, file] of portal.assets.files) {
    app.get(`${base}${path}`, (c) => {
      c.header('cache-control', file.immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
      if (path === 'sw.js') {
        c.header('service-worker-allowed', base);
        // A worker runs under its own script's CSP: the API's `default-src 'none'` would forbid its fetches.
        c.header('content-security-policy', PAGE_CSP);
      }
      return c.body(new Uint8Array(file.body), 200, { 'content-type': file.contentType });
    });
  }
  app.get(`${base}offline.json`, async (c) =>
    c.body(new Uint8Array(await portal.offlineManifest()), 200, {
      'content-type': 'application/json',
      'cache-control': 'no-cache',
    }),
  );
  app.get(`${base}search-index.json`, async (c) =>
    c.body(new Uint8Array(await portal.packedSearchIndex()), 200, { 'content-type': 'application/json' }),
  );

  const page = async (c: Context<AppEnv>) => {
    const url = new URL(c.req.url);
    if (!url.pathname.startsWith(base) || url.pathname.startsWith(`${base}api/`)) return c.notFound();
    c.header('content-security-policy', PAGE_CSP);
    let rendered: Awaited<ReturnType<Portal['page']>>;
    try {
      if (await catalogLoading()) throw CATALOG_LOADING;
      rendered = await portal.page(url.pathname.slice(base.length), url.search);
    } catch (err) {
      // A browser asked for a page: answer with one (an incident is exactly when the database may be down).
      const error = toAtriumError(err);
      const requestId = c.get('requestId');
      // Loading is expected at start-up and already logged by the sync: not worth a line per page.
      if (error !== CATALOG_LOADING) {
        logger[error.category === 'retryable' ? 'warn' : 'error'](
          { component: 'portal', requestId, path: url.pathname, status: error.status, err },
          `page failed: ${error.code}`,
        );
      }
      if (error.retryAfter) c.header('retry-after', String(error.retryAfter));
      c.header('cache-control', 'no-store');
      return c.body(errorView(portal.site, error, requestId).value, error.status as ContentfulStatusCode, {
        'content-type': HTML_TYPE,
      });
    }
    if (rendered.status === 301 && rendered.location) return c.redirect(rendered.location, 301);
    return c.body(new Uint8Array(rendered.body), rendered.status === 404 ? 404 : 200, { 'content-type': HTML_TYPE });
  };
  app.get('*', page);
}

/** The answer to every page while the first sync runs on an empty database. */
const CATALOG_LOADING = new AtriumError({
  category: 'retryable',
  code: 'catalog-loading',
  message: 'Atrium is loading the catalog',
  hint: 'The first sync of the catalog is running. This page reloads by itself when it is done.',
  retryAfter: 2,
});
