/**
 * The offline note: an empty, hidden placeholder in every page (layout.ts), which the
 * service worker fills when it serves a saved copy instead of the live page. Both sides
 * use these, so an edit to the layout cannot silently break the note.
 */
/**
 * Where the offline page (pages/offline.ts) lives on every site, live and exported: the
 * service worker saves it ahead of any visit and serves it for a page never saved. Kept
 * here, beside the note, because the worker's bundle must not take in the page kit.
 */
export const OFFLINE_PAGE_PATH = 'offline/';

export const OFFLINE_NOTE_PLACEHOLDER = '<div class="offline-note" data-offline-note hidden role="status"></div>';

/** The filled note: when the copy was saved and why it is shown (no network, or the portal failed). */
export function offlineNote(savedAt: string, reason: 'offline' | 'unavailable'): string {
  const iso = savedAt.replace(/[^0-9TZ:.-]/g, '');
  const why = reason === 'offline' ? 'You are offline.' : 'The portal is not answering.';
  return `<div class="offline-note" data-offline-note data-saved-at="${iso}" data-reason="${reason}" role="status">${why} This copy was saved at ${iso}.</div>`;
}
