import { html, type Html } from '../../web/html.ts';
import { layout } from '../../web/layout.ts';
import { entityPath, siteUrl, type Site } from '../../web/site.ts';

/** The answer to a switch made from a flag's page when it could not be made: what went wrong and what to do, with the way back. */
export function switchRefusedView(site: Site, flagRef: string, message: string, hint: string): Html {
  const back = siteUrl(site, entityPath(flagRef));
  return layout({
    site,
    title: 'The switch was not made',
    section: 'catalog',
    crumbs: [
      { label: 'Catalog', href: siteUrl(site, 'catalog/') },
      { label: flagRef, href: back },
      { label: 'Switch' },
    ],
    main: html`<h1>The switch was not made</h1><p class="lede">${message}</p><p>${hint}</p><p><a href="${back}">Back to the flag</a></p>`,
  });
}
