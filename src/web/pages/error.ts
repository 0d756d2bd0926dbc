import type { AtriumError } from '../../platform/errors.ts';
import { html, type Html } from '../html.ts';
import { layout } from '../layout.ts';
import { siteUrl, type Site } from '../site.ts';

/**
 * A page that failed to render, in HTML (a browser was asking for a page, not the API):
 * what went wrong, whether waiting helps, and that a saved offline copy may still open.
 */
export function errorView(site: Site, error: AtriumError, requestId: string): Html {
  const retry = error.category === 'retryable';
  const main = html`<h1>${retry ? 'The portal cannot answer right now' : 'This page could not be shown'}</h1>
<p class="lede">${error.message}</p>
<p>${error.hint}</p>
${retry ? html`<p>Reload in a few seconds. Runbooks and pages you opened before may still open from this browser's offline copy.</p>` : ''}
<p class="muted small">Request id <code>${requestId}</code> · <a href="${siteUrl(site, '')}">Home</a></p>`;
  return layout({ site, title: retry ? 'Temporarily unavailable' : 'Error', main });
}
