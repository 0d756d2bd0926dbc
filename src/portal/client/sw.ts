import { OFFLINE_NOTE_PLACEHOLDER, OFFLINE_PAGE_PATH, offlineNote } from '../../web/offline-note.ts';
import {
  ASSETS_CACHE as ASSETS,
  CACHE_VERSION as VERSION,
  PAGES_CACHE as PAGES,
  PINNED_CACHE as PINNED,
} from './cache-names.ts';

/**
 * The service worker: keeps runbooks (ahead of any visit) and visited pages readable when
 * the portal cannot be reached. Pages are network-first, so an engineer online always
 * sees the live catalog; offline, or when the portal answers with a server error, the
 * saved copy is served with a note saying how old it is, and a page never saved gets the
 * offline page (which lists what is). Assets are fingerprinted, so cache-first is always
 * right for them.
 */

// Only what this worker uses of the ServiceWorker API (the project compiles against the DOM lib).
interface ExtendableEvent extends Event {
  waitUntil(promise: Promise<unknown>): void;
}
interface FetchEvent extends ExtendableEvent {
  request: Request;
  respondWith(response: Promise<Response>): void;
}
interface WorkerScope {
  registration: { scope: string };
  skipWaiting(): Promise<void>;
  clients: { claim(): Promise<void>; matchAll(options: { type: 'window' }): Promise<{ url: string }[]> };
  addEventListener(type: 'install' | 'activate', listener: (event: ExtendableEvent) => void): void;
  addEventListener(type: 'fetch', listener: (event: FetchEvent) => void): void;
}
declare const self: WorkerScope;

const SAVED_AT = 'x-atrium-saved-at';
const MAX_PAGES = 300;
const REFRESH_MS = 60 * 60 * 1000;
const PARALLEL = 4;

const scope = new URL(self.registration.scope);
let lastRefresh = 0;

async function save(cacheName: string, request: Request | string, response: Response): Promise<void> {
  const headers = new Headers(response.headers);
  headers.set(SAVED_AT, new Date().toISOString());
  const body = await response.clone().arrayBuffer();
  const cache = await caches.open(cacheName);
  await cache.put(request, new Response(body, { status: response.status, statusText: response.statusText, headers }));
  if (cacheName === PAGES) {
    const keys = await cache.keys();
    for (const old of keys.slice(0, Math.max(0, keys.length - MAX_PAGES))) await cache.delete(old);
  }
}

/** Saves the offline list's pages and assets, and drops assets of earlier deploys. */
async function refreshPinned(): Promise<void> {
  lastRefresh = Date.now();
  const manifest = await fetch(new URL('offline.json', scope), { cache: 'no-store' });
  if (!manifest.ok) return;
  const { assets, pages } = (await manifest.json()) as { assets: string[]; pages: string[] };
  const assetUrls = new Set(assets.map((a) => new URL(a, scope).href));
  const assetCache = await caches.open(ASSETS);
  await assetCache.addAll([...assetUrls]);
  for (const old of await assetCache.keys()) if (!assetUrls.has(old.url)) await assetCache.delete(old);
  // The search index too: the palette ranks against it when the search API cannot be reached.
  const queue = [...pages, 'search-index.json'].map((p) => new URL(p, scope).href);
  await Promise.all(
    Array.from({ length: PARALLEL }, async () => {
      for (let url = queue.shift(); url !== undefined; url = queue.shift()) {
        const response = await fetch(url).catch(() => undefined);
        if (response?.ok) await save(PINNED, url, response);
      }
    }),
  );
}

async function savedCopy(request: Request, reason: 'offline' | 'unavailable'): Promise<Response | undefined> {
  const cached =
    (await caches.match(request, { cacheName: PAGES })) ?? (await caches.match(request, { cacheName: PINNED }));
  if (!cached) return undefined;
  const text = await cached.text();
  return new Response(text.replace(OFFLINE_NOTE_PLACEHOLDER, offlineNote(cached.headers.get(SAVED_AT) ?? '', reason)), {
    status: 200,
    headers: cached.headers,
  });
}

const isHtml = (response: Response) => (response.headers.get('content-type') ?? '').includes('text/html');

/**
 * The pages open when the worker took control were loaded before it could save them
 * (the first page a person opens, usually): they are fetched again and saved now.
 */
async function saveOpenPages(): Promise<void> {
  for (const client of await self.clients.matchAll({ type: 'window' })) {
    const url = new URL(client.url);
    if (url.origin !== scope.origin || !url.pathname.startsWith(scope.pathname)) continue;
    url.hash = '';
    const response = await fetch(url.href).catch(() => undefined);
    if (response?.ok && isHtml(response)) await save(PAGES, url.href, response);
  }
}

/** The offline page for a page never saved, when the portal cannot answer; undefined if it was not saved either. */
async function offlinePage(): Promise<Response | undefined> {
  const saved = await caches.match(new URL(OFFLINE_PAGE_PATH, scope).href, { cacheName: PINNED });
  return saved && new Response(saved.body, { status: 503, headers: saved.headers });
}

async function page(event: FetchEvent): Promise<Response> {
  const { request } = event;
  let response: Response;
  try {
    response = await fetch(request);
  } catch (err) {
    const copy = (await savedCopy(request, 'offline')) ?? (await offlinePage());
    if (copy) return copy;
    throw err;
  }
  if (response.status >= 500) {
    const copy = await savedCopy(request, 'unavailable');
    if (copy) return copy;
    // A server that says when to come back (Retry-After: loading the catalog) knows better than the list.
    return (response.headers.has('retry-after') ? undefined : await offlinePage()) ?? response;
  }
  if (response.ok && isHtml(response)) {
    // Saving must never stand between the engineer and the live page.
    event.waitUntil(save(PAGES, request, response).catch(() => undefined));
    if (Date.now() - lastRefresh > REFRESH_MS) event.waitUntil(refreshPinned().catch(() => undefined));
  }
  return response;
}

async function asset(request: Request): Promise<Response> {
  const cached = await caches.match(request, { cacheName: ASSETS });
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok) await (await caches.open(ASSETS)).put(request, response.clone());
  return response;
}

/** The static export's search index: network-first, so search still works offline. */
async function searchIndex(request: Request): Promise<Response> {
  try {
    const response = await fetch(request);
    if (response.ok) await (await caches.open(PINNED)).put(request, response.clone());
    return response;
  } catch (err) {
    const cached = await caches.match(request, { cacheName: PINNED });
    if (cached) return cached;
    throw err;
  }
}

self.addEventListener('install', (event) => {
  event.waitUntil(
    refreshPinned()
      .catch(() => undefined)
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => !k.startsWith(VERSION)).map((k) => caches.delete(k))))
      .then(() => self.clients.claim())
      .then(() => saveOpenPages())
      .catch(() => undefined),
  );
});

self.addEventListener('fetch', (event) => {
  const { request } = event;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== scope.origin || !url.pathname.startsWith(scope.pathname)) return;
  const path = url.pathname.slice(scope.pathname.length);
  if (path.startsWith('assets/')) event.respondWith(asset(request));
  else if (request.mode === 'navigate') event.respondWith(page(event));
  else if (path === 'search-index.json') event.respondWith(searchIndex(request));
});
