import { html, type Html } from '../html.ts';
import { layout } from '../layout.ts';
import { siteUrl, type Site } from '../site.ts';

/**
 * What the service worker shows for a page it has not saved while the portal cannot be
 * reached. The list of what is saved is on this device only, so the page script fills it
 * from the worker's caches (`data-saved-pages`); without the script the page still says why.
 */
export function offlineView(site: Site): Html {
  const main = html`<h1>This page is not saved on this device</h1>
<p class="lede">The portal cannot be reached, and this page was never opened here. These pages were, and can be read now:</p>
<div data-saved-pages><p class="muted">Listing the saved pages…</p></div>
<p><a href="${siteUrl(site, '')}">Home</a> (saved on every device that has opened the portal)</p>`;
  return layout({ site, title: 'Offline', main });
}
