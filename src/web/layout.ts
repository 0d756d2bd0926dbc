import { html, trusted, type Html, type HtmlValue } from './html.ts';
import { OFFLINE_NOTE_PLACEHOLDER } from './offline-note.ts';
import { assetUrl, siteUrl, type Site } from './site.ts';

export interface Crumb {
  label: string;
  href?: string;
}

export interface PageShell {
  site: Site;
  /** The document title before " · Atrium". */
  title: string;
  description?: string;
  /** Which top navigation item is current. */
  section?: 'home' | 'catalog' | 'problems' | 'search';
  crumbs?: Crumb[];
  main: HtmlValue;
  /** Cached offline by the service worker ahead of any visit (runbooks). */
  offlinePriority?: boolean;
}

const NAV: { section: NonNullable<PageShell['section']>; label: string; path: string }[] = [
  { section: 'home', label: 'Home', path: '' },
  { section: 'catalog', label: 'Catalog', path: 'catalog/' },
  { section: 'problems', label: 'Problems', path: 'problems/' },
  { section: 'search', label: 'Search', path: 'search/' },
];

/**
 * The document every page shares: skip link, banner with navigation and the command
 * palette's button, breadcrumbs, one `main`, and a footer. No inline script or style: the
 * Content-Security-Policy forbids both, and reading needs no script at all.
 */
export function layout(shell: PageShell): Html {
  const { site } = shell;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${shell.title} · Atrium</title>
${shell.description ? html`<meta name="description" content="${shell.description}">` : ''}
<meta name="color-scheme" content="light dark">
<meta name="atrium-base" content="${site.basePath}">
<meta name="atrium-mode" content="${site.mode}">
${shell.offlinePriority ? html`<meta name="atrium-offline" content="priority">` : ''}
<link rel="stylesheet" href="${assetUrl(site, 'site.css')}">
<link rel="manifest" href="${siteUrl(site, 'manifest.webmanifest')}">
<link rel="icon" href="${assetUrl(site, 'icon.svg')}" type="image/svg+xml">
<script type="module" src="${assetUrl(site, 'app.js')}"></script>
</head>
<body>
<a class="skip-link" href="#main">Skip to content</a>
<header class="banner">
<div class="banner-inner">
<a class="brand" href="${siteUrl(site, '')}"><img src="${assetUrl(site, 'icon.svg')}" alt="" width="20" height="20"> Atrium</a>
<nav aria-label="Main">
<ul class="nav">
${NAV.map((item) => html`<li><a href="${siteUrl(site, item.path)}"${item.section === shell.section ? html` aria-current="page"` : ''}>${item.label}</a></li>`)}
</ul>
</nav>
<button type="button" class="palette-open" data-palette-open hidden aria-haspopup="dialog">Search <kbd>/</kbd></button>
</div>
</header>
${trusted(OFFLINE_NOTE_PLACEHOLDER)}
${shell.crumbs?.length ? breadcrumbs(shell.crumbs) : ''}
<main id="main" tabindex="-1">
${shell.main}
</main>
<footer class="footer"><p>Atrium · the catalog as the repositories describe it · <a href="${siteUrl(site, 'problems/')}">catalog problems</a>${site.mode === 'live' ? html` · <a href="${siteUrl(site, 'incidents/')}">incidents</a> · <a href="${siteUrl(site, 'notifications/')}">notifications</a> · <a href="${siteUrl(site, 'runners/')}">runners</a>` : ''} <button type="button" class="link-button" data-utc-toggle aria-pressed="false" hidden>Show times in UTC</button></p></footer>
</body>
</html>
`;
}

function breadcrumbs(crumbs: Crumb[]): Html {
  return html`<nav class="crumbs" aria-label="Breadcrumb"><ol>${crumbs.map((c, i) =>
    i === crumbs.length - 1 || !c.href
      ? html`<li><span aria-current="${i === crumbs.length - 1 ? 'page' : 'false'}">${c.label}</span></li>`
      : html`<li><a href="${c.href}">${c.label}</a></li>`,
  )}</ol></nav>`;
}
