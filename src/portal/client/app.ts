import {
  loadPackedIndex,
  rankEntries,
  resultPath,
  type LegacyPackedIndex,
  type PackedIndex,
  type PreparedIndex,
  type SearchResult,
} from '../../search/rank.ts';
import { relativeTime, timeLabel, UTC_SETTING } from '../../web/time-label.ts';
import { PAGES_CACHE, PINNED_CACHE } from './cache-names.ts';
import { showOnCall } from './oncall.ts';

/**
 * The portal's only script, loaded as a module (no inline script: the CSP forbids it).
 * Reading never needs it; it adds the command palette, times in the reader's zone, the static
 * export's search, the offline note and the service worker. Untrusted text only ever
 * reaches the page through textContent.
 */

const meta = (name: string): string => document.querySelector<HTMLMetaElement>(`meta[name="${name}"]`)?.content ?? '';
const base = meta('atrium-base') || '/';
const isStatic = meta('atrium-mode') === 'static';
const PALETTE_RESULTS = 12;

/** The reader's "show times in UTC" choice; storage may be refused (private mode), which means no. */
function timesInUtc(): boolean {
  try {
    return localStorage.getItem(UTC_SETTING) === '1';
  } catch {
    return false;
  }
}

/** Each time as "02:14 · 3 minutes ago" in the reader's zone (or UTC), UTC in the title; without the script, the UTC time. */
function showTimes(): void {
  const now = Date.now();
  const utc = timesInUtc();
  for (const time of document.querySelectorAll<HTMLTimeElement>('time[data-relative]')) {
    const label = timeLabel(time.dateTime, now, { utc });
    if (!label) continue;
    time.textContent = label.text;
    time.title = label.title;
  }
}

/** The footer's switch between the reader's time zone and UTC, remembered in localStorage. */
function setUpUtcToggle(): void {
  const button = document.querySelector<HTMLButtonElement>('[data-utc-toggle]');
  if (!button || !document.querySelector('time[data-relative]')) return;
  const show = () => button.setAttribute('aria-pressed', String(timesInUtc()));
  button.addEventListener('click', () => {
    try {
      localStorage.setItem(UTC_SETTING, timesInUtc() ? '0' : '1');
    } catch {
      return; // storage refused: nothing to remember the choice in
    }
    show();
    showTimes();
  });
  show();
  button.hidden = false;
}

function showOfflineNote(): void {
  const note = document.querySelector<HTMLElement>('[data-offline-note][data-saved-at]');
  const saved = note?.dataset.savedAt;
  if (!note || !saved) return;
  const why = note.dataset.reason === 'unavailable' ? 'The portal is not answering.' : 'You are offline.';
  note.textContent = `${why} This copy was saved ${relativeTime(saved, Date.now())} (${saved.replace('T', ' ').slice(0, 16)} UTC) and may be out of date.`;
  note.hidden = false;
}

let staticIndex: Promise<PreparedIndex> | undefined;
function loadStaticIndex(): Promise<PreparedIndex> {
  staticIndex ??= fetch(`${base}search-index.json`)
    .then((r) =>
      r.ok
        ? (r.json() as Promise<PackedIndex | LegacyPackedIndex>)
        : Promise.reject(new Error(`search index: HTTP ${r.status}`)),
    )
    .then(loadPackedIndex);
  return staticIndex;
}

/**
 * Results for a query, and whether they come from the saved index: live, when the search
 * API cannot be reached (offline, or the portal failing), the index the service worker
 * saved is ranked here with the same ranker, rather than showing an error.
 */
async function search(q: string, limit: number): Promise<{ results: SearchResult[]; saved: boolean }> {
  const ranked = async () => rankEntries(await loadStaticIndex(), q, limit);
  if (isStatic) return { results: await ranked(), saved: false };
  const r = await fetch(`${base}api/v1/search?${new URLSearchParams({ q, limit: String(limit) })}`).catch(
    () => undefined,
  );
  if (r && r.status < 500) {
    if (!r.ok) throw new Error(`search: HTTP ${r.status}`);
    return { results: ((await r.json()) as { items: SearchResult[] }).items, saved: false };
  }
  // A failed load of the index must not stick: the next keystroke may find the network back.
  const results = await ranked().catch((err: unknown) => {
    staticIndex = undefined;
    throw err;
  });
  return { results, saved: true };
}

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Partial<HTMLElementTagNameMap[K]> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}

const kindLabel = (r: SearchResult): string => (r.type === 'entity' ? r.kind : r.type);

/**
 * The palette: a modal dialog with a combobox over a listbox. Arrows move, Enter opens the
 * highlighted result (the first until you move) or, with none, the search page; Escape,
 * the close button or a click outside closes it, and focus returns where it was.
 */
