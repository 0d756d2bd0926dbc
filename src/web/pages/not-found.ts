import { html, type Html } from '../html.ts';
import { layout } from '../layout.ts';
import { siteUrl, type Site } from '../site.ts';

/**
 * A 404 that helps: says what was asked for and offers search with the words of the path.
 * Without a path (the static export's 404.html, served for any missing file) it says so
 * in general terms.
 */
export function notFoundView(site: Site, path?: string): Html {
  const guess = decodeSafely(path ?? '')
    .split(/[/_.-]+/)
    .filter(
      (w) =>
        /^[\p{L}\p{N}]{2,}$/u.test(w) &&
        ![
          'catalog',
          'default',
          'component',
          'api',
          'group',
          'user',
          'system',
          'domain',
          'resource',
          'docs',
          'browse',
        ].includes(w.toLowerCase()),
    )
    .slice(-3)
    .join(' ');
  const main = html`<h1>Page not found</h1>
<p class="lede">${path === undefined ? 'Nothing lives at this address.' : html`Nothing lives at <code>/${path}</code>.`} It may have been renamed or removed from the catalog.</p>
<form class="hero-search" method="get" action="${siteUrl(site, 'search/')}" role="search">
<label for="nf-q">Search instead</label>
<div class="inline-form"><input id="nf-q" name="q" type="search" value="${guess}" autocomplete="off" maxlength="200"><button type="submit">Search</button></div>
</form>
<p><a href="${siteUrl(site, '')}">Home</a> · <a href="${siteUrl(site, 'catalog/')}">Browse the catalog</a></p>`;
  return layout({ site, title: 'Page not found', main });
}

function decodeSafely(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}
