/**
 * The service worker's caches. The page script reads the page caches too (the offline
 * page lists what they hold), so both take the names from here.
 */
const VERSION = 'atrium-v2';
export const CACHE_VERSION = VERSION;
/** Visited pages: bounded, oldest dropped first. */
export const PAGES_CACHE = `${VERSION}-pages`;
/** Runbooks, the home and offline pages and the search index, from the site's offline list: refreshed hourly. */
export const PINNED_CACHE = `${VERSION}-pinned`;
export const ASSETS_CACHE = `${VERSION}-assets`;