function setUpPalette(): void {
  const input = el('input', {
    type: 'search',
    id: 'palette-input',
    autocomplete: 'off',
    placeholder: 'Search services, APIs, teams, docs, runbooks…',
  });
  input.setAttribute('role', 'combobox');
  input.setAttribute('aria-expanded', 'false');
  input.setAttribute('aria-autocomplete', 'list');
  input.setAttribute('aria-controls', 'palette-results');
  input.setAttribute('aria-label', 'Search the portal');
  const list = el('ul', { id: 'palette-results' });
  list.setAttribute('role', 'listbox');
  list.setAttribute('aria-label', 'Results');
  const status = el('p', { className: 'palette-status' }, 'Type to search. ↑ ↓ to move, Enter to open, Esc to close.');
  status.setAttribute('role', 'status');
  const close = el('button', { type: 'button', className: 'palette-close' }, 'Close');
  const dialog = el(
    'dialog',
    { className: 'palette' },
    el('div', { className: 'palette-bar' }, input, close),
    list,
    status,
  );
  dialog.setAttribute('aria-label', 'Search');
  document.body.append(dialog);
  let results: SearchResult[] = [];
  let active = -1;
  let sequence = 0;
  /** The text the shown results answer; Enter on newer text goes to the search page instead. */
  let answered = '';

  const select = (i: number) => {
    active = i;
    list.querySelectorAll('li').forEach((li, j) => li.setAttribute('aria-selected', String(j === i)));
    const current = list.children[i];
    if (current) {
      input.setAttribute('aria-activedescendant', current.id);
      current.scrollIntoView({ block: 'nearest' });
    } else input.removeAttribute('aria-activedescendant');
  };
  const go = (path: string) => {
    location.href = base + path;
  };
  const render = () => {
    list.replaceChildren(
      ...results.map((r, i) => {
        const li = el(
          'li',
          { id: `palette-option-${i}` },
          el('span', { className: 'kind' }, kindLabel(r)),
          el('span', { className: 'result-title' }, r.section?.heading ? `${r.title} › ${r.section.heading}` : r.title),
          el('span', { className: 'muted small' }, r.context),
        );
        li.setAttribute('role', 'option');
        li.addEventListener('click', () => go(resultPath(r)));
        return li;
      }),
    );
    input.setAttribute('aria-expanded', String(results.length > 0));
    select(results.length ? 0 : -1);
  };
  input.addEventListener('input', async () => {
    const q = input.value.trim();
    const mine = ++sequence;
    if (!q) {
      results = [];
      answered = '';
      render();
      status.textContent = 'Type to search.';
      return;
    }
    try {
      const { results: found, saved } = await search(q, PALETTE_RESULTS);
      if (mine !== sequence) return; // a newer keystroke won
      results = found;
      answered = q;
      render();
      const count = found.length
        ? `${found.length} result${found.length === 1 ? '' : 's'}. ↑ ↓ to move, Enter to open.`
        : `Nothing matches “${q}”.${saved ? '' : ' Enter searches all pages.'}`;
      status.textContent = saved ? `offline — searching saved pages. ${count}` : count;
    } catch {
      if (mine === sequence)
        status.textContent = 'Search is unavailable offline: no saved search index on this device.';
    }
  });
  input.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowDown' && results.length) select((active + 1) % results.length);
    else if (e.key === 'ArrowUp' && results.length) select((active - 1 + results.length) % results.length);
    else if (e.key === 'Enter') {
      const q = input.value.trim();
      const chosen = q === answered ? results[active] : undefined;
      if (chosen) go(resultPath(chosen));
      else if (q) go(`search/?${new URLSearchParams({ q })}`);
    } else return;
    e.preventDefault();
  });
  close.addEventListener('click', () => dialog.close());
  // A click on the backdrop lands on the dialog element itself, outside its content.
  dialog.addEventListener('click', (e) => {
    if (e.target === dialog) dialog.close();
  });
  const show = () => {
    if (dialog.open) return;
    dialog.showModal();
    input.select();
  };
  const button = document.querySelector<HTMLButtonElement>('[data-palette-open]');
  if (button) {
    button.hidden = false;
    button.addEventListener('click', show);
  }
  document.addEventListener('keydown', (e) => {
    const target = e.target as HTMLElement;
    const typing = target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName);
    if (
      (e.key === 'k' && (e.ctrlKey || e.metaKey)) ||
      (e.key === '/' && !typing && !e.ctrlKey && !e.metaKey && !e.altKey)
    ) {
      e.preventDefault();
      show();
    }
  });
}

