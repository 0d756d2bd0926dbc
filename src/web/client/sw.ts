/**
 * The service worker: keeps runbooks (ahead of any visit) and every visited page readable
 * offline. Pages are network-first, so an engineer online always sees the live catalog;
 * offline, the saved copy is served with a note saying how old it is. Assets are
 * fingerprinted, so cache-first is always right for them.
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
  clients: { claim(): Promise<void> };
  addEventListener(type: 'install' | 'activate', listener: (event: ExtendableEvent) => void): void;
  addEventListener(type: 'fetch', listener: (event: FetchEvent) => void): void;
}
declare const self: WorkerScope;

const VERSION = 'atrium-v1';
const PAGES = `${VERSION}-pages`;
const ASSETS = `${VERSION}-assets`;
const SAVED_AT = 'x-atrium-saved-at';
const NOTE = '<div class="offline-note" data-offline-note hidden role="status"></div>';

const scope = new URL(self.registration.scope);

async function save(cacheName: string, request: Request | string, response: Response): Promise<void> {
  const headers = new Headers(response.headers);
  headers.set(SAVED_AT, new Date().toISOString());
  const body = await response.clone().arrayBuffer();
  await (await caches.open(cacheName)).put(request, new Response(body, { status: response.status, statusText: response.statusText, headers }));
}

/** Runbooks, the home page and the assets, listed by the site itself. */
async function precache(): Promise<void> {
  const manifest = await fetch(new URL('offline.json', scope), { cache: 'no-store' });
  if (!manifest.ok) return;
  const { assets, pages } = (await manifest.json()) as { assets: string[]; pages: string[] };
  await (await caches.open(ASSETS)).addAll(assets.map((a) => new URL(a, scope).href));
  for (const page of pages) {
    const url = new URL(page, scope).href;
    const response = await fetch(url).catch(() => undefined);
    if (response?.ok) await save(PAGES, url, response);
  }
}

async function fromCacheWithNote(request: Request): Promise<Response | undefined> {
  const cached = await caches.match(request, { cacheName: PAGES, ignoreSearch: false });
  if (!cached) return undefined;
  const savedAt = cached.headers.get(SAVED_AT) ?? '';
  const text = await cached.text();
  const note = `<div class="offline-note" data-offline-note data-saved-at="${savedAt.replace(/[^0-9TZ:.-]/g, '')}" role="status">You are offline. This copy was saved at ${savedAt.replace(/[^0-9TZ:.-]/g, '')}.</div>`;
  return new Response(text.replace(NOTE, note), { status: cached.status, headers: cached.headers });
}

async function page(request: Request): Promise<Response> {
  try {
    const response = await fetch(request);
    if (response.ok && (response.headers.get('content-type') ?? '').includes('text/html')) await save(PAGES, request, response);
    return response;
  } catch (err) {
    const cached = await fromCacheWithNote(request);
    if (cached) return cached;
    throw err;
  }
}

async function asset(request: Request): Promise<Response> {
  const cached = await caches.match(request, { cacheName: ASSETS });
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok) await (await caches.open(ASSETS)).put(request, response.clone());
  return response;
}

async function data(request: Request): Promise<Response> {
  try {
    const response = await fetch(request);
    if (response.ok) await (await caches.open(PAGES)).put(request, response.clone());
    return response;
  } catch (err) {
    const cached = await caches.match(request, { cacheName: PAGES });
    if (cached) return cached;
    throw err;
  }
}

self.addEventListener('install', (event) => {
  event.waitUntil(precache().catch(() => undefined).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => !k.startsWith(VERSION)).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener('fetch', (event) => {
  const { request } = event;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== scope.origin || !url.pathname.startsWith(scope.pathname)) return;
  const path = url.pathname.slice(scope.pathname.length);
  if (path.startsWith('assets/')) event.respondWith(asset(request));
  else if (request.mode === 'navigate') event.respondWith(page(request));
  else if (path === 'search-index.json' || path.startsWith('api/v1/search')) event.respondWith(data(request));
});
