import type { AtriumError } from '../../platform/errors.ts';
import { html, type Html } from '../html.ts';
import { layout } from '../layout.ts';
import { siteUrl, type Site } from '../site.ts';

/**
 * A page that failed to render, in HTML (a browser was asking for a page, not the API):
 * what went wrong, whether waiting helps, and that a saved offline copy may still open.
 */
export function errorView(site: Site, error: AtriumError, requestId: string): Html {
  if (error.code === 'overloaded') return busyView(site, error, requestId);
  const retry = error.category === 'retryable';
  const loading = error.code === 'catalog-loading';
  const heading = loading
    ? 'Loading the catalog'
    : retry
      ? 'The portal cannot answer right now'
      : 'This page could not be shown';
  // The portal's script reloads the page after `data-reload-after` seconds (no meta refresh: it cannot be paused).
  const main = html`<h1>${heading}</h1>
<p class="lede">${error.message}</p>
<p${loading ? html` data-reload-after="${String(error.retryAfter ?? 2)}"` : ''}>${error.hint}</p>
${retry && !loading ? html`<p>Reload in a few seconds. Runbooks and pages you opened before may still open from this browser's offline copy.</p>` : ''}
<p class="muted small">Request id <code>${requestId}</code> · <a href="${siteUrl(site, '')}">Home</a></p>`;
  return layout({ site, title: loading ? heading : retry ? 'Temporarily unavailable' : 'Error', main });
}

/**
 * The page a browser gets when the server sheds load (503 + Retry-After): short, since it
 * is sent by the thousand, and it tries again by itself after Retry-After seconds (the
 * portal's script, as for the loading page). The status is announced politely so a
 * screen reader says it once, not on every retry.
 */
function busyView(site: Site, error: AtriumError, requestId: string): Html {
  const seconds = String(error.retryAfter ?? 1);
  const main = html`<h1>The portal is busy</h1>
<p class="lede" role="status">Too many pages are being prepared at once. This page tries again by itself in ${seconds} ${seconds === '1' ? 'second' : 'seconds'}.</p>
<p data-reload-after="${seconds}">Nothing is lost by waiting; reload to try again now.</p>
<p class="muted small">Request id <code>${requestId}</code> · <a href="${siteUrl(site, '')}">Home</a></p>`;
  return layout({ site, title: 'Busy, retrying', main });
}