/** The static export's search page: the server could not rank, so the browser does. */
async function fillStaticSearch(): Promise<void> {
  const container = document.querySelector<HTMLElement>('[data-search-results]');
  const q = new URLSearchParams(location.search).get('q')?.slice(0, 200).trim();
  const input = document.querySelector<HTMLInputElement>('[data-search-input]');
  if (!isStatic || !container || !q) return;
  if (input) input.value = q;
  let results: SearchResult[];
  try {
    results = (await search(q, 50)).results;
  } catch (err) {
    const failed = el('p', { className: 'notice' }, `Search is unavailable: ${(err as Error).message}`);
    failed.setAttribute('role', 'status');
    container.replaceChildren(failed);
    return;
  }
  const count = el(
    'p',
    { className: 'count' },
    results.length ? `${results.length} results for “${q}”` : `Nothing matches “${q}”.`,
  );
  count.setAttribute('role', 'status');
  const list = el(
    'ol',
    { className: 'results' },
    ...results.map((r) =>
      el(
        'li',
        {},
        el(
          'a',
          { href: base + resultPath(r) },
          el('span', { className: 'result-title' }, r.section?.heading ? `${r.title} › ${r.section.heading}` : r.title),
        ),
        ' ',
        el('span', { className: 'kind' }, kindLabel(r)),
        ' ',
        el('span', { className: 'muted small' }, r.context),
        ...(r.text ? [el('p', { className: 'result-text' }, r.text)] : []),
      ),
    ),
  );
  container.replaceChildren(count, list);
}

/**
 * The offline page lists the pages saved on this device, read from the worker's caches;
 * titles come from the saved copies (parsed inert, never run) and reach the page as text.
 */
async function listSavedPages(): Promise<void> {
  const container = document.querySelector<HTMLElement>('[data-saved-pages]');
  if (!container || !('caches' in window)) return;
  const seen = new Map<string, string>();
  for (const name of [PINNED_CACHE, PAGES_CACHE]) {
    const cache = await caches.open(name);
    for (const request of await cache.keys()) {
      const url = new URL(request.url);
      const path = url.pathname.slice(base.length);
      if (seen.has(url.href) || path === 'offline/' || path === 'search-index.json') continue;
      const text = (await (await cache.match(request))?.text()) ?? '';
      const title = new DOMParser().parseFromString(text, 'text/html').title.replace(/ · Atrium$/, '');
      seen.set(url.href, title || path || 'Home');
    }
  }
  const entries = [...seen].sort(([, a], [, b]) => a.localeCompare(b));
  const group = (heading: string, items: [string, string][]) =>
    items.length
      ? [el('h2', {}, heading), el('ul', {}, ...items.map(([href, title]) => el('li', {}, el('a', { href }, title))))]
      : [];
  const runbooks = entries.filter(([href]) => href.endsWith('/runbook/'));
  const pages = entries.filter(([href]) => !href.endsWith('/runbook/'));
  container.replaceChildren(
    ...(entries.length
      ? [...group('Runbooks', runbooks), ...group('Pages', pages)]
      : [el('p', {}, 'No page is saved on this device yet.')]),
  );
}

/** The "loading the catalog" page reloads itself after the server's Retry-After. */
/**
 * A link to a part of a long page inside a closed `<details>` (an API reference's
 * operation): open what holds it, for browsers that do not on their own.
 */
function openHashTarget(): void {
  const id = decodeURIComponent(location.hash.slice(1));
  const target = id ? document.getElementById(id) : null;
  if (!target) return;
  let opened = false;
  for (let d = target.closest('details'); d; d = d.parentElement?.closest('details') ?? null)
    if (!d.open) {
      d.open = true;
      opened = true;
    }
  if (opened) target.scrollIntoView();
}

/** A Copy button on each `pre[data-copy]` (curl commands): the text as shown, to the clipboard. */
function addCopyButtons(): void {
  for (const pre of document.querySelectorAll<HTMLPreElement>('pre[data-copy]')) {
    const button = el('button', { type: 'button', className: 'copy-button' }, 'Copy');
    button.setAttribute('aria-label', `Copy ${pre.getAttribute('aria-label') ?? 'the text'}`);
    button.addEventListener('click', () => {
      navigator.clipboard.writeText(pre.textContent ?? '').then(
        () => (button.textContent = 'Copied'),
        () => (button.textContent = 'Select and copy'),
      );
    });
    pre.before(button);
  }
}

function reloadWhenAsked(): void {
  const seconds = Number(document.querySelector<HTMLElement>('[data-reload-after]')?.dataset.reloadAfter);
  if (seconds > 0) setTimeout(() => location.reload(), Math.min(seconds, 60) * 1000);
}

function registerServiceWorker(): void {
  if (!('serviceWorker' in navigator) || !window.isSecureContext) return;
  navigator.serviceWorker.register(`${base}sw.js`, { scope: base }).catch(() => undefined);
}

showTimes();
setUpUtcToggle();
showOfflineNote();
void showOnCall(isStatic);
openHashTarget();
addEventListener('hashchange', openHashTarget);
addCopyButtons();
setUpPalette();
void fillStaticSearch();
void listSavedPages();
reloadWhenAsked();
registerServiceWorker();
